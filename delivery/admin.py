"""Staff screens: zones (with their templates), slots, bookings, riders and shipments.

Every write goes through a service, so the admin publishes the same events as the API.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from rest_framework.exceptions import APIException

from . import selectors, services
from .events import FeePolicy, FeeTier
from .models import Rider, Shipment, ShipmentLine, Slot, SlotBooking, SlotTemplate, Store, Zone


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _short(store_id: Any) -> str:
    return str(store_id)[:8]


class _StoreColumn(admin.ModelAdmin):
    """Lists a row's store by name ("CODE · Title", delivery's own projection), its short id until known."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).annotate(store_label=selectors.store_label())

    @admin.display(description="store", ordering="store_label")
    def store(self, obj: Any) -> str:
        return getattr(obj, "store_label", None) or _short(obj.store_id)


def _slot_label(slot: Slot | None) -> str:
    """A slot as staff read it: zone code, mode and window in local time (IST), e.g.
    "indiranagar standard Tue 07 Jan 07:00-09:00"."""
    if slot is None:
        return "-"
    starts, ends = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    return f"{slot.zone.code} {slot.mode} {starts:%a %d %b %H:%M}-{ends:%H:%M}"


@admin.register(Store)
class StoreAdmin(_ReadOnly):
    list_display = ["code", "title", "city", "pincode", "is_open", "updated_at"]
    search_fields = ["code", "title", "pincode"]


class ZoneForm(forms.ModelForm):
    pincodes_text = forms.CharField(
        label="Pincodes", widget=forms.Textarea(attrs={"rows": 2}), help_text="Separated by commas or spaces."
    )

    class Meta:
        model = Zone
        fields = [
            "code", "title", "store_id", "is_active", "min_order_value_paise", "fee_tiers",
            "small_cart_threshold_paise", "small_cart_fee_paise", "late_night_start", "late_night_end",
            "late_night_fee_paise", "express_fee_paise",
        ]  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["pincodes_text"].initial = ", ".join(self.instance.pincodes.values_list("pincode", flat=True))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            data["fee_policy"] = FeePolicy(
                min_order_value_paise=data["min_order_value_paise"],
                fee_tiers=tuple(FeeTier(**tier) for tier in data["fee_tiers"] or []),
                small_cart_threshold_paise=data["small_cart_threshold_paise"],
                small_cart_fee_paise=data["small_cart_fee_paise"],
                late_night_start=data["late_night_start"],
                late_night_end=data["late_night_end"],
                late_night_fee_paise=data["late_night_fee_paise"],
                express_fee_paise=data["express_fee_paise"],
            )
        except (TypeError, ValueError) as exc:  # pydantic's ValidationError is a ValueError
            raise ValidationError(
                {"fee_tiers": [f"Give a list of {{min_cart_value_paise, fee_paise}}: {exc}"]}
            ) from exc
        data["pincodes"] = data["pincodes_text"].replace(",", " ").split()
        try:
            services.validate_zone(
                code=data["code"], store_id=data["store_id"], pincodes=data["pincodes"], fee_policy=data["fee_policy"]
            )
        except ValidationError as exc:
            errors = exc.message_dict
            raise ValidationError({("pincodes_text" if k == "pincodes" else k): v for k, v in errors.items()}) from exc
        return data


class SlotTemplateForm(forms.ModelForm):
    capacity = forms.IntegerField(min_value=1, max_value=services.MAX_SLOT_CAPACITY)
    cutoff_minutes = forms.IntegerField(
        min_value=0,
        max_value=services.MAX_CUTOFF_MINUTES,
        initial=60,
        help_text="Bookings close this long before the start",
    )

    class Meta:
        model = SlotTemplate
        fields = ["mode", "start_time", "end_time", "capacity", "cutoff_minutes", "weekdays", "is_active"]


class SlotTemplateInline(admin.TabularInline):
    model = SlotTemplate
    form = SlotTemplateForm
    extra = 1


@admin.register(Zone)
class ZoneAdmin(_StoreColumn):
    form = ZoneForm
    list_display = ["code", "title", "store", "is_active", "min_order_value_paise"]
    inlines = [SlotTemplateInline]
    actions = ["generate_week_of_slots"]

    def save_model(self, request: HttpRequest, obj: Zone, form: Any, change: bool) -> None:
        data = form.cleaned_data
        zone = services.configure_zone(
            code=data["code"],
            title=data["title"],
            store_id=data["store_id"],
            pincodes=data["pincodes"],
            fee_policy=data["fee_policy"],
            is_active=data["is_active"],
        )
        form.instance = zone
        obj.pk = zone.pk

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        zone = form.instance
        # The admin's change message reads these; the service did the writing.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for row in formset.forms:
            data = row.cleaned_data
            if not data or data.get("DELETE"):
                continue
            services.set_slot_template(
                zone=zone,
                mode=data["mode"],
                start_time=data["start_time"],
                end_time=data["end_time"],
                capacity=data["capacity"],
                cutoff_minutes=data["cutoff_minutes"],
                weekdays=data["weekdays"],
                is_active=data["is_active"],
            )

    @admin.action(description="Generate a week of slots (all zones' templates)")
    def generate_week_of_slots(self, request: HttpRequest, queryset: QuerySet[Zone]) -> None:
        created = services.generate_slots(days=7)
        self.message_user(request, f"Created {created} slots.")


