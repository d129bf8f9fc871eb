"""GST tax invoices: a serial unique per financial year, HSN per line, CGST/SGST or IGST, fee
lines; and credit notes for money refunded after the invoice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shop.money import SERVICE_FEE_GST_BP, SERVICE_FEE_SAC, div_half_up, gst_included_paise, line_total_paise

from ..models import CreditNote, CreditNoteCounter, Invoice, InvoiceCounter, Order, OrderRefund
from .discounts import discount_share_paise

#: Delivery and handling are services (SAC 9968, "postal and courier services"), taxed at 18 %.
FEE_SAC = SERVICE_FEE_SAC
FEE_RATE_BP = SERVICE_FEE_GST_BP


def supplier() -> dict[str, str]:
    """The selling entity, from the environment (SHOP_LEGAL_NAME, SHOP_GSTIN, SHOP_ADDRESS, SHOP_STATE)."""
    return {
        "name": getattr(settings, "SHOP_LEGAL_NAME", "Demo Grocery Pvt Ltd"),
        "gstin": getattr(settings, "SHOP_GSTIN", "29AAACD1234F1Z5"),
        "address": getattr(settings, "SHOP_ADDRESS", "Bengaluru, Karnataka"),
        "state": getattr(settings, "SHOP_STATE", "Karnataka"),
    }


def financial_year(moment: datetime) -> str:
    """India's financial year runs April to March: 2026-11-22 is in "2026-27"."""
    local = timezone.localtime(moment)
    start = local.year if local.month >= 4 else local.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def _split(tax: int, intra_state: bool) -> dict[str, int]:
    if intra_state:
        cgst = tax // 2
        return {"cgst_paise": cgst, "sgst_paise": tax - cgst, "igst_paise": 0}
    return {"cgst_paise": 0, "sgst_paise": 0, "igst_paise": tax}


def _line(
    description: str, hsn: str, quantity: str, *, amount: int, rate_bp: int, intra_state: bool, discount: int = 0
) -> dict[str, Any]:
    """One row; `amount` is what the customer pays for it (GST included, net of `discount`)."""
    tax = gst_included_paise(amount, rate_bp)
    return {
        "description": description,
        "hsn": hsn,
        "quantity": quantity,
        "rate_bp": rate_bp,
        "discount_paise": discount,
        "taxable_paise": amount - tax,
        **_split(tax, intra_state),
        "total_paise": amount,
    }


