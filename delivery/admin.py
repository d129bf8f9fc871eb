"""Staff screens: zones (with their templates), slots, bookings, riders and shipments.

Every write goes through a service, so the admin publishes the same events as the API.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any, get_args

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from rest_framework.exceptions import APIException

from shop.adminkit import OperatedAdmin, ReadOnlyAdmin, RupeesField, RupeesInForms, widen_search
from shop.money import format_inr, rupees_text

from . import selectors, services
from .errors import IllegalTransition
from .events import DeliveryFailure, FeePolicy, FeeTier
from .models import Rider, Shipment, ShipmentLine, Slot, SlotBooking, SlotTemplate, Store, Zone
from .models.shipments import ACTIVE_STATES, PaymentMethod, PickOutcome, ShipmentStatus


def _short(store_id: Any) -> str:
    return str(store_id)[:8]


#: A failed attempt's reason as staff read it; the services and the events keep the code.
FAILURE_WORDS: dict[str, str] = {
    "customer_unavailable": "Customer not available",
    "address_not_found": "Address not found",
    "refused": "Customer refused the order",
    "other": "Other reason",
}


def _failure_words(code: str) -> str:
    return FAILURE_WORDS.get(code, code.replace("_", " ").capitalize())


def _admin_link(name: str, object_id: Any, label: str, query: str = "") -> str:
    """A link to another app's staff screen by URL name (no import of that app); the bare label
    where that app is not installed (an extracted service)."""
    try:
        url = reverse(name, args=[object_id] if object_id is not None else [])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}{}">{}</a>', url, query, label)


def _local(moment: datetime | None) -> str:
    return f"{timezone.localtime(moment):%a %d %b %H:%M}" if moment is not None else "-"


class _StoreFilter(admin.SimpleListFilter):
    """Rows of one store, the stores named from delivery's projection (one query)."""

    title = "store"
    parameter_name = "store"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return selectors.store_choices()

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        return queryset.filter(store_id=value) if _is_uuid(value) else queryset.none()


class _StoreColumn(OperatedAdmin):
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
class StoreAdmin(ReadOnlyAdmin):
    list_display = ["code", "title", "city", "pincode", "is_open", "updated_at"]
    search_fields = ["code", "title", "pincode"]


class FeeTiersField(forms.Field):
    """A zone's delivery fee tiers as staff write them, one per line in rupees:
    "0: 49" then "499: 0" (carts from ₹499 deliver free); cleaned to the tiers in paise."""

    widget = forms.Textarea(attrs={"rows": 3, "cols": 24})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):  # the zone's tiers, in paise
            return "\n".join(
                f"{rupees_text(tier['min_cart_value_paise'])}: {rupees_text(tier['fee_paise'])}" for tier in value
            )
        return value

    def to_python(self, value: Any) -> list[dict[str, int]]:
        amount = RupeesField()
        tiers = []
        for number, line in enumerate(str(value or "").splitlines(), start=1):
            if not line.strip():
                continue
            cart, colon, fee = line.partition(":")
            try:
                if not colon:
                    raise ValidationError("")
                # Required, so never None: `or 0` only tells the type checker so.
                tiers.append({"min_cart_value_paise": amount.clean(cart) or 0, "fee_paise": amount.clean(fee) or 0})
            except ValidationError as exc:
                problem = " ".join(message for message in exc.messages if message)
                raise ValidationError(
                    f"Line {number} ({line.strip()!r}): {problem + ' ' if problem else ''}Write the cart value the "
                    "tier starts at, a colon and its fee, in rupees, e.g. 499: 0."
                ) from None
        return tiers

    def has_changed(self, initial: Any, data: Any) -> bool:
        try:
            return self.to_python(data) != (initial or [])
        except ValidationError:
            return True


