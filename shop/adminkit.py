"""Admin building blocks every app's staff screens share."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db import models
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest

from shop.money import format_inr, paise_from_rupees, rupees_text

#: The largest amount a rupee field takes: ₹1 crore, far above any grocery price or fee.
MAX_RUPEES = Decimal("10000000.00")


class RupeesField(forms.DecimalField):
    """Money as staff type and read it: rupees with up to two decimals ("412.50"; a rupee
    sign and digit-group commas are allowed), cleaned
    to integer paise for the services (which keep every amount in paise). An initial value
    in paise (a model field's) is shown in rupees; `has_changed` compares paise."""

    def __init__(self, *, min_rupees: Decimal = Decimal("0.00"), empty_paise: int | None = None, **kwargs: Any) -> None:
        self.empty_paise = empty_paise  # what a blank field means (a model field's default), else None
        kwargs.setdefault("help_text", "In rupees, e.g. 412.50.")
        super().__init__(
            min_value=min_rupees, max_value=kwargs.pop("max_value", MAX_RUPEES), max_digits=12, decimal_places=2,
            **kwargs,
        )  # fmt: skip

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):  # "₹1,00,000.50" as staff may write it
            value = value.replace("₹", "").replace(",", "").strip()
        return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):  # paise, from the model
            return rupees_text(value)
        return super().prepare_value(value)

    def clean(self, value: Any) -> int | None:
        rupees = super().clean(value)
        return self.empty_paise if rupees is None else paise_from_rupees(rupees)

    def has_changed(self, initial: Any, data: Any) -> bool:
        if self.disabled:
            return False
        try:
            rupees = super().to_python(data)
        except forms.ValidationError:
            return True
        paise = None if rupees is None else paise_from_rupees(rupees.quantize(Decimal("0.01")))
        return paise != (None if initial in (None, "") else int(initial))


def rupees_label(field: models.Field[Any, Any]) -> str:
    """A paise field's label in rupees: "price_paise" -> "Price (₹)"."""
    name = str(field.verbose_name)
    words = name[: -len(" paise")] if name.endswith(" paise") else name
    return f"{words[:1].upper()}{words[1:]} (₹)"


class RupeesInForms:
    """For a ModelAdmin or an inline: every integer `*_paise` field of its forms takes and
    shows rupees (RupeesField), while the form's cleaned data keeps the paise, by the same
    names, for the services. Read-only paise columns are the screen's to format (format_inr)."""

    def formfield_for_dbfield(self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any) -> Any:
        if isinstance(db_field, models.IntegerField) and db_field.name.endswith("_paise"):
            # A column with a default may be left blank: it means the default (a coupon's
            # amount off, 0, where the coupon is a percentage).
            default = db_field.get_default() if db_field.has_default() else None
            return RupeesField(
                label=rupees_label(db_field),
                required=not (db_field.blank or db_field.null or db_field.has_default()),
                empty_paise=default,
                initial=default,
                help_text=db_field.help_text or "In rupees, e.g. 412.50.",
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


def rupees_or_dash(paise: int | None) -> str:
    """A money column that may be empty: "₹45.00", or "-"."""
    return "-" if paise is None else format_inr(paise)


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the app's services: shown, never edited in place."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OperatedAdmin(admin.ModelAdmin):
    """A screen whose actions run services (cancel, pack, replay, send again): declare them with
    `@admin.action(permissions=["operate"])`, which asks for the model's change permission as
    Django grants it. Django offers an action without `permissions` to anyone who may view the
    list, and a read-only screen's has_change_permission is always False."""

    def has_operate_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return bool(request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}"))


class ReadOnlyAdmin(OperatedAdmin):
    """A log or a projection: staff read it; only services write it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: The short id staff read in lists and customers on their pages: the first 8 hex digits.
SHORT_ID = re.compile(r"[0-9a-f]{4,8}(-[0-9a-f]{0,4})?")
M = TypeVar("M", bound=Model)


def widen_search(
    found: QuerySet[M],
    queryset: QuerySet[M],
    search_term: str,
    *,
    short_id_field: str,
    customer_field: str,
    extra: Q | None = None,
) -> QuerySet[M]:
    """What a support agent types into a search box, beyond the admin's search_fields: the
    short id of `short_id_field` (an order's), and a customer by email, name or phone (the
    accounts kernel's users, matched to `customer_field`); `extra` adds the screen's own."""
    from shop.accounts.selectors import find_user_ids

    term = search_term.strip().lower()
    if not term:
        return found
    wider = extra or Q()
    if SHORT_ID.fullmatch(term):
        wider |= Q(short_id_text__startswith=term)
        queryset = queryset.annotate(short_id_text=Cast(short_id_field, CharField()))  # type: ignore[assignment]
        found = found.annotate(short_id_text=Cast(short_id_field, CharField()))  # type: ignore[assignment]
    customers = find_user_ids(term)
    if customers:
        wider |= Q(**{f"{customer_field}__in": customers})
    return found | queryset.filter(wider) if wider else found
