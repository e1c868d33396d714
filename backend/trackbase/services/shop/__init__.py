"""Shop: the per-user cart, checkout (idempotent, one transaction), orders and the DynamoDB hand-off.

Owns models/shop.py; reads product rows through services/products. The modules behind this face:

- cart: lines, their flags (out of stock, discontinued, price changed) and totals in integer cents
- checkout: cart -> order with a snapshot of each line, idempotent per (user, Idempotency-Key)
- orders: the owner's and the admin's views, an admin's export retry
- export: the conditional put into DynamoDB, the claim, the sweeper
"""

from __future__ import annotations

from .cart import Cart, CartLine, clear_cart, currency, get_cart, remove_item, set_quantity
from .checkout import check_key, checkout
from .export import ExportUnavailable, dynamo_item, export_order, sweep_pending
from .orders import get_order, list_orders, retry_export

__all__ = [
    "Cart",
    "CartLine",
    "ExportUnavailable",
    "check_key",
    "checkout",
    "clear_cart",
    "currency",
    "dynamo_item",
    "export_order",
    "get_cart",
    "get_order",
    "list_orders",
    "remove_item",
    "retry_export",
    "set_quantity",
    "sweep_pending",
]
