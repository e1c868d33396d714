"""Product resources for research: the list with search, filters and sorts; one product; create, edit, delete."""

from __future__ import annotations

from flask_security import current_user

from ..services import products
from .common import AuthResource, dump_page, json_body, load, load_args
from .schemas.products import (
    ProductFacetsSchema,
    ProductInputSchema,
    ProductListArgsSchema,
    ProductSchema,
    ProductSummarySchema,
)

FILTERS = ("q", "category", "source", "availability", "manufacturer", "tag")


def _product_body(product_id: int) -> dict:
    return {"product": ProductSchema().dump(products.product_view(product_id, current_user))}


class ProductListResource(AuthResource):
    def get(self):
        """Products every member sees: searched (name, description), filtered, sorted, paginated."""
        args = load_args(ProductListArgsSchema())
        filters = {key: args[key] for key in FILTERS if key in args}
        page = products.list_products(
            current_user, args["page"], args["per_page"], sort=args["sort"], watched="watched" in args, **filters
        )
        return dump_page(page, ProductSummarySchema())

    def post(self):
        """Create a member product owned by the caller (201)."""
        data = load(ProductInputSchema(), json_body())
        product = products.create_product(current_user, data)
        return _product_body(product.id), 201


class ProductFacetsResource(AuthResource):
    def get(self):
        """The categories, manufacturers and tags in use, for the list's filters."""
        return {"facets": ProductFacetsSchema().dump(products.facets())}


class ProductResource(AuthResource):
    def get(self, product_id: int):
        """One product with its description (Markdown and sanitized HTML), tags, counts and permissions."""
        return _product_body(product_id)

    def patch(self, product_id: int):
        """Change some fields (creator or admin on member rows; description and tags only on supplier rows)."""
        changes = load(ProductInputSchema(), json_body(), partial=True)
        products.update_product(product_id, current_user, changes)
        return _product_body(product_id)

    def delete(self, product_id: int):
        """Delete a member product with its documents, comments and stored files (creator or admin; 204)."""
        products.delete_product(product_id, current_user)
        return "", 204
