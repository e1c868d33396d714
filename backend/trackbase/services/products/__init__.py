"""Products: the catalog, every read of a product row (the supplier poll in services/inventory writes
availability onto these rows; research, watching and the shop will build on them here).

Owns models/catalog.py; reads AvailabilityHistory, which the poll writes.
"""

from __future__ import annotations

from . import activity, comments, digests, documents, export, markdown, mentions, search, watch
from .catalog import (
    SORTS,
    availability_history,
    category_counts,
    get_product,
    has_supplier_products,
    list_category,
    manufacturers_in,
    product_exists,
)
from .editing import create_product, delete_product, may_delete, may_edit, update_product
from .listing import LIST_SORTS, ProductView, facets, list_products, product_view

__all__ = [
    "activity",
    "comments",
    "mentions",
    "documents",
    "markdown",
    "search",
    "LIST_SORTS",
    "ProductView",
    "create_product",
    "delete_product",
    "facets",
    "list_products",
    "may_delete",
    "may_edit",
    "product_view",
    "update_product",
    "digests",
    "export",
    "watch",
    "SORTS",
    "availability_history",
    "category_counts",
    "get_product",
    "has_supplier_products",
    "list_category",
    "manufacturers_in",
    "product_exists",
]
