from __future__ import annotations

from typing import Any

from rest_framework import serializers

from shop.api.fields import ChoiceField

from ..models import CartLine, Sku
from ..selectors import PricedCart, PricedLine, Replacements


class CartUpdateInput(serializers.Serializer[None]):
    """PATCH /api/v1/cart/: the delivery pincode, the coupon ("" removes it), or both."""

    pincode = serializers.RegexField(
        r"^[1-9][0-9]{5}$", required=False, error_messages={"invalid": "Enter a 6-digit Indian pincode."}
    )
    coupon_code = serializers.CharField(required=False, allow_blank=True, max_length=30, trim_whitespace=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError({"pincode": ["Send a pincode, a coupon_code, or both."]})
        return attrs


class LineInput(serializers.Serializer[None]):
    sku_id = serializers.UUIDField()
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000)
    replacement = ChoiceField(choices=CartLine.Replacement.choices, default="best_match")
    replacement_sku_id = serializers.UUIDField(required=False, allow_null=True, default=None)


class LineUpdateInput(serializers.Serializer[None]):
    quantity = serializers.IntegerField(min_value=1, max_value=1_000_000, required=False)
    replacement = ChoiceField(choices=CartLine.Replacement.choices, required=False)
    replacement_sku_id = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A replacement SKU alone would be dropped without a word (the preference is what
        # gets changed): ask for the preference with it rather than guess it.
        if "replacement_sku_id" in attrs and "replacement" not in attrs:
            raise serializers.ValidationError({"replacement": ["Send replacement 'specific' with replacement_sku_id."]})
        return attrs


class CheckoutInput(serializers.Serializer[None]):
    address_id = serializers.UUIDField()
    slot_id = serializers.UUIDField()
    payment_method = ChoiceField(choices=[("razorpay", "Razorpay"), ("cod", "Cash on delivery")])


def _sku_offer(sku: Sku) -> dict[str, Any]:
    return {"sku_id": str(sku.sku_id), "name": sku.name, "unit_price_paise": sku.price_paise}


def line_data(priced: PricedLine, offer: Sku | None = None, choices: list[Sku] | None = None) -> dict[str, Any]:
    sku = priced.sku
    return {
        "id": str(priced.line.id),
        "sku_id": str(priced.line.sku_id),
        "name": sku.name if sku else "",
        "pack_label": sku.pack_label if sku else "",
        "sold_by": sku.sold_by if sku else "",
        "step": sku.step if sku else 1,
        "quantity": priced.line.quantity,
        # The most the line may hold now (max per order, and the store's stock once the cart
        # has a store); null for a SKU no longer known.
        "max_quantity": priced.max_quantity,
        "unit_price_paise": priced.unit_price_paise,
        "mrp_paise": sku.mrp_paise if sku else 0,
        "line_total_paise": priced.line_total_paise,
        "gst_rate_bp": sku.gst_rate_bp if sku else 0,
        "tax_included_paise": priced.tax_paise,
        "savings_paise": priced.savings_paise,
        "discount_paise": priced.discount_paise,
        "replacement": priced.line.replacement,
        "replacement_sku_id": str(priced.line.replacement_sku_id) if priced.line.replacement_sku_id else None,
        # What the picker would put in the line's place if it is short, as checkout would
        # offer it now (null: a refund, by choice or because nothing fits).
        "replacement_offer": _sku_offer(offer) if offer else None,
        # The SKUs the customer may name instead ('specific'): the product's other packs in stock.
        "replacement_choices": [_sku_offer(choice) for choice in choices or []],
        "orderable": priced.orderable,
        # Notices (e.g. a quantity capped when carts merged at login) are told here too;
        # they leave the line orderable.
        "problems": priced.problems + priced.notices,
        "image_url": sku.image_url if sku else "",
    }


def cart_data(priced: PricedCart, replacements: Replacements | None = None) -> dict[str, Any]:
    cart = priced.cart
    offers, choices = (replacements.offers, replacements.choices) if replacements else ({}, {})
    return {
        "id": str(cart.id),
        "pincode": cart.pincode,
        "store_id": str(cart.store_id) if cart.store_id else None,
        "lines": [
            line_data(line, offers.get(line.line.sku_id), choices.get(line.line.sku_id)) for line in priced.lines
        ],
        "subtotal_paise": priced.subtotal_paise,
        "tax_included_paise": priced.tax_paise,
        "savings_paise": priced.savings_paise,
        "delivery_fee_paise": priced.delivery_fee_paise,
        "small_cart_fee_paise": priced.small_cart_fee_paise,
        "late_night_fee_paise": priced.late_night_fee_paise,
        "express_fee_paise": priced.express_fee_paise,
        #: The coupon the cart holds ("" none); `coupon` is set once it applies (else the
        #: reason is in `problems`, and checkout waits until it applies or is removed).
        "coupon_code": cart.coupon_code,
        "coupon": (
            {
                "code": priced.coupon.code,
                "description": priced.coupon.description,
                "kind": priced.coupon.kind,
                "discount_paise": priced.discount_paise,
                "delivery_fee_waived_paise": priced.delivery_fee_waived_paise,
            }
            if priced.coupon
            else None
        ),
        "discount_paise": priced.discount_paise,
        #: The slot the fees were priced for (`?slot_id=`), or null: late-night and express
        #: fees depend on the delivery slot, and are 0 until one is chosen.
        "priced_for_slot_id": str(priced.slot.slot_id) if priced.slot else None,
        "total_paise": priced.total_paise,
        "can_check_out": priced.can_check_out,
        #: How much more the items must come to for the zone's minimum order (0 once met).
        "min_order_shortfall_paise": priced.min_order_shortfall_paise,
        "problems": priced.problems,
    }