@transaction.atomic
def issue_invoice(*, order: Order) -> Invoice:
    """Issue the invoice of a delivered order once; the serial comes from the counter of the
    financial year of the delivery (the supply), not of the moment the event is handled: a
    delivery at 23:58 on 31 March handled after midnight belongs to the year that ended."""
    existing = Invoice.objects.filter(order=order).first()
    if existing is not None:
        return existing
    now = order.delivered_at or timezone.now()
    year = financial_year(now)
    InvoiceCounter.objects.get_or_create(financial_year=year)
    counter = InvoiceCounter.objects.select_for_update().get(financial_year=year)  # numbers in issue order
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    number = counter.last_number
    seller = supplier()
    intra = order.address.get("state", seller["state"]) == seller["state"]
    lines = []
    discounted = 0
    for item in order.lines.all():
        delivered = item.quantity if item.picked_quantity is None else min(item.picked_quantity, item.quantity)
        unit = "g" if item.sold_by == "weight" else "pcs"
        found = line_total_paise(sold_by=item.sold_by, unit_price_paise=item.unit_price_paise, quantity=delivered)
        # A coupon's discount is a discount on the supply (in the values, GST on what is paid):
        # the found part and the replacement carry their share of the line's discount, as
        # picking reckoned what was kept, so the lines add up to what the customer pays.
        found_discount = discount_share_paise(
            discount_paise=item.discount_paise, line_total_paise=item.line_total_paise, kept_paise=found
        )
        kept_discount = discount_share_paise(
            discount_paise=item.discount_paise,
            line_total_paise=item.line_total_paise,
            kept_paise=found + item.replacement_paise,
        )
        replacement_discount = min(kept_discount - found_discount, item.replacement_paise)
        supplied = f"{delivered} {unit}"
        if item.sold_by == "weight" and (item.picked_quantity or 0) > item.quantity:
            # Weighed heavier than ordered: what went out, and that only what was ordered is charged.
            supplied = f"{item.picked_quantity} {unit} (charged {delivered} {unit})"
        if delivered:
            lines.append(
                _line(
                    item.name,
                    item.hsn_code,
                    supplied,
                    amount=found - found_discount,
                    rate_bp=item.gst_rate_bp,
                    intra_state=intra,
                    discount=found_discount,
                )
            )
            discounted += found_discount
        if item.replaced_quantity:  # the replacement is its own supply: its HSN, its rate, its price
            lines.append(
                _line(
                    f"{item.offer_name or 'Replacement'} (in place of {item.name})",
                    item.offer_hsn_code or item.hsn_code,
                    f"{item.replaced_quantity} {unit}",
                    amount=item.replacement_paise - replacement_discount,
                    rate_bp=item.gst_rate_bp if item.offer_gst_rate_bp is None else item.offer_gst_rate_bp,
                    intra_state=intra,
                    discount=replacement_discount,
                )
            )
            discounted += replacement_discount
    for label, amount in (
        ("Delivery fee", order.delivery_fee_paise),
        ("Small cart fee", order.small_cart_fee_paise),
        ("Late night fee", order.late_night_fee_paise),
        ("Express delivery fee", order.express_fee_paise),
    ):
        if amount:
            lines.append(_line(label, FEE_SAC, "1", amount=amount, rate_bp=FEE_RATE_BP, intra_state=intra))
    totals = {
        key: sum(line[key] for line in lines)
        for key in ("taxable_paise", "cgst_paise", "sgst_paise", "igst_paise", "total_paise")
    }
    return Invoice.objects.create(
        order=order,
        serial=_serial(getattr(settings, "SHOP_INVOICE_PREFIX", "GS"), year, number),
        financial_year=year,
        number=number,
        issued_at=now,
        supplier=seller,
        recipient=order.address,
        intra_state=intra,
        lines=lines,
        coupon_code=order.coupon_code,
        discount_paise=discounted,
        **totals,
    )


def _serial(prefix: str, year: str, number: int) -> str:
    return f"{prefix}{year[2:4]}{year[5:7]}-{number:06d}"


@transaction.atomic
def issue_credit_note(*, refund: OrderRefund) -> CreditNote | None:
    """The credit note of a processed refund asked for after the invoice; once per refund.

    Nothing for a refund before the invoice (picking's adjustment: the invoice already bills
    only what was delivered) or without one. The tax credited is the invoice's share of the
    refund (tax / total, rounded half up), split as the invoice was (CGST + SGST or IGST)."""
    invoice = Invoice.objects.filter(order_id=refund.order_id).first()
    if invoice is None or not refund.after_invoice or refund.status != "processed" or refund.amount_paise <= 0:
        return None
    existing = CreditNote.objects.filter(refund_id=refund.refund_id).first()
    if existing is not None:
        return existing
    credited = sum(CreditNote.objects.filter(invoice=invoice).values_list("total_paise", flat=True))
    amount = min(refund.amount_paise, invoice.total_paise - credited)  # never below nothing
    if amount <= 0:
        return None
    invoice_tax = invoice.cgst_paise + invoice.sgst_paise + invoice.igst_paise
    tax = div_half_up(amount * invoice_tax, invoice.total_paise) if invoice.total_paise else 0
    now = timezone.now()
    year = financial_year(now)
    CreditNoteCounter.objects.get_or_create(financial_year=year)
    counter = CreditNoteCounter.objects.select_for_update().get(financial_year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    prefix = getattr(settings, "SHOP_CREDIT_NOTE_PREFIX", "CN")
    return CreditNote.objects.create(
        invoice=invoice,
        refund_id=refund.refund_id,
        serial=_serial(prefix, year, counter.last_number),
        financial_year=year,
        number=counter.last_number,
        issued_at=now,
        reason=refund.reason,
        taxable_paise=amount - tax,
        total_paise=amount,
        **_split(tax, invoice.intra_state),
    )
