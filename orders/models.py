"""Orders, their lines (a price and tax snapshot) and their timeline."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import F, Q

from shop.money import format_inr


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        AWAITING_PAYMENT = "awaiting_payment"
        CONFIRMED = "confirmed"
        PICKING = "picking"
        PACKED = "packed"
        OUT_FOR_DELIVERY = "out_for_delivery"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"

    class PaymentMethod(models.TextChoices):
        RAZORPAY = "razorpay", "Razorpay (prepaid)"
        COD = "cod", "Cash on delivery"

    # The three legs of the checkout saga, each moving only forward.
    class StockState(models.TextChoices):
        PENDING = "pending"
        RESERVED = "reserved"
        FAILED = "failed"
        RELEASED = "released"
        COMMITTED = "committed"

    class SlotState(models.TextChoices):
        PENDING = "pending"
        BOOKED = "booked"
        FAILED = "failed"
        RELEASED = "released"

    class PaymentState(models.TextChoices):
        PENDING = "pending"
        REQUESTED = "requested"
        CAPTURED = "captured"
        FAILED = "failed"
        COD = "cod", "cash on delivery"
        COLLECTED = "collected"
        REFUNDED = "refunded", "refunded in full"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    customer_id = models.UUIDField(db_index=True)
    store_id = models.UUIDField(db_index=True)
    slot_id = models.UUIDField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    cancel_reason = models.CharField(max_length=30, blank=True)
    payment_method = models.CharField(max_length=10, choices=PaymentMethod.choices)
    stock_state = models.CharField(max_length=10, choices=StockState.choices, default=StockState.PENDING)
    slot_state = models.CharField(max_length=10, choices=SlotState.choices, default=SlotState.PENDING)
    payment_state = models.CharField(max_length=10, choices=PaymentState.choices, default=PaymentState.PENDING)

    address = models.JSONField(help_text="The delivery address as it was at checkout")
    pincode = models.CharField(max_length=6)

    subtotal_paise = models.BigIntegerField(help_text="Lines, GST included")
    tax_paise = models.BigIntegerField(help_text="GST included in the lines and the fees")
    savings_paise = models.BigIntegerField(default=0, help_text="Against MRP")
    #: The coupon applied at checkout, and its discount on the items (shared out over the lines).
    coupon_code = models.CharField(max_length=40, blank=True)
    discount_paise = models.BigIntegerField(default=0, help_text="The coupon's discount on the items")
    delivery_fee_paise = models.BigIntegerField(default=0)
    small_cart_fee_paise = models.BigIntegerField(default=0)
    late_night_fee_paise = models.BigIntegerField(default=0)
    express_fee_paise = models.BigIntegerField(default=0)
    total_paise = models.BigIntegerField()
    adjustment_paise = models.BigIntegerField(default=0, help_text="Owed back after picking")

    # What the browser needs to pay through Razorpay Checkout.
    payment_intent_id = models.UUIDField(null=True, blank=True)
    razorpay_order_id = models.CharField(max_length=64, blank=True)
    razorpay_key_id = models.CharField(max_length=64, blank=True)
    #: Payments' page where the customer pays (from PaymentRequested).
    pay_url = models.CharField(max_length=300, blank=True)
    paid_paise = models.BigIntegerField(default=0)
    #: Razorpay payments tried for this order that failed; the customer may try again until
    #: ORDERS_PAYMENT_ATTEMPTS have failed or the payment window closes.
    payment_attempts_failed = models.PositiveSmallIntegerField(default=0)
    #: Why the last attempt failed, as Razorpay put it (for the customer's "try again").
    payment_error = models.CharField(max_length=300, blank=True)
    refunded_paise = models.BigIntegerField(default=0)

    reservation_id = models.UUIDField(null=True, blank=True)
    booking_id = models.UUIDField(null=True, blank=True)
    slot_starts_at = models.DateTimeField(null=True, blank=True)
    slot_ends_at = models.DateTimeField(null=True, blank=True)
    shipment_id = models.UUIDField(null=True, blank=True)
    tracking_code = models.CharField(max_length=32, blank=True)

    payment_due_at = models.DateTimeField(help_text="Cancelled if not confirmed by then")
    placed_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at"]
        indexes = [
            models.Index(fields=["customer_id", "-placed_at"], name="orders_customer_recent"),
            # The staff's lists: newest first, and a store's slots of a day.
            models.Index(fields=["-placed_at"], name="orders_recent"),
            models.Index(fields=["store_id", "slot_starts_at"], name="orders_store_slot"),
            models.Index(
                fields=["payment_due_at"],
                name="orders_open_by_due",
                condition=Q(status__in=["pending", "awaiting_payment"]),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_paise=F("subtotal_paise")
                    - F("discount_paise")
                    + F("delivery_fee_paise")
                    + F("small_cart_fee_paise")
                    + F("late_night_fee_paise")
                    + F("express_fee_paise")
                ),
                name="orders_total_adds_up",
            ),
            models.CheckConstraint(
                condition=Q(
                    subtotal_paise__gte=0,
                    tax_paise__gte=0,
                    adjustment_paise__gte=0,
                    total_paise__gte=0,
                    discount_paise__gte=0,
                ),
                name="orders_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(adjustment_paise__lte=F("total_paise")), name="orders_adjustment_within_total"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | ~Q(cancel_reason=""), name="orders_cancelled_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"Order {str(self.id)[:8]} ({self.status})"

    @property
    def final_total_paise(self) -> int:
        return self.total_paise - self.adjustment_paise

    @property
    def fees_paise(self) -> int:
        """Delivery, small-cart, late-night and express fees together."""
        return self.delivery_fee_paise + self.small_cart_fee_paise + self.late_night_fee_paise + self.express_fee_paise

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DELIVERED, self.Status.CANCELLED)


#: A line's replacement preference, as the customer chose it in the cart.
REPLACEMENTS = [
    ("best_match", "Best match"),
    ("specific", "A specific SKU"),
    ("refund", "Refund, no replacement"),
]


class OrderLine(models.Model):
    class Outcome(models.TextChoices):
        PENDING = "pending"
        FOUND = "found"
        SHORT = "short"
        WEIGHED = "weighed"
        REPLACED = "replaced"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.UUIDField()
    name = models.CharField(max_length=200)
    sold_by = models.CharField(max_length=6, choices=[("unit", "unit"), ("weight", "weight")])
    quantity = models.PositiveIntegerField(help_text="Base units: packs, or grams")
    unit_price_paise = models.BigIntegerField(help_text="Per pack, or per kg")
    mrp_paise = models.BigIntegerField()
    line_total_paise = models.BigIntegerField()
    gst_rate_bp = models.PositiveIntegerField()
    hsn_code = models.CharField(max_length=8)
    #: The line's share of the coupon's discount: the customer pays line_total - discount for it.
    discount_paise = models.BigIntegerField(default=0, help_text="Its share of the coupon's discount")
    tax_paise = models.BigIntegerField(help_text="GST included in what the customer pays: line total less discount")
    picked_quantity = models.PositiveIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=8, choices=Outcome.choices, default=Outcome.PENDING)
    refund_paise = models.BigIntegerField(default=0)
    #: What the customer asked for if this SKU is not there (the cart's choice, frozen at checkout).
    replacement = models.CharField(max_length=10, choices=REPLACEMENTS, default="best_match")
    replacement_sku_id = models.UUIDField(null=True, blank=True, help_text="The SKU asked for ('specific')")
    #: What the picker may put in the line's place if it is short (the SKU asked for, or the
    #: cart's best match), priced at checkout; none for 'refund' or when nothing fitted.
    offer_sku_id = models.UUIDField(null=True, blank=True, help_text="The replacement offered to the picker")
    offer_name = models.CharField(max_length=200, blank=True)
    offer_unit_price_paise = models.BigIntegerField(null=True, blank=True, help_text="At checkout, per pack or per kg")
    offer_mrp_paise = models.BigIntegerField(null=True, blank=True)
    offer_gst_rate_bp = models.PositiveIntegerField(null=True, blank=True)
    offer_hsn_code = models.CharField(max_length=8, blank=True)
    #: Picking put the offer in the line's place: how much of it (packs, or grams) and what it costs.
    replaced_quantity = models.PositiveIntegerField(null=True, blank=True)
    replacement_paise = models.BigIntegerField(
        default=0, help_text="What the replacement costs: its checkout price, never above the line's own"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="orders_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(refund_paise__gte=0, refund_paise__lte=F("line_total_paise")),
                name="orders_line_refund_within_total",
            ),
            models.CheckConstraint(
                condition=Q(replacement_paise__gte=0, replacement_paise__lte=F("line_total_paise")),
                name="orders_line_replacement_within_total",
            ),
            models.CheckConstraint(
                condition=Q(discount_paise__gte=0, discount_paise__lte=F("line_total_paise")),
                name="orders_line_discount_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.name}"


class OrderTransition(models.Model):
    """The order's timeline: one row per state change, with what caused it."""

    id = models.BigAutoField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} -> {self.to_status}"