class ZoneForm(forms.ModelForm):
    pincodes_text = forms.CharField(
        label="Pincodes", widget=forms.Textarea(attrs={"rows": 2}), help_text="Separated by commas or spaces."
    )
    fee_tiers = FeeTiersField(
        label="Delivery fee tiers",
        help_text="One per line, in rupees: the cart value a tier starts at, then its fee. The first starts at 0; "
        "e.g. 0: 49 and 499: 0 (carts from ₹499 deliver free).",
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
            raise ValidationError({"fee_tiers": [f"These fees cannot be used: {exc}"]}) from exc
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
class ZoneAdmin(RupeesInForms, _StoreColumn):
    form = ZoneForm
    list_display = ["code", "title", "store", "is_active", "min_order_value"]
    inlines = [SlotTemplateInline]
    actions = ["generate_week_of_slots"]

    @admin.display(description="minimum order", ordering="min_order_value_paise")
    def min_order_value(self, zone: Zone) -> str:
        return format_inr(zone.min_order_value_paise)

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
            if not data:
                continue
            if data.get("DELETE"):
                # "Delete?" deactivates: the template's slots may be booked already, and a template
                # is never deleted (a new row ticked for deletion is simply not created).
                template = row.instance
                if not template._state.adding:
                    label = f"{template.mode} {template.start_time:%H:%M}-{template.end_time:%H:%M}"
                    if services.deactivate_slot_template(template_id=template.pk):
                        self.message_user(
                            request,
                            f"Slot template {label} deactivated, not deleted: no new slots come from it; "
                            "the slots it already made stay, with their bookings.",
                            messages.SUCCESS,
                        )
                    else:
                        self.message_user(request, f"Slot template {label} was already inactive.", messages.INFO)
                continue
            moved = {"mode", "start_time"} & set(row.changed_data)
            if not row.instance._state.adding and moved:
                # A template is known by its mode and start time: the edited row is another
                # template, so the old one stops making slots (those it made stay, booked or not).
                before = f"{row.initial['mode']} {row.initial['start_time']:%H:%M}"
                services.deactivate_slot_template(template_id=row.instance.pk)
                self.message_user(
                    request,
                    f"Slot template {before} replaced by {data['mode']} {data['start_time']:%H:%M}: the old one is "
                    "deactivated (its slots stay, with their bookings).",
                    messages.INFO,
                )
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

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The cart and others project zones from ZoneConfigured; a deleted row would publish nothing.
        # Deactivate a zone (untick "active") instead.
        return False

    @admin.action(description="Generate a week of slots (all zones' templates)", permissions=["operate"])
    def generate_week_of_slots(self, request: HttpRequest, queryset: QuerySet[Zone]) -> None:
        created = services.generate_slots(days=7)
        for zone in queryset:  # every zone's templates ran; the history is kept on those selected
            self.log_change(request, zone, f"Generated a week of slots for all zones ({created} new)")
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
class SlotBookingAdmin(ReadOnlyAdmin):
    """Read only. A booking is released by its order's cancellation (OrderCancelled, through the bus):
    releasing one here gave a live order's place away (an overbooked slot), and delivery cannot know
    an order's state to tell a dead order from a live one."""

    list_display = ["order_id", "slot_window", "pincode", "status", "booked_at", "released_at"]
    list_filter = ["status"]
    list_select_related = ["slot__zone"]
    search_fields = ["order_id"]

    @admin.display(description="slot (IST)", ordering="slot__starts_at")
    def slot_window(self, booking: SlotBooking) -> str:
        return _slot_label(booking.slot)


class RiderForm(forms.ModelForm):
    """A rider's profile; the services judge it (a real user, a known store, nobody stranded)."""

    store_id = forms.TypedChoiceField(label="Store", coerce=lambda value: uuid.UUID(str(value)))

    class Meta:
        model = Rider
        fields = ["user_id", "store_id", "name", "phone", "is_active", "is_available"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        stores = [(str(store.store_id), f"{store.code} · {store.title}") for store in Store.objects.order_by("code")]
        store_field = self.fields["store_id"]
        assert isinstance(store_field, forms.ChoiceField)
        store_field.choices = [("", "---------"), *stores]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        adding = self.instance._state.adding  # the pk is drawn before the row exists
        try:
            services.validate_rider(
                store_id=data["store_id"],
                name=data["name"],
                # The user is chosen once, when the rider is created; after that it is read only.
                user_id=data["user_id"] if adding else None,
                rider_id=None if adding else self.instance.pk,
                is_active=data["is_active"],
            )
        except ValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        return data


@admin.register(Rider)
class RiderAdmin(_StoreColumn):
    """Adding makes an existing user a rider (create_rider); changing edits that rider (update_rider),
    never another one: the user is read only once the rider exists."""

    form = RiderForm
    list_display = ["name", "phone", "store", "is_active", "is_available"]
    list_filter = [_StoreFilter, "is_active", "is_available"]
    search_fields = ["name", "phone", "user_id"]
    fields = ["user_id", "store_id", "name", "phone", "is_active", "is_available"]

    def get_readonly_fields(self, request: HttpRequest, obj: Rider | None = None) -> list[str]:
        return ["user_id"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Rider, form: Any, change: bool) -> None:
        data = form.cleaned_data
        if change:
            rider = services.update_rider(
                rider_id=obj.pk,
                store_id=data["store_id"],
                name=data["name"],
                phone=data["phone"],
                is_active=data["is_active"],
                is_available=data["is_available"],
            )
        else:
            rider = services.create_rider(
                user_id=data["user_id"], store_id=data["store_id"], name=data["name"], phone=data["phone"]
            )
            rider = services.update_rider(
                rider_id=rider.pk,
                store_id=rider.store_id,
                name=rider.name,
                phone=rider.phone,
                is_active=data["is_active"],
                is_available=data["is_available"],
            )
        form.instance = rider
        obj.pk = rider.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _amount(line: ShipmentLine, quantity: int | None) -> str:
    """A quantity of a line as staff read it: grams for a line sold by weight ("1,000 g"), else
    packs ("x 2"); "-" when there is none (not picked yet)."""
    if quantity is None:
        return "-"
    return f"{quantity:,} g" if line.sold_by_weight else f"x {quantity}"


class ShipmentLineInline(admin.TabularInline):
    """The pick list, read only: each line's item, what was ordered and what picking found, in grams
    for a line sold by weight and in packs otherwise (the row has no "title x quantity" header)."""

    model = ShipmentLine
    template = "admin/delivery/shipment/lines_inline.html"
    extra = 0
    can_delete = False
    fields = ("title", "sku_id", "ordered", "sold_by", "outcome", "picked", "replacement", "put_in_its_place")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="ordered")
    def ordered(self, line: ShipmentLine) -> str:
        return _amount(line, line.quantity)

    @admin.display(description="sold by")
    def sold_by(self, line: ShipmentLine) -> str:
        return "weight (priced per kg)" if line.sold_by_weight else "pack (priced per pack)"

    @admin.display(description="picked")
    def picked(self, line: ShipmentLine) -> str:
        return _amount(line, line.quantity_picked)

    @admin.display(description="if short")
    def replacement(self, line: ShipmentLine) -> str:
        if line.replacement_sku_id is None:
            return "refund (no replacement offered)"
        return f"{line.replacement_title} ({_short(line.replacement_sku_id)})"

    @admin.display(description="put in its place")
    def put_in_its_place(self, line: ShipmentLine) -> str:
        if line.quantity_replaced is None:
            return "-"
        return f"{_amount(line, line.quantity_replaced)} of {line.replacement_title}"


def _refusal(exc: APIException | ValidationError) -> str:
    """What a service's refusal says, as one line for staff."""
    if isinstance(exc, APIException):
        return str(exc.detail)
    return "; ".join(exc.messages)


def _unit(line: ShipmentLine) -> str:
    return "g" if line.sold_by_weight else "pcs"


class PickForm(forms.Form):
    """One outcome and quantity per line of the shipment, and for a line with a replacement offer
    how much of it went in; the rules (bounds, weigh tolerance) are record_pick's, so this form only
    reads numbers and hands them over."""

    OUTCOMES = [(c.value, c.label) for c in PickOutcome if c not in (PickOutcome.PENDING, PickOutcome.REPLACED)]
    #: Only a line with a replacement offer may be replaced.
    OUTCOMES_WITH_OFFER = [*OUTCOMES, (PickOutcome.REPLACED.value, PickOutcome.REPLACED.label)]

    def __init__(self, *args: Any, lines: list[ShipmentLine], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            offered = line.replacement_sku_id is not None
            self.fields[f"outcome-{line.pk}"] = forms.ChoiceField(
                label=f"{line.title}: outcome",
                choices=self.OUTCOMES_WITH_OFFER if offered else self.OUTCOMES,
                initial=PickOutcome.FOUND,
            )
            self.fields[f"quantity-{line.pk}"] = forms.IntegerField(
                label=f"{line.title}: quantity picked",
                required=False,
                min_value=0,
                max_value=services.MAX_PICK_QUANTITY,
                help_text=f"In {_unit(line)}; empty for found (all of it)"
                + ("; replaced: how much of the item itself was found, 0 or more." if offered else "."),
            )
            if offered:
                self.fields[f"replaced-{line.pk}"] = forms.IntegerField(
                    label=f"{line.title}: {line.replacement_title} put in its place",
                    required=False,
                    min_value=0,
                    max_value=services.MAX_PICK_QUANTITY,
                    help_text=f"In {_unit(line)}; replaced only: how much of {line.replacement_title} went in for "
                    "what was short.",
                )

    def rows(self) -> Iterator[dict[str, Any]]:
        """The lines as the template lays them out: one table row each (the first field in error
        takes the focus, so a keyboard or screen reader user lands on what to correct)."""
        self._focus_first_error()
        for line in self.lines:
            replaced = self[f"replaced-{line.pk}"] if f"replaced-{line.pk}" in self.fields else None
            yield {
                "line": line,
                "ordered": f"{line.quantity} {_unit(line)}",
                "outcome": self[f"outcome-{line.pk}"],
                "quantity": self[f"quantity-{line.pk}"],
                "replaced": replaced,
            }

    def first_error_is_the_forms(self) -> bool:
        """Only the form as a whole is in error (record_pick refused): the page focuses its message."""
        return bool(self.errors) and not any(name in self.fields for name in self.errors)

    def _focus_first_error(self) -> None:
        for name in self.fields:  # in row order
            if name in self.errors:
                self.fields[name].widget.attrs["autofocus"] = True
                return

    def picks(self) -> list[services.PickInput]:
        data = self.cleaned_data
        return [
            services.PickInput(
                line_id=line.pk,
                outcome=data[f"outcome-{line.pk}"],
                quantity_picked=data[f"quantity-{line.pk}"],
                quantity_replaced=data.get(f"replaced-{line.pk}"),
            )
            for line in self.lines
        ]

    def summary(self) -> str:
        """ "2 found, 1 replaced (Curd 400 g: 1 pcs found, 2 pcs of Curd 200 g in its place)" for the
        shipment's history."""
        picks = self.picks()
        outcomes = [str(pick.outcome) for pick in picks]
        counted = [(outcomes.count(outcome), outcome) for outcome in PickOutcome.values]
        text = ", ".join(f"{n} {outcome}" for n, outcome in counted if n) or "nothing to pick"
        lines = {line.pk: line for line in self.lines}
        replaced = [
            f"{line.title}: {pick.quantity_picked or 0} {_unit(line)} found, {pick.quantity_replaced} {_unit(line)} "
            f"of {line.replacement_title} in its place"
            for pick in picks
            if pick.outcome == PickOutcome.REPLACED
            for line in [lines[pick.line_id]]
        ]
        return f"{text} ({'; '.join(replaced)})" if replaced else text


class DeliverForm(forms.Form):
    """Handed over at the door; cash on delivery says the cash collected (in rupees)."""

    cash = RupeesField(label="Cash collected (₹)", help_text="In rupees, e.g. 412.50: exactly the amount due.")

    def __init__(self, *args: Any, shipment: Shipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if shipment.payment_method != PaymentMethod.COD:
            del self.fields["cash"]

    def cash_collected_paise(self) -> int | None:
        return self.cleaned_data.get("cash")


class FailForm(forms.Form):
    REASONS = [(reason, _failure_words(reason)) for reason in get_args(DeliveryFailure)]

    reason = forms.ChoiceField(choices=REASONS)


class AssignForm(forms.Form):
    """A rider of the shipment's store (active ones only), with what each carries now."""

    rider = forms.TypedChoiceField(label="Rider", coerce=lambda value: uuid.UUID(str(value)))

    def __init__(self, *args: Any, shipment: Shipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        riders = (
            Rider.objects.filter(store_id=shipment.store_id, is_active=True)
            .annotate(load=Count("shipments", filter=Q(shipments__status__in=ACTIVE_STATES)))
            .order_by("name", "pk")
        )
        field = self.fields["rider"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (str(r.pk), f"{r.name} ({'on shift' if r.is_available else 'off shift'}, carries {r.load})") for r in riders
        ]
        if shipment.rider_id is not None:
            field.initial = str(shipment.rider_id)


class _SlotDateFilter(admin.SimpleListFilter):
    """Shipments by their slot's day in India (the slot's local date, as its start reads in IST):
    yesterday, today, tomorrow and the days after by name, the coming week, or any day as
    ?slot_date=2030-01-07. No query (a date hierarchy would scan every shipment on each page)."""

    title = "slot day (IST)"
    parameter_name = "slot_date"
    _DAYS = {"yesterday": -1, "today": 0, "tomorrow": 1}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        today = timezone.localdate()
        later = [today + timedelta(days=n) for n in range(2, 7)]
        return [
            ("yesterday", "Yesterday"),
            ("today", "Today"),
            ("tomorrow", "Tomorrow"),
            *[(day.isoformat(), f"{day:%a %d %b}") for day in later],
            ("next_7_days", "Today and the next 6 days"),
            ("none", "No slot"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        today = timezone.localdate()
        if not value:
            return queryset
        if value in self._DAYS:
            return queryset.filter(slot__date=today + timedelta(days=self._DAYS[value]))
        if value == "next_7_days":
            return queryset.filter(slot__date__range=(today, today + timedelta(days=6)))
        if value == "none":
            return queryset.filter(slot=None)
        try:
            return queryset.filter(slot__date=date.fromisoformat(value))
        except ValueError:
            return queryset.none()


class _RiderFilter(admin.SimpleListFilter):
    """Shipments of one rider (of the chosen store's riders once a store is chosen), or of none yet."""

    title = "rider"
    parameter_name = "rider"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        store = request.GET.get(_StoreFilter.parameter_name, "")
        riders = selectors.rider_choices(store_id=uuid.UUID(store) if _is_uuid(store) else None)
        return [("none", "No rider yet"), *riders]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        if value == "none":
            return queryset.filter(rider=None)
        return queryset.filter(rider_id=value) if _is_uuid(value) else queryset.none()


#: Once a shipment is delivered, returned or cancelled there is no cash left to collect at the door.
_CASH_SETTLED = {
    ShipmentStatus.DELIVERED: "- (delivered: see cash collected)",
    ShipmentStatus.RETURNED: "- (returned to the store: nothing to collect)",
    ShipmentStatus.CANCELLED: "- (cancelled: nothing to collect)",
}


#: The history entries of the steps with nothing to enter, the same from the list and the page.
_PACKED, _SENT_OUT, _RETURNED = "Packed", "Sent out", "Returned to the store"


def _step(description: str, service: Callable[..., Any], done: str, history: Callable[[Shipment], str]) -> Any:
    """An admin action running one service per shipment; refusals become error messages, and what
    was done one success message (`done`: "Packed" -> "Packed 2 shipments: DL..., DL...") and an
    entry in each shipment's history (`history`: its words, from the shipment the service returns)."""

    @admin.action(description=description, permissions=["operate"])
    def action(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        moved = []
        for shipment in queryset:
            try:
                moved_shipment = service(shipment_id=shipment.pk)
            except (APIException, ValidationError) as exc:
                modeladmin.message_user(request, f"{shipment.tracking_code}: {_refusal(exc)}", messages.ERROR)
            else:
                moved.append(shipment.tracking_code)
                modeladmin.log_change(request, moved_shipment, history(moved_shipment))
        if moved:
            plural = "" if len(moved) == 1 else "s"
            modeladmin.message_user(
                request, f"{done} {len(moved)} shipment{plural}: {', '.join(moved)}.", messages.SUCCESS
            )

    action.__name__ = service.__name__
    return action


@admin.register(Shipment)
class ShipmentAdmin(_StoreColumn, ReadOnlyAdmin):
    list_display = [
        "tracking_code",
        "order",
        "status",
        "store",
        "rider",
        "slot_window",
        "payment_method",
        "cash_to_collect",
        "attempts",
        "created_at",
    ]
    # Shown as staff read them, in place of the columns (see get_fields): the order with links to its
    # page and its payment, money in rupees, the failure in words and every attempt after the count.
    readonly_fields = ["order_links", "cash_to_collect", "cash_collected", "last_failure", "attempt_history"]
    _SHOWN_AS = {
        "order_id": ("order_links",),
        "cod_amount_paise": ("cash_to_collect",),
        "cash_collected_paise": ("cash_collected",),
        "failure_reason": ("last_failure",),
        "attempts": ("attempts", "attempt_history"),
    }
    list_filter = ["status", _StoreFilter, _SlotDateFilter, _RiderFilter, "payment_method"]
    list_select_related = ["rider", "slot__zone"]
    search_fields = ["tracking_code", "order_id", "recipient_name", "recipient_phone", "rider__name"]
    search_help_text = (
        "Tracking code, the order's short id (8 characters, as in the list) or id, the recipient's name or "
        "phone, the customer's email, name or phone, or the rider's name."
    )
    inlines = [ShipmentLineInline]
    actions = [
        _step("Pack", services.pack_shipment, "Packed", lambda _: _PACKED),
        _step(
            "Assign the least-loaded rider",
            services.assign_rider,
            "Assigned a rider to",
            lambda shipment: f"Assigned the least-loaded rider, {_rider_name(shipment.rider_id)}",
        ),
        _step("Send out for delivery", services.dispatch_shipment, "Sent out for delivery", lambda _: _SENT_OUT),
        _step(
            "Return to store (after a failure)",
            services.return_shipment,
            "Returned to the store",
            lambda _: _RETURNED,
        ),
    ]

    @admin.display(description="slot (IST)", ordering="slot__starts_at")
    def slot_window(self, shipment: Shipment) -> str:
        return _slot_label(shipment.slot)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Shipment], search_term: str
    ) -> tuple[QuerySet[Shipment], bool]:
        """Also the order's short id as the list shows it, and the customer's account by email, name
        or phone (the accounts kernel's users), besides the recipient the shipment holds."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        found = widen_search(found, queryset, search_term, short_id_field="order_id", customer_field="customer_id")
        return found, may_have_duplicates

    def get_fields(self, request: HttpRequest, obj: Shipment | None = None) -> Any:
        fields: list[Any] = []
        for name in super().get_fields(request, obj):
            for field in self._SHOWN_AS.get(name, (name,)) if isinstance(name, str) else (name,):
                if field not in fields:  # each stands where its column was, once
                    fields.append(field)
        return fields

    @admin.display(description="order", ordering="order_id")
    def order(self, shipment: Shipment) -> str:
        """The order's short id as staff read it (the orders list shows the same 8 characters)."""
        return str(shipment.order_id)[:8].upper()

    @admin.display(description="order")
    def order_links(self, shipment: Shipment) -> str:
        """The order's page and its payment in the payments screens (found by the order's id)."""
        order = _admin_link("admin:orders_order_change", shipment.order_id, f"Order {self.order(shipment)}")
        payment = _admin_link(
            "admin:payments_paymentintent_changelist", None, "its payment", query=f"?q={shipment.order_id}"
        )
        return format_html("{} · {} · {}", order, payment, str(shipment.order_id))

    @admin.display(description="failure reason")
    def last_failure(self, shipment: Shipment) -> str:
        if not shipment.failure_reason:
            return "- (see the attempts for earlier ones)" if shipment.attempts > 1 else "-"
        return _failure_words(shipment.failure_reason)

    @admin.display(description="attempts, one by one")
    def attempt_history(self, shipment: Shipment) -> str:
        """Every trip to the door with its rider and how it ended, the reasons in words: the shipment
        keeps only the last failure's reason, and sending it out again clears that."""
        attempts = selectors.delivery_attempts(shipment=shipment)
        if not attempts:
            return "- (not sent out yet)"
        outcomes = {
            "out": lambda a: "On the road",
            "delivered": lambda a: f"Delivered {_local(a.ended_at)}",
            "failed": lambda a: f"Failed {_local(a.ended_at)}: {_failure_words(a.reason)}",
            "unknown": lambda a: "No record left (older than the event log keeps)",
        }
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((a.number, _local(a.dispatched_at), a.rider_name or "-", outcomes[a.outcome](a)) for a in attempts),
        )
        return format_html(
            '<table class="attempts"><thead><tr><th scope="col">Attempt</th><th scope="col">Sent out (IST)</th>'
            '<th scope="col">Rider</th><th scope="col">How it ended</th></tr></thead><tbody>{}</tbody></table>',
            rows,
        )

    @admin.display(description="cash to collect", ordering="cod_amount_paise")
    def cash_to_collect(self, shipment: Shipment) -> str:
        if shipment.payment_method != PaymentMethod.COD:
            return "- (prepaid)"
        if shipment.status in _CASH_SETTLED:
            return _CASH_SETTLED[ShipmentStatus(shipment.status)]
        if shipment.order_cancelled:
            return "- (order cancelled: bring it back, collect nothing)"
        if shipment.cash_total_pending:
            return f"{format_inr(shipment.cod_amount_paise)} (new total after picking pending)"
        return format_inr(shipment.cod_amount_paise)

    @admin.display(description="cash collected", ordering="cash_collected_paise")
    def cash_collected(self, shipment: Shipment) -> str:
        if shipment.payment_method != PaymentMethod.COD:
            return "- (prepaid)"
        return format_inr(shipment.cash_collected_paise) if shipment.delivered_at else "-"

    # Steps with something to enter (the pick, the door) get their own page, linked from the change page.

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        shipment = Shipment.objects.filter(pk=object_id).first() if _is_uuid(object_id) else None
        steps = self._door_steps(request, shipment) if shipment is not None else []
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), "shipment_steps": steps})

    def _door_steps(self, request: HttpRequest, shipment: Shipment) -> list[tuple[str, str]]:
        """(label, url) of the steps staff can take from here: the pick while pending, packing once
        picked, a rider until the shipment leaves the store, sending it out (again) once packed or after
        a failure with a rider, the door while out, and after a failure the return. A shipment whose
        order was cancelled on the road is only brought back: it is not handed over or sent out again."""
        if not request.user.has_perm("delivery.change_shipment"):
            return []
        status, names = shipment.status, []
        if status == ShipmentStatus.PENDING:
            names.append(("Record the pick", "pick"))
        if status == ShipmentStatus.PICKED:
            names.append(("Pack", "pack"))
        if status in services.ASSIGNABLE_STATES:
            names.append(("Assign a rider", "assign"))
        if (
            status in (ShipmentStatus.PACKED, ShipmentStatus.FAILED)
            and shipment.rider_id
            and not shipment.order_cancelled
        ):
            names.append(("Send out again" if status == ShipmentStatus.FAILED else "Send out for delivery", "dispatch"))
        if status == ShipmentStatus.OUT_FOR_DELIVERY:
            if not shipment.order_cancelled:
                names.append(("Delivered", "deliver"))
            names.append(("Delivery failed", "fail"))
        if status == ShipmentStatus.FAILED:
            names.append(("Return to the store", "return"))
        return [(label, reverse(f"admin:delivery_shipment_{name}", args=[shipment.pk])) for label, name in names]

    def get_urls(self) -> list[URLPattern]:
        site = self.admin_site
        return [
            path("<uuid:pk>/pick/", site.admin_view(self.pick_view), name="delivery_shipment_pick"),
            path("<uuid:pk>/deliver/", site.admin_view(self.deliver_view), name="delivery_shipment_deliver"),
            path("<uuid:pk>/fail/", site.admin_view(self.fail_view), name="delivery_shipment_fail"),
            path("<uuid:pk>/assign/", site.admin_view(self.assign_view), name="delivery_shipment_assign"),
            path("<uuid:pk>/pack/", site.admin_view(self.pack_view), name="delivery_shipment_pack"),
            path("<uuid:pk>/dispatch/", site.admin_view(self.dispatch_view), name="delivery_shipment_dispatch"),
            path("<uuid:pk>/return/", site.admin_view(self.return_view), name="delivery_shipment_return"),
            *super().get_urls(),
        ]

    def _change_page(self, shipment: Shipment) -> HttpResponseRedirect:
        return HttpResponseRedirect(reverse("admin:delivery_shipment_change", args=[shipment.pk]))

    def _step_view(
        self,
        request: HttpRequest,
        pk: uuid.UUID,
        *,
        statuses: tuple[ShipmentStatus, ...],
        make_form: Callable[[Shipment, Any], forms.Form],
        run: Callable[[Shipment, Any], Any],
        done: str,
        history: Callable[[Any], str],
        title: str,
        template: str,
        explain: Callable[[Shipment], str] | None = None,
    ) -> HttpResponse:
        """One page of a step: the form on GET; on POST one service call (its own transaction, its events).
        A refusal of the state machine (a double submit, someone else moved it) goes back to the change page
        as a message; any other refusal is a form error."""
        shipment = get_object_or_404(Shipment, pk=pk)
        if not request.user.has_perm("delivery.change_shipment"):
            return HttpResponse(status=403)
        if request.method != "POST" and shipment.status not in statuses:
            messages.error(
                request, f"{shipment.tracking_code} is {shipment.get_status_display().lower()}: nothing to record."
            )
            return self._change_page(shipment)
        form = make_form(shipment, request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                run(shipment, form)
            except IllegalTransition as exc:
                messages.error(request, _refusal(exc))
                return self._change_page(shipment)
            except (APIException, ValidationError) as exc:
                form.add_error(None, _refusal(exc))
            else:
                self.log_change(request, shipment, history(form))
                messages.success(request, f"{shipment.tracking_code}: {done}.")
                return self._change_page(shipment)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{title}: {shipment.tracking_code}",
            "submit": title,
            "shipment": shipment,
            "cash_due": format_inr(shipment.cod_amount_paise) if shipment.payment_method == PaymentMethod.COD else None,
            "form": form,
            "opts": self.model._meta,
            "original": shipment,
            "explanation": explain(shipment) if explain is not None else "",
        }
        return TemplateResponse(request, template, context)

    def pick_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._step_view(
            request,
            pk,
            statuses=(ShipmentStatus.PENDING,),
            make_form=lambda shipment, data: PickForm(data, lines=list(shipment.lines.all())),
            run=lambda shipment, form: services.record_pick(shipment_id=shipment.pk, picks=form.picks()),
            done="pick recorded",
            history=lambda form: f"Recorded the pick: {form.summary()}",
            title="Record the pick",
            template="admin/delivery/shipment/pick.html",
        )

    def deliver_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._step_view(
            request,
            pk,
            statuses=(ShipmentStatus.OUT_FOR_DELIVERY,),
            make_form=lambda shipment, data: DeliverForm(data, shipment=shipment),
            run=lambda shipment, form: services.deliver_shipment(
                shipment_id=shipment.pk, cash_collected_paise=form.cash_collected_paise()
            ),
            done="delivered",
            history=lambda form: (
                "Delivered"
                + (
                    ""
                    if form.cash_collected_paise() is None
                    else f", {format_inr(form.cash_collected_paise())} collected"
                )
            ),
            title="Delivered",
            template="admin/delivery/shipment/door.html",
        )

    def fail_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._step_view(
            request,
            pk,
            statuses=(ShipmentStatus.OUT_FOR_DELIVERY,),
            make_form=lambda shipment, data: FailForm(data),
            run=lambda shipment, form: services.fail_delivery(
                shipment_id=shipment.pk, reason=form.cleaned_data["reason"]
            ),
            done="delivery failed, recorded",
            history=lambda form: f"Recorded a failed delivery: {_failure_words(form.cleaned_data['reason']).lower()}",
            title="Delivery failed",
            template="admin/delivery/shipment/door.html",
        )

    def assign_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._step_view(
            request,
            pk,
            statuses=tuple(services.ASSIGNABLE_STATES),
            make_form=lambda shipment, data: AssignForm(data, shipment=shipment),
            run=lambda shipment, form: services.assign_rider(
                shipment_id=shipment.pk, rider_id=form.cleaned_data["rider"]
            ),
            done="rider assigned",
            history=lambda form: f"Assigned the rider {_rider_name(form.cleaned_data['rider'])}",
            title="Assign a rider",
            template="admin/delivery/shipment/assign.html",
        )

    # Steps with nothing to enter (the list's actions, for one shipment): a page that says what will
    # happen and asks to confirm, since a link must not change anything by itself.

    def pack_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._confirm_view(
            request,
            pk,
            status=ShipmentStatus.PICKED,
            run=services.pack_shipment,
            done="packed",
            history=_PACKED,
            title="Pack",
            explain=lambda shipment: "The picked items are bagged and sealed; then a rider can take it out.",
        )

    def dispatch_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._confirm_view(
            request,
            pk,
            status=(ShipmentStatus.PACKED, ShipmentStatus.FAILED),
            run=services.dispatch_shipment,
            done="sent out for delivery",
            history=_SENT_OUT,
            title="Send out for delivery",
            explain=_dispatch_explanation,
        )

    def return_view(self, request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
        return self._confirm_view(
            request,
            pk,
            status=ShipmentStatus.FAILED,
            run=services.return_shipment,
            done="returned to the store",
            history=_RETURNED,
            title="Return to the store",
            explain=lambda shipment: (
                "No more attempts: the shipment goes back to the store with what was "
                "picked, and its order is cancelled in turn (the customer gets their money back)."
            ),
        )

    def _confirm_view(
        self,
        request: HttpRequest,
        pk: uuid.UUID,
        *,
        status: ShipmentStatus | tuple[ShipmentStatus, ...],
        run: Callable[..., Any],
        done: str,
        history: str,
        title: str,
        explain: Callable[[Shipment], str],
    ) -> HttpResponse:
        """The same service, history entry and refusals as the list's action, for this one shipment."""
        return self._step_view(
            request,
            pk,
            statuses=status if isinstance(status, tuple) else (status,),
            make_form=lambda shipment, data: forms.Form(data),
            run=lambda shipment, form: run(shipment_id=shipment.pk),
            done=done,
            history=lambda form: history,
            title=title,
            template="admin/delivery/shipment/confirm.html",
            explain=explain,
        )


def _dispatch_explanation(shipment: Shipment) -> str:
    if shipment.rider is None:
        return "No rider yet: assign one first (sending out is refused until then)."
    leaves = f"{shipment.rider.name} leaves with it now (attempt {shipment.attempts + 1})."
    if shipment.payment_method != PaymentMethod.COD:
        return f"{leaves} Prepaid: collect no cash."
    if shipment.cash_total_pending:
        return f"{leaves} Cash on delivery, but the order's new total after picking has not arrived yet: wait for it."
    return f"{leaves} Cash on delivery: collect {format_inr(shipment.cod_amount_paise)}."


def _rider_name(rider_id: uuid.UUID | None) -> str:
    rider = Rider.objects.filter(pk=rider_id).only("name").first() if rider_id is not None else None
    return rider.name if rider is not None else str(rider_id)[:8] if rider_id is not None else "none"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True
