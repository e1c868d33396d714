"""The cart: one per user, lines priced and checked against the product row as it is now."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, select, update

from ...errors import not_found, validation_error
from ...extensions import db
from ...models import MAX_QUANTITY, CartItem, Product
from .. import products

SELLABLE = ("in_stock", "less_than_10")


def currency() -> str:
    """The shop's one currency (SHOP_CURRENCY, default EUR)."""
    return current_app.config.get("SHOP_CURRENCY") or "EUR"


def problems_of(product: Product) -> list[str]:
    """Why the product cannot be bought now (empty when it can), as of the latest poll."""
    found = []
    if product.discontinued_at is not None:
        found.append("discontinued")
    if product.availability == "out_of_stock":
        found.append("out_of_stock")
    elif product.availability not in SELLABLE and product.source == "supplier":
        found.append("availability_unknown")
    if product.price_cents is None:
        found.append("no_price")
    return found


@dataclass
class CartLine:
    """A cart line as the client sees it: the stored line and what changed since it was added."""

    item: CartItem
    problems: list[str]
    flags: list[str]

    @property
    def product(self) -> Product:
        return self.item.product

    @property
    def unit_price_cents(self) -> int | None:
        return self.product.price_cents

    @property
    def line_total_cents(self) -> int:
        return (self.product.price_cents or 0) * self.item.quantity

    @property
    def purchasable(self) -> bool:
        return not self.problems


@dataclass
class Cart:
    lines: list[CartLine] = field(default_factory=list)
    currency: str = "EUR"

    @property
    def total_cents(self) -> int:
        return sum(line.line_total_cents for line in self.lines)

    @property
    def item_count(self) -> int:
        return sum(line.item.quantity for line in self.lines)

    @property
    def purchasable(self) -> bool:
        return bool(self.lines) and all(line.purchasable for line in self.lines)

    @property
    def updated_at(self) -> datetime | None:
        return max((line.item.updated_at for line in self.lines), default=None)


def _line(item: CartItem) -> CartLine:
    product = item.product
    problems = problems_of(product)
    flags = list(problems)
    if item.added_price_cents != product.price_cents:
        flags.append("price_changed")
    return CartLine(item=item, problems=problems, flags=flags)


def cart_items(user_id: int, lock: bool = False) -> list[CartItem]:
    """The user's cart lines, oldest first (locked for the transaction when `lock`)."""
    stmt = select(CartItem).where(CartItem.user_id == user_id).order_by(CartItem.added_at, CartItem.id)
    if lock:
        stmt = stmt.with_for_update(of=CartItem)
    return list(db.session.scalars(stmt).unique())


def get_cart(user_id: int) -> Cart:
    """The user's cart with each line's price, availability and flags."""
    return Cart(lines=[_line(item) for item in cart_items(user_id)], currency=currency())


def set_quantity(user_id: int, product_id: int, quantity: int) -> Cart:
    """Put `quantity` of a product in the cart (0 removes the line); the product must exist."""
    if not 0 <= quantity <= MAX_QUANTITY:
        raise validation_error({"quantity": f"Must be between 0 and {MAX_QUANTITY}."})
    if quantity == 0:
        db.session.execute(delete(CartItem).where(CartItem.user_id == user_id, CartItem.product_id == product_id))
        db.session.commit()
        return get_cart(user_id)
    product = products.get_product(product_id)
    item = db.session.scalar(select(CartItem).where(CartItem.user_id == user_id, CartItem.product_id == product_id))
    if item is None:
        item = CartItem(
            user_id=user_id,
            product_id=product_id,
            quantity=quantity,
            added_price_cents=product.price_cents,
            added_availability=product.availability,
        )
        db.session.add(item)
    else:
        item.quantity = quantity
    db.session.commit()
    return get_cart(user_id)


def remove_item(user_id: int, product_id: int) -> Cart:
    """Take a product out of the cart (404 when it is not in it)."""
    result = db.session.execute(delete(CartItem).where(CartItem.user_id == user_id, CartItem.product_id == product_id))
    if not result.rowcount:
        db.session.rollback()
        raise not_found("Cart item")
    db.session.commit()
    return get_cart(user_id)


def clear_cart(user_id: int) -> Cart:
    """Empty the user's cart."""
    db.session.execute(delete(CartItem).where(CartItem.user_id == user_id))
    db.session.commit()
    return get_cart(user_id)


def take_write_lock(user_id: int) -> None:
    """Begin the checkout's transaction with a write on the user's cart rows.

    On SQLite this takes the database's write lock before anything is read (so the reads that follow
    see every committed checkout); on PostgreSQL it locks the cart rows, so two checkouts of one cart
    run one after the other.
    """
    db.session.execute(
        update(CartItem)
        .where(CartItem.user_id == user_id)
        .values(quantity=CartItem.quantity)
        .execution_options(synchronize_session=False)
    )