class OrderRefund(models.Model):
    """Money payments gave back on this order, as payments reported it."""

    refund_id = models.UUIDField(primary_key=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="refunds")
    amount_paise = models.BigIntegerField()
    status = models.CharField(
        max_length=10, choices=[("requested", "requested"), ("processed", "processed"), ("failed", "failed")]
    )
    bank_reference = models.CharField(max_length=64, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField()
    after_invoice = models.BooleanField(
        default=False,
        help_text="Asked for after the order was invoiced: once processed, a credit note reduces the invoice",
    )

    class Meta:
        ordering = ["at"]

    def __str__(self) -> str:
        return f"refund {format_inr(self.amount_paise)} ({self.status})"


class InvoiceCounter(models.Model):
    """The last invoice number of a financial year (numbers never repeat within a year)."""

    financial_year = models.CharField(max_length=7, primary_key=True, help_text='e.g. "2026-27"')
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.last_number}"


class Invoice(models.Model):
    """The GST tax invoice of a delivered order; its figures are frozen when issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="invoice")
    serial = models.CharField(max_length=16, unique=True)
    financial_year = models.CharField(max_length=7)
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    supplier = models.JSONField(help_text="Legal name, GSTIN, address, state at issue")
    recipient = models.JSONField(help_text="Delivery address at issue")
    intra_state = models.BooleanField(help_text="CGST + SGST when true, IGST otherwise")
    lines = models.JSONField()
    taxable_paise = models.BigIntegerField()
    cgst_paise = models.BigIntegerField()
    sgst_paise = models.BigIntegerField()
    igst_paise = models.BigIntegerField()
    total_paise = models.BigIntegerField()
    #: The coupon, and the part of its discount the line values include (what was delivered).
    coupon_code = models.CharField(max_length=40, blank=True)
    discount_paise = models.BigIntegerField(default=0, help_text="Discount included in the line values")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["financial_year", "number"], name="orders_invoice_number_per_year"),
            models.CheckConstraint(
                condition=Q(total_paise=F("taxable_paise") + F("cgst_paise") + F("sgst_paise") + F("igst_paise")),
                name="orders_invoice_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.serial


class CreditNoteCounter(models.Model):
    """The last credit note number of a financial year (a series of its own, apart from invoices)."""

    financial_year = models.CharField(max_length=7, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.financial_year}: {self.last_number}"


class CreditNote(models.Model):
    """A GST credit note: money refunded after the invoice (a damaged item, a goodwill refund)
    reduces the invoiced supply; its tax is the invoice's, pro rata. Frozen when issued."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    refund_id = models.UUIDField(unique=True, help_text="The refund it documents: one note per refund")
    serial = models.CharField(max_length=16, unique=True)
    financial_year = models.CharField(max_length=7)
    number = models.PositiveIntegerField()
    issued_at = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    taxable_paise = models.BigIntegerField()
    cgst_paise = models.BigIntegerField()
    sgst_paise = models.BigIntegerField()
    igst_paise = models.BigIntegerField()
    total_paise = models.BigIntegerField()

    class Meta:
        ordering = ["issued_at"]
        constraints = [
            models.UniqueConstraint(fields=["financial_year", "number"], name="orders_credit_note_number_per_year"),
            models.CheckConstraint(
                condition=Q(total_paise=F("taxable_paise") + F("cgst_paise") + F("sgst_paise") + F("igst_paise")),
                name="orders_credit_note_adds_up",
            ),
            models.CheckConstraint(condition=Q(total_paise__gt=0), name="orders_credit_note_positive"),
        ]

    def __str__(self) -> str:
        return self.serial


class Store(models.Model):
    """A dark store as inventory last announced it (StoreUpdated): its name for staff screens.

    Orders keep only `store_id`; a store inventory has not announced since orders subscribed
    is simply unknown here (the screens fall back to the short id)."""

    store_id = models.UUIDField(primary_key=True)
    code = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    announced_at = models.DateTimeField(help_text="When inventory published the state kept here")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} · {self.title}"
