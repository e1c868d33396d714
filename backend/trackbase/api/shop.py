"""Shop resources: the signed-in user's cart, checkout, orders; the admin's export retry."""

from __future__ import annotations

from flask import request
from flask_security import current_user

from ..auth.limits import enforce_user_limit
from ..services import shop
from .common import AdminResource, AuthResource, dump_page, load_args, load_json, page_params
from .schemas.shop import CartQuantitySchema, CartSchema, OrderListArgsSchema, OrderSchema

_quantity = CartQuantitySchema()
_order_args = OrderListArgsSchema()


def _cart(cart):
    return {"cart": CartSchema().dump(cart)}


def _order(order):
    return {"order": OrderSchema().dump(order)}


def _limit_cart_write() -> None:
    enforce_user_limit("RATELIMIT_CART", "cart")


class CartResource(AuthResource):
    def get(self):
        """The signed-in user's cart: lines with flags, totals in cents and the currency."""
        return _cart(shop.get_cart(current_user.id))

    def delete(self):
        """Empty the cart."""
        _limit_cart_write()
        return _cart(shop.clear_cart(current_user.id))


class CartItemResource(AuthResource):
    def put(self, product_id: int):
        """Set a product's quantity in the cart (1-99; 0 removes the line)."""
        _limit_cart_write()
        quantity = load_json(_quantity)["quantity"]
        return _cart(shop.set_quantity(current_user.id, product_id, quantity))

    def delete(self, product_id: int):
        """Take a product out of the cart (404 when it is not in it)."""
        _limit_cart_write()
        return _cart(shop.remove_item(current_user.id, product_id))


class CheckoutResource(AuthResource):
    def post(self):
        """Place the cart as an order: 201 the first time for an Idempotency-Key, 200 with the same order after."""
        key = shop.check_key(request.headers.get("Idempotency-Key"))
        enforce_user_limit("RATELIMIT_CHECKOUT", "checkout")
        order, created = shop.checkout(current_user._get_current_object(), key)
        return _order(order), (201 if created else 200)


class OrderListResource(AuthResource):
    def get(self):
        """The user's orders, newest first; an admin with scope=all sees everyone's (filter by export_status)."""
        args = load_args(_order_args)
        page, per_page = page_params()
        everyone = args.get("scope") == "all" and current_user.has_role("admin")
        result = shop.list_orders(
            current_user, page, per_page, everyone=everyone, export_status=args.get("export_status")
        )
        return dump_page(result, OrderSchema())


class OrderResource(AuthResource):
    def get(self, order_id: str):
        """One order: the owner's (or any, for an admin); 404 for anyone else."""
        return _order(shop.get_order(current_user, order_id))


class OrderExportResource(AdminResource):
    def post(self, order_id: str):
        """Admin: send a failed (or stuck pending) order to DynamoDB again."""
        return _order(shop.retry_export(order_id)), 202
