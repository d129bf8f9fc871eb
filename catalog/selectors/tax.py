"""The GST rate in force on a date: a query, so past orders keep the rate of their day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from django.utils import timezone

from ..models import TaxRate


def today_in_india() -> date:
    """Today's date in Asia/Kolkata, where GST changes take effect at midnight."""
    return timezone.localdate()


def gst_rate_on(*, tax_class_id: UUID, on: date) -> int | None:
    """The rate (basis points) of a tax class in force on `on`; None before its first rate."""
    rate = (
        TaxRate.objects.filter(tax_class_id=tax_class_id, effective_from__lte=on)
        .order_by("-effective_from")
        .values_list("rate_bp", flat=True)
        .first()
    )
    return rate


def gst_rates_on(*, tax_class_ids: Iterable[UUID], on: date) -> dict[UUID, int]:
    """The rates in force on `on` for several tax classes, in one query."""
    rates: dict[UUID, int] = {}
    rows = (
        TaxRate.objects.filter(tax_class_id__in=set(tax_class_ids), effective_from__lte=on)
        .order_by("tax_class_id", "-effective_from")
        .values_list("tax_class_id", "rate_bp")
    )
    for tax_class_id, rate_bp in rows:
        rates.setdefault(tax_class_id, rate_bp)
    return rates