class SlotForm(forms.ModelForm):
    capacity = forms.IntegerField(min_value=0, max_value=services.MAX_SLOT_CAPACITY)

    class Meta:
        model = Slot
        fields = ["capacity"]

    def clean_capacity(self) -> int:
        capacity: int = self.cleaned_data["capacity"]
        if capacity < self.instance.booked:
            raise ValidationError(f"{self.instance.booked} orders are booked; capacity cannot go below that.")
        return capacity


@admin.register(Slot)
class SlotAdmin(admin.ModelAdmin):
    """Slots come from templates; staff change only a slot's capacity."""

    form = SlotForm
    list_display = ["zone", "mode", "date", "starts_at", "ends_at", "cutoff_at", "capacity", "booked"]
    list_filter = ["mode", "zone", "date"]
    date_hierarchy = "starts_at"
    readonly_fields = ["zone", "mode", "date", "starts_at", "ends_at", "cutoff_at", "booked"]

    def save_model(self, request: HttpRequest, obj: Slot, form: Any, change: bool) -> None:
        services.set_slot_capacity(slot_id=obj.pk, capacity=form.cleaned_data["capacity"])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SlotBooking)
class SlotBookingAdmin(_ReadOnly):
    list_display = ["order_id", "slot_window", "pincode", "status", "booked_at", "released_at"]
    list_filter = ["status"]
    list_select_related = ["slot__zone"]
    search_fields = ["order_id"]
    actions = ["release"]

    @admin.action(description="Release the slot (restores its capacity)")
    def release(self, request: HttpRequest, queryset: QuerySet[SlotBooking]) -> None:
        for booking in queryset:
            services.release_slot(order_id=booking.order_id)
        self.message_user(request, f"Released {queryset.count()} bookings.")

    @admin.display(description="slot (IST)", ordering="slot__starts_at")
    def slot_window(self, booking: SlotBooking) -> str:
        return _slot_label(booking.slot)


@admin.register(Rider)
class RiderAdmin(_StoreColumn):
    list_display = ["name", "phone", "store", "is_active", "is_available"]
    list_filter = ["is_active", "is_available"]
    search_fields = ["name", "phone", "user_id"]
    fields = ["user_id", "store_id", "name", "phone", "is_available"]

    def save_model(self, request: HttpRequest, obj: Rider, form: Any, change: bool) -> None:
        data = form.cleaned_data
        rider = services.create_rider(
            user_id=data["user_id"], store_id=data["store_id"], name=data["name"], phone=data["phone"]
        )
        services.set_rider_availability(rider_id=rider.pk, is_available=data["is_available"])
        obj.pk = rider.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ShipmentLineInline(admin.TabularInline):
    model = ShipmentLine
    extra = 0
    can_delete = False
    readonly_fields = ["sku_id", "title", "quantity", "sold_by_weight", "outcome", "quantity_picked"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _step(description: str, service: Callable[..., Any], done: str) -> Any:
    """An admin action running one service per shipment; refusals become error messages, and what
    was done one success message (`done`: "Packed" -> "Packed 2 shipments: DL..., DL...")."""

    @admin.action(description=description)
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        moved = []
        for shipment in queryset:
            try:
                service(shipment_id=shipment.pk)
            except (APIException, ValidationError) as exc:
                text = exc.detail if isinstance(exc, APIException) else "; ".join(exc.messages)
                modeladmin.message_user(request, f"{shipment.tracking_code}: {text}", messages.ERROR)
            else:
                moved.append(shipment.tracking_code)
        if moved:
            plural = "" if len(moved) == 1 else "s"
            modeladmin.message_user(
                request, f"{done} {len(moved)} shipment{plural}: {', '.join(moved)}.", messages.SUCCESS
            )

    action.__name__ = service.__name__
    return action


@admin.register(Shipment)
class ShipmentAdmin(_StoreColumn, _ReadOnly):
    list_display = [
        "tracking_code",
        "status",
        "store",
        "rider",
        "slot_window",
        "payment_method",
        "attempts",
        "created_at",
    ]
    list_filter = ["status", "payment_method"]
    list_select_related = ["rider", "slot__zone"]
    search_fields = ["tracking_code", "order_id"]
    inlines = [ShipmentLineInline]
    actions = [
        _step("Pack", services.pack_shipment, "Packed"),
        _step("Assign the least-loaded rider", services.assign_rider, "Assigned a rider to"),
        _step("Send out for delivery", services.dispatch_shipment, "Sent out for delivery"),
        _step("Return to store (after a failure)", services.return_shipment, "Returned to the store"),
    ]

    @admin.display(description="slot (IST)", ordering="slot__starts_at")
    def slot_window(self, shipment: Shipment) -> str:
        return _slot_label(shipment.slot)
