"""Checkout: validate, freeze prices, publish CheckoutSubmitted; once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from rest_framework import status

from shop.accounts.selectors import get_address, get_contact
from shop.api.errors import ApiError
from shop.db import create_or_get, one_or_none
from shop.eventbus import publish

from ..events import CheckoutLine, CheckoutSubmitted, DeliveryAddress, ReplacementOffer
from ..models import Cart, Checkout, CouponRedemption, DeliverySlot
from ..selectors import (
    PricedCart,
    coupon_problem,
    find_coupon,
    get_slot,
    price_cart,
    replacement_offers,
    zone_for_pincode,
)


@dataclass(frozen=True)
class CheckoutResult:
    order_id: UUID
    total_paise: int
    replayed: bool


def request_fingerprint(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


def submit_checkout(
    *, customer_id: UUID, idempotency_key: str, address_id: UUID, slot_id: UUID, payment_method: str
) -> CheckoutResult:
    """Turn the customer's cart into a submitted checkout, or answer the earlier one for this key."""
    fingerprint = request_fingerprint({"address_id": address_id, "slot_id": slot_id, "payment_method": payment_method})
    with transaction.atomic():
        # The key first: a replay finds the earlier checkout here; a concurrent twin waits
        # on the key's index until this one commits, then replays it (or, if this one was
        # refused and rolled back, is checked afresh).
        record, created = create_or_get(
            Checkout,
            {"customer_id": customer_id, "idempotency_key": idempotency_key},
            request_hash=fingerprint,
            order_id=uuid.uuid4(),
            total_paise=0,
        )
        if not created:
            return _replay(record, fingerprint)
        return _submit(record, address_id=address_id, slot_id=slot_id, payment_method=payment_method)


