"""Changing carts: owner, pincode, lines; merging a visitor's cart on login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from rest_framework import status

from shop.api.errors import ApiError

from ..models import Cart, CartLine, Sku
from ..selectors import coupon_problem, find_coupon, format_quantity, zone_for_pincode


def get_cart(*, customer_id: UUID | None, session_key: str | None) -> Cart:
    """The customer's cart (or the visitor's, by session), created when first needed."""
    lookup: dict[str, Any]
    if customer_id is not None:
        lookup = {"customer_id": customer_id}
    elif session_key:
        lookup = {"session_key": session_key}
    else:
        raise ValueError("a cart belongs to a customer or a session")
    try:
        with transaction.atomic():
            cart, _ = Cart.objects.get_or_create(**lookup)
    except IntegrityError:  # created concurrently
        cart = Cart.objects.get(**lookup)
    return cart


@dataclass(frozen=True)
class MergedCart:
    cart: Cart
    #: What to tell the customer about a line, by SKU: its quantity was capped at the limit.
    notices: dict[UUID, str]


@transaction.atomic
def merge_visitor_cart(*, session_key: str, customer_id: UUID) -> MergedCart:
    """After login: the visitor's lines join the customer's cart (quantities add up, capped
    at the SKU's max per order in its steps, with a notice), and the pincode the visitor
    chose, the latest word on where to deliver, becomes the cart's (the customer's earlier
    one stays if the visitor chose none)."""
    cart = get_cart(customer_id=customer_id, session_key=None)
    visitor = Cart.objects.select_for_update().filter(session_key=session_key, customer_id__isnull=True).first()
    if visitor is None:
        return MergedCart(cart=cart, notices={})
    visitor_lines = list(visitor.lines.all())
    sku_ids = [line.sku_id for line in visitor_lines]
    skus = Sku.objects.in_bulk(sku_ids)
    mine = {line.sku_id: line for line in CartLine.objects.select_for_update().filter(cart=cart, sku_id__in=sku_ids)}
    notices: dict[UUID, str] = {}
    for line in visitor_lines:
        existing = mine.get(line.sku_id)
        if existing is None:
            CartLine.objects.create(
                cart=cart,
                sku_id=line.sku_id,
                quantity=line.quantity,
                replacement=line.replacement,
                replacement_sku_id=line.replacement_sku_id,
            )
            continue
        total = existing.quantity + line.quantity
        sku = skus.get(line.sku_id)
        # The most that can be ordered in the SKU's steps (12 of a 12-max SKU, 1000 g of a
        # 1100 g-max SKU sold in 250 g steps): the merged line stays orderable.
        limit = sku.max_per_order - sku.max_per_order % sku.step if sku else 0
        if sku is not None and limit > 0 and total > limit:
            notices[line.sku_id] = (
                f"You had {format_quantity(sku, existing.quantity)} in your cart and added "
                f"{format_quantity(sku, line.quantity)} before logging in: we kept "
                f"{format_quantity(sku, limit)}, the most per order."
            )
            total = limit
        existing.quantity = total
        existing.save(update_fields=["quantity"])
    if visitor.pincode and visitor.pincode != cart.pincode:
        cart.pincode, cart.zone_id, cart.store_id = visitor.pincode, visitor.zone_id, visitor.store_id
        cart.save()
    if visitor.coupon_code and not cart.coupon_code:  # pricing checks the customer's own uses now
        cart.coupon_code = visitor.coupon_code
        cart.save(update_fields=["coupon_code", "updated_at"])
    visitor.delete()
    return MergedCart(cart=cart, notices=notices)


@transaction.atomic
def set_pincode(*, cart: Cart, pincode: str) -> Cart:
    """Bind the cart to the store serving `pincode`; prices and stock become that store's."""
    zone = zone_for_pincode(pincode)
    if zone is None:
        raise ApiError(
            f"We do not deliver to {pincode} yet.", code="not_serviceable", fields={"pincode": ["Not serviceable."]}
        )
    cart.pincode, cart.zone_id, cart.store_id = pincode, zone.zone_id, zone.store_id
    cart.save(update_fields=["pincode", "zone_id", "store_id", "updated_at"])
    return cart


@transaction.atomic
def set_coupon(*, cart: Cart, code: str) -> Cart:
    """Apply the coupon of `code` to the cart ("" removes it). A code that is no coupon, or one
    that cannot be used now (not yet or no longer valid, used up, the customer's uses spent),
    is refused with the reason; one that needs a bigger cart is kept, and the cart says how
    much more (pricing checks the coupon again each time, and checkout once more)."""
    code = code.strip().upper()
    if not code:
        cart.coupon_code = ""
        cart.save(update_fields=["coupon_code", "updated_at"])
        return cart
    coupon = find_coupon(code, customer_id=cart.customer_id)
    problem = coupon_problem(coupon, code, customer_id=cart.customer_id)  # the cart's size aside: it may grow
    if problem is not None:
        raise ApiError(problem, code="coupon_not_applicable", fields={"coupon_code": [problem]})
    cart.coupon_code = code
    cart.save(update_fields=["coupon_code", "updated_at"])
    return cart


