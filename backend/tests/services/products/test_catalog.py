"""Product reads: lookups raise 404, category lists page and filter, counts per category."""

from __future__ import annotations

import pytest

from trackbase.errors import ApiError
from trackbase.models import Product
from trackbase.services import products


def add(db, external_id, category="gloves", availability="in_stock", manufacturer="ippal", **fields):
    product = Product(
        source="supplier",
        external_id=external_id,
        name=fields.pop("name", external_id.upper()),
        category=category,
        manufacturer=manufacturer,
        colors=["black"],
        availability=availability,
        **fields,
    )
    db.session.add(product)
    db.session.commit()
    return product


def test_a_missing_product_is_a_404(db):
    with pytest.raises(ApiError) as raised:
        products.get_product(999_999)
    assert raised.value.status == 404
    assert products.product_exists(999_999) is False


def test_category_list_pages_filters_and_counts(db):
    for n in range(5):
        add(db, f"g{n}", availability="in_stock" if n % 2 else "out_of_stock")
    add(db, "b1", category="beanies", manufacturer="laion", availability_stale=True)
    page = products.list_category("gloves", page=2, per_page=2, availability=["out_of_stock"])
    assert (page.total, page.page, [p.external_id for p in page.items]) == (3, 2, ["g4"])
    assert products.manufacturers_in("beanies") == ["laion"]
    counts, stale = products.category_counts(("gloves", "beanies", "facemasks"))
    assert [(c["name"], c["total"]) for c in counts] == [("gloves", 5), ("beanies", 1), ("facemasks", 0)]
    assert counts[0]["availability"]["out_of_stock"] == 3 and stale == 1
    assert products.has_supplier_products() is True
