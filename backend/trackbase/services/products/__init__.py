"""Products: the catalog, every read of a product row (the supplier poll in services/inventory writes
availability onto these rows; research, watching and the shop will build on them here).

Owns models/catalog.py; reads AvailabilityHistory, which the poll writes.
"""

from __future__ import annotations

from . import activity, digests, export, watch
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

__all__ = [
    "activity",
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