def _check_quantity(sku: Sku, quantity: int) -> None:
    unit = "g" if sku.sold_by == "weight" else "packs"
    if quantity <= 0:
        raise ApiError("Quantity must be positive.", fields={"quantity": ["Must be at least one step."]})
    if quantity % sku.step:
        raise ApiError(
            f"{sku.name} is sold in steps of {sku.step} {unit}.",
            fields={"quantity": [f"Use a multiple of {sku.step} {unit}."]},
        )
    if quantity > sku.max_per_order:
        raise ApiError(
            f"At most {sku.max_per_order} {unit} of {sku.name} per order.",
            fields={"quantity": [f"At most {sku.max_per_order}."]},
        )


def _known_sku(sku_id: UUID) -> Sku:
    sku = Sku.objects.filter(sku_id=sku_id, is_active=True).first()
    if sku is None:
        raise ApiError("No such item on sale.", code="unknown_sku", fields={"sku_id": ["Unknown or not on sale."]})
    return sku


@transaction.atomic
def add_line(
    *, cart: Cart, sku_id: UUID, quantity: int, replacement: str = "best_match", replacement_sku_id: UUID | None = None
) -> CartLine:
    """Add an item, or more of it if the cart has it already."""
    sku = _known_sku(sku_id)
    existing = CartLine.objects.select_for_update().filter(cart=cart, sku_id=sku_id).first()
    total = quantity + (existing.quantity if existing else 0)
    _check_quantity(sku, quantity)
    _check_quantity(sku, total)
    _check_replacement(replacement, replacement_sku_id, sku_id=sku_id)
    if existing:
        existing.quantity = total
        existing.replacement, existing.replacement_sku_id = replacement, replacement_sku_id
        existing.save()
        return existing
    return CartLine.objects.create(
        cart=cart, sku_id=sku_id, quantity=quantity, replacement=replacement, replacement_sku_id=replacement_sku_id
    )


@transaction.atomic
def update_line(
    *,
    line: CartLine,
    quantity: int | None = None,
    replacement: str | None = None,
    replacement_sku_id: UUID | None = None,
) -> CartLine:
    if quantity is not None:
        _check_quantity(_known_sku(line.sku_id), quantity)
        line.quantity = quantity
    if replacement is not None:
        _check_replacement(replacement, replacement_sku_id, sku_id=line.sku_id)
        line.replacement, line.replacement_sku_id = replacement, replacement_sku_id
    line.save()
    return line


def remove_line(*, line: CartLine) -> None:
    line.delete()


def _check_replacement(replacement: str, replacement_sku_id: UUID | None, *, sku_id: UUID) -> None:
    if replacement not in CartLine.Replacement.values:
        raise ApiError(
            "Unknown replacement preference.", fields={"replacement": [f"One of {CartLine.Replacement.values}."]}
        )
    if (replacement == "specific") != (replacement_sku_id is not None):
        raise ApiError(
            "Name the replacement SKU exactly when the preference is 'specific'.",
            fields={"replacement_sku_id": ["Required for 'specific', not allowed otherwise."]},
            status_code=status.HTTP_400_BAD_REQUEST,
        )
    if replacement_sku_id == sku_id:
        raise ApiError(
            "An item cannot replace itself: name another SKU, or choose best match or refund.",
            fields={"replacement_sku_id": ["Not the line's own SKU."]},
        )
    if replacement_sku_id is not None:
        named, own = _known_sku(replacement_sku_id), _known_sku(sku_id)
        if (named.product_id, named.sold_by) != (own.product_id, own.sold_by):
            # Picking charges a replacement at most the line's own price: only another pack of
            # the same product may be named (the cart's replacement_choices), never any item.
            raise ApiError(
                "Only another pack of the same item can replace it: choose one of the line's "
                "replacement_choices, or best match or refund.",
                code="replacement_not_allowed",
                fields={"replacement_sku_id": ["Not another pack of this item."]},
            )


def purge_visitor_carts(*, idle_days: int, batch: int = 500) -> int:
    """Delete visitors' carts (no customer) untouched for `idle_days`: neither the cart nor a
    line changed since. Customers' carts stay. In batches, each its own transaction; returns
    how many carts went."""
    cutoff = timezone.now() - timedelta(days=idle_days)
    idle = (
        Cart.objects.filter(customer_id__isnull=True, updated_at__lt=cutoff)
        .annotate(last_line=Max("lines__added_at"))
        .filter(Q(last_line__isnull=True) | Q(last_line__lt=cutoff))
        .values_list("id", flat=True)
    )
    purged = 0
    while ids := list(idle[:batch]):
        with transaction.atomic():
            purged += Cart.objects.filter(id__in=ids, customer_id__isnull=True).delete()[1].get("cart.Cart", 0)
    return purged