def _replay(earlier: Checkout, fingerprint: str) -> CheckoutResult:
    if earlier.request_hash != fingerprint:
        raise ApiError(
            "This Idempotency-Key was used for a different checkout.",
            code="idempotency_key_reused",
            status_code=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    return CheckoutResult(order_id=earlier.order_id, total_paise=earlier.total_paise, replayed=True)


def _submit(record: Checkout, *, address_id: UUID, slot_id: UUID, payment_method: str) -> CheckoutResult:
    customer_id = record.customer_id
    # The lines come with the cart (pricing below reads the same list): one query for both checks.
    cart = one_or_none(Cart.objects.select_for_update().prefetch_related("lines").filter(customer_id=customer_id))
    if cart is None or not cart.lines.exists():
        raise ApiError("Your cart is empty.", code="empty_cart")
    address = get_address(user_id=customer_id, address_id=address_id)
    if address is None:
        raise ApiError(
            "No such address.", code="unknown_address", fields={"address_id": ["Not one of your addresses."]}
        )
    if payment_method not in ("razorpay", "cod"):
        raise ApiError("Pay with razorpay or cod.", fields={"payment_method": ["One of razorpay, cod."]})
    phone = _phone_for_the_rider(customer_id=customer_id, address_phone=str(address.phone or ""))
    if cart.pincode != address.pincode:
        _refuse_address_elsewhere(cart_pincode=cart.pincode, address_pincode=address.pincode)
    slot = chosen_slot(slot_id=slot_id, zone_id=cart.zone_id, pincode=cart.pincode)
    if slot.cutoff_at <= timezone.now():
        closed = timezone.localtime(slot.cutoff_at)
        at = f"{closed.hour % 12 or 12}:{closed:%M} {'am' if closed.hour < 12 else 'pm'}"  # as the slots read: 3:50 pm
        raise ApiError(
            f"Orders for this slot closed at {at} on {closed.day} {closed:%b}: choose a later slot.",
            code="slot_closed",
            fields={"slot_id": ["Closed for orders."]},
        )
    priced = price_cart(cart, slot=slot)
    if not priced.can_check_out:
        problems = priced.problems + [
            f"{(p.sku.name if p.sku else p.line.sku_id)}: {msg}" for p in priced.lines for msg in p.problems
        ]
        raise ApiError(
            "Your cart cannot be ordered as it is: " + " ".join(problems),
            code="cart_not_orderable",
            status_code=status.HTTP_409_CONFLICT,
        )
    assert cart.store_id is not None
    assert cart.zone_id is not None
    if priced.coupon is not None:
        _redeem(priced, customer_id=customer_id, order_id=record.order_id)
    offers = {
        sku_id: ReplacementOffer(
            sku_id=offer.sku_id,
            name=offer.name,
            unit_price_paise=offer.price_paise,
            mrp_paise=offer.mrp_paise,
            gst_rate_bp=offer.gst_rate_bp,
            hsn_code=offer.hsn_code,
        )
        for sku_id, offer in replacement_offers(cart, priced.lines).items()
    }
    lines = tuple(
        CheckoutLine(
            sku_id=p.line.sku_id,
            name=p.sku.name,
            sold_by=p.sku.sold_by,
            quantity=p.line.quantity,
            unit_price_paise=p.unit_price_paise,
            mrp_paise=p.sku.mrp_paise,
            line_total_paise=p.line_total_paise,
            gst_rate_bp=p.sku.gst_rate_bp,
            hsn_code=p.sku.hsn_code,
            replacement=p.line.replacement,
            replacement_sku_id=p.line.replacement_sku_id,
            replacement_offer=offers.get(p.line.sku_id),
            discount_paise=p.discount_paise,
        )
        for p in priced.lines
        if p.sku is not None
    )
    publish(
        CheckoutSubmitted(
            order_id=record.order_id,
            customer_id=customer_id,
            store_id=cart.store_id,
            zone_id=cart.zone_id,
            slot_id=slot_id,
            payment_method=payment_method,
            address=DeliveryAddress(
                name=address.name,
                phone=phone,
                line1=address.line1,
                line2=address.line2,
                landmark=address.landmark,
                city=address.city,
                state=address.state,
                pincode=address.pincode,
                latitude=float(address.latitude) if address.latitude is not None else None,
                longitude=float(address.longitude) if address.longitude is not None else None,
            ),
            lines=lines,
            subtotal_paise=priced.subtotal_paise,
            delivery_fee_paise=priced.delivery_fee_paise,
            small_cart_fee_paise=priced.small_cart_fee_paise,
            late_night_fee_paise=priced.late_night_fee_paise,
            express_fee_paise=priced.express_fee_paise,
            coupon_code=priced.coupon.code if priced.coupon else "",
            discount_paise=priced.discount_paise,
            total_paise=priced.total_paise,
        ),
        key=record.order_id,
    )
    record.total_paise = priced.total_paise
    record.save(update_fields=["total_paise"])
    cart.lines.all().delete()  # the basket became an order
    if cart.coupon_code:
        cart.coupon_code = ""  # used: the next basket starts without it
        cart.save(update_fields=["coupon_code", "updated_at"])
    return CheckoutResult(order_id=record.order_id, total_paise=priced.total_paise, replayed=False)


def _redeem(priced: PricedCart, *, customer_id: UUID, order_id: UUID) -> None:
    """Count the order against the coupon's limits: under the coupon's row lock, so two
    checkouts for its last use take it one after the other, and the second is refused."""
    assert priced.coupon is not None
    coupon = find_coupon(priced.coupon.code, customer_id=customer_id, lock=True)
    problem = coupon_problem(coupon, priced.coupon.code, customer_id=customer_id, subtotal_paise=priced.subtotal_paise)
    if problem is not None or coupon is None:
        raise ApiError(
            problem or "This coupon is no longer valid.",
            code="coupon_not_applicable",
            fields={"coupon_code": [problem or "Not valid."]},
            status_code=status.HTTP_409_CONFLICT,
        )
    CouponRedemption.objects.create(
        coupon=coupon,
        customer_id=customer_id,
        order_id=order_id,
        discount_paise=priced.discount_paise + priced.delivery_fee_waived_paise,
    )


def release_coupon(*, order_id: UUID) -> bool:
    """The order was cancelled: its coupon use is given back (to the customer and to the
    coupon's overall limit). Idempotent; returns whether a use was given back."""
    return bool(
        CouponRedemption.objects.filter(order_id=order_id, released_at__isnull=True).update(released_at=timezone.now())
    )


def _phone_for_the_rider(*, customer_id: UUID, address_phone: str) -> str:
    """The number the rider calls at the door: the address's, else the account's. An order
    nobody can be called about is refused before it is placed (the store would pack it,
    and the rider could only bring it back)."""
    if address_phone:
        return address_phone
    contact = get_contact(user_id=customer_id)
    if contact is not None and contact.phone:
        return str(contact.phone)
    raise ApiError(
        "Add a phone number to this address: the rider calls it when they arrive.",
        code="phone_required",
        fields={"address_id": ["This address has no phone number, and neither has your account."]},
    )


def _refuse_address_elsewhere(*, cart_pincode: str, address_pincode: str) -> None:
    """The cart is priced at the store of its own pincode: delivering elsewhere would change
    its prices and stock behind the customer's back, so they change the pincode first."""
    if zone_for_pincode(address_pincode) is None:
        raise ApiError(
            f"We do not deliver to {address_pincode} yet.",
            code="not_serviceable",
            fields={"address_id": ["Not serviceable."]},
        )
    if not cart_pincode:
        message = f"This address is in {address_pincode}: set your cart's pincode to {address_pincode} first."
    else:
        message = (
            f"This address is in {address_pincode}, your cart is priced for {cart_pincode}: change the pincode first."
        )
    raise ApiError(
        message,
        code="address_not_in_cart_pincode",
        fields={"address_id": [f"Not in {cart_pincode}." if cart_pincode else "The cart has no pincode yet."]},
        status_code=status.HTTP_409_CONFLICT,
    )


def chosen_slot(*, slot_id: UUID, zone_id: UUID | None, pincode: str) -> DeliverySlot:
    """The slot, if it can deliver a cart of this zone: refused before anything is written
    (an order for it would only be cancelled a moment later). The cart hears of every open
    slot (delivery's SlotOpened; `announce_delivery_slots` and `eventbus backfill` for
    those opened before it listened), so a slot unknown here is not one to choose."""
    slot = get_slot(slot_id)
    if slot is None:
        raise ApiError(
            "We do not know this delivery slot: choose a slot from the list.",
            code="slot_unknown",
            fields={"slot_id": ["Unknown slot: choose one from the list."]},
        )
    if zone_id is None or slot.zone_id != zone_id:
        where = f"for {pincode}" if pincode else "after choosing your pincode"
        raise ApiError(
            f"This delivery slot is for another area: choose a slot {where}.",
            code="slot_not_for_address",
            fields={"slot_id": [f"Not a slot for pincode {pincode}." if pincode else "Choose your pincode first."]},
        )
    return slot
