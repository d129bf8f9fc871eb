"""Input and output shapes of the delivery API."""

from __future__ import annotations

from typing import get_args

from rest_framework import serializers

from shop.accounts.validators import validate_pincode
from shop.api.fields import ChoiceField

from ..events import DeliveryFailure
from ..models.shipments import PickOutcome
from ..models.slots import SlotMode
from ..services import MAX_PICK_QUANTITY


class PincodeInput(serializers.Serializer):
    pincode = serializers.CharField(validators=[validate_pincode])


class SlotQueryInput(PincodeInput):
    date = serializers.DateField(required=False)
    mode = ChoiceField(choices=SlotMode.choices, required=False)


class SlotOutput(serializers.Serializer):
    id = serializers.UUIDField()
    mode = serializers.CharField()
    date = serializers.DateField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    cutoff_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    remaining = serializers.IntegerField()


class FeeTierOutput(serializers.Serializer):
    min_cart_value_paise = serializers.IntegerField()
    fee_paise = serializers.IntegerField()


class FeePolicyOutput(serializers.Serializer):
    min_order_value_paise = serializers.IntegerField()
    fee_tiers = FeeTierOutput(many=True)
    small_cart_threshold_paise = serializers.IntegerField()
    small_cart_fee_paise = serializers.IntegerField()
    late_night_start = serializers.TimeField(allow_null=True)
    late_night_end = serializers.TimeField(allow_null=True)
    late_night_fee_paise = serializers.IntegerField()
    express_fee_paise = serializers.IntegerField()


class StoreOutput(serializers.Serializer):
    store_id = serializers.UUIDField()
    code = serializers.CharField()
    title = serializers.CharField()


class ZoneOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    title = serializers.CharField()


class ServiceabilityOutput(serializers.Serializer):
    pincode = serializers.CharField()
    serviceable = serializers.BooleanField()
    message = serializers.CharField()
    zone = ZoneOutput(allow_null=True)
    store = StoreOutput(allow_null=True)
    fee_policy = FeePolicyOutput(allow_null=True)
    next_slot = SlotOutput(allow_null=True)
    next_express_slot = SlotOutput(allow_null=True)


class SlotListOutput(serializers.Serializer):
    pincode = serializers.CharField()
    serviceable = serializers.BooleanField()
    slots = SlotOutput(many=True)


class RiderOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    phone = serializers.CharField()


class RiderMeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    phone = serializers.CharField()
    store_id = serializers.UUIDField()
    is_available = serializers.BooleanField()


class ShiftInput(serializers.Serializer):
    is_available = serializers.BooleanField()


class ShipmentLineOutput(serializers.Serializer):
    id = serializers.UUIDField()
    sku_id = serializers.UUIDField()
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    sold_by_weight = serializers.BooleanField()
    outcome = serializers.CharField()
    quantity_picked = serializers.IntegerField(allow_null=True, help_text="Of the line's own SKU")
    replacement_sku_id = serializers.UUIDField(
        allow_null=True, help_text="What may go in the line's place if it is short (null: refund only)"
    )
    replacement_title = serializers.CharField(help_text="The replacement's name, for the picker; empty without one")
    quantity_replaced = serializers.IntegerField(
        allow_null=True, help_text="Outcome replaced: how much of the replacement went in (packs, or grams)"
    )


class ShipmentOutput(serializers.Serializer):
    id = serializers.UUIDField()
    order_id = serializers.UUIDField()
    tracking_code = serializers.CharField()
    status = serializers.CharField()
    store_id = serializers.UUIDField()
    payment_method = serializers.CharField()
    cod_amount_paise = serializers.IntegerField()
    cash_total_pending = serializers.BooleanField(
        help_text="Cash on delivery, items short at picking: the new total (cod_amount_paise) is on its way; "
        "the shipment cannot go out until it is in"
    )
    cash_collected_paise = serializers.IntegerField()
    order_cancelled = serializers.BooleanField(
        help_text="The order was cancelled while the shipment was out: bring it back, do not hand it over"
    )
    recipient_name = serializers.CharField()
    recipient_phone = serializers.CharField()
    address = serializers.CharField()
    pincode = serializers.CharField()
    slot = SlotOutput(allow_null=True)
    rider = RiderOutput(allow_null=True)
    attempts = serializers.IntegerField()
    failure_reason = serializers.CharField()
    lines = ShipmentLineOutput(many=True, source="lines.all")
    created_at = serializers.DateTimeField()
    picked_at = serializers.DateTimeField(allow_null=True)
    packed_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    failed_at = serializers.DateTimeField(allow_null=True)
    returned_at = serializers.DateTimeField(allow_null=True)


class TrackingOutput(serializers.Serializer):
    """What anyone holding the tracking code may see: progress, no personal data."""

    tracking_code = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    slot_starts_at = serializers.DateTimeField(source="slot.starts_at", allow_null=True, default=None)
    slot_ends_at = serializers.DateTimeField(source="slot.ends_at", allow_null=True, default=None)
    attempts = serializers.IntegerField()
    picked_at = serializers.DateTimeField(allow_null=True)
    packed_at = serializers.DateTimeField(allow_null=True)
    dispatched_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class PickLineInput(serializers.Serializer):
    line_id = serializers.UUIDField()
    outcome = ChoiceField(choices=[c for c in PickOutcome.values if c != PickOutcome.PENDING])
    quantity_picked = serializers.IntegerField(
        min_value=0, max_value=MAX_PICK_QUANTITY, required=False, allow_null=True
    )
    quantity_replaced = serializers.IntegerField(
        min_value=0,
        max_value=MAX_PICK_QUANTITY,
        required=False,
        allow_null=True,
        help_text="Outcome replaced only: how much of the line's replacement went in its place, in the line's "
        "unit (packs, or grams for a line sold by weight); above 0, at most the shortfall (for grams, the "
        "shortfall times the weigh tolerance)",
    )


class PickInput(serializers.Serializer):
    lines = PickLineInput(many=True, allow_empty=False)


class AssignInput(serializers.Serializer):
    rider_id = serializers.UUIDField(required=False, allow_null=True)


class DeliverInput(serializers.Serializer):
    cash_collected_paise = serializers.IntegerField(
        min_value=0,
        required=False,
        allow_null=True,
        help_text="Cash on delivery: exactly the shipment's cod_amount_paise. Prepaid: 0 or none.",
    )


class FailInput(serializers.Serializer):
    reason = ChoiceField(choices=list(get_args(DeliveryFailure)))
