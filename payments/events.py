"""The events the payments app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from shop.events import Event, Paise

Method = Literal["razorpay", "cod"]
#: How a refund's money went back: through Razorpay, or paid by the store for cash on delivery.
RefundChannel = Literal["razorpay", "cash", "upi", "bank_transfer"]


class PaymentRequested(Event):
    """A Razorpay order exists for the order: the browser can open checkout with it."""

    name: ClassVar[str] = "payments.payment_requested.v1"
    order_id: UUID
    intent_id: UUID
    razorpay_order_id: str
    key_id: str
    amount_paise: Paise
    currency: str = "INR"
    #: The shop's page (a path) where the customer opens Razorpay's checkout for this order.
    pay_url: str = ""


class PaymentCaptured(Event):
    """Money for the order is captured (confirmed by Razorpay, never by the browser alone)."""

    name: ClassVar[str] = "payments.payment_captured.v1"
    order_id: UUID
    intent_id: UUID
    method: Method
    razorpay_payment_id: str
    amount_paise: Paise
    captured_at: datetime


class PaymentFailed(Event):
    """A payment attempt failed; the customer may try again on the same Razorpay order, and
    Razorpay may still late-authorise the failed one for up to 3 days. Published once per
    failed attempt."""

    name: ClassVar[str] = "payments.payment_failed.v1"
    order_id: UUID
    intent_id: UUID
    razorpay_payment_id: str
    error_code: str
    error_description: str
    failed_at: datetime
    #: How many of the order's attempts have failed so far, this one included (distinct
    #: Razorpay payments). Optional, so events stored before it existed still parse.
    failed_attempts: int = 1


class RefundRequested(Event):
    """A refund was accepted by payments and is on its way to Razorpay (channel "razorpay"),
    or, for cash on delivery, the store has paid it already (PaymentRefunded follows at once)."""

    name: ClassVar[str] = "payments.refund_requested.v1"
    order_id: UUID
    refund_id: UUID
    amount_paise: Paise
    reason: str
    idempotency_key: str
    #: Optional, so events stored before it existed (all Razorpay's) still parse.
    channel: RefundChannel = "razorpay"


class PaymentRefunded(Event):
    """Razorpay processed a refund, or the store paid one back in cash, by UPI or bank transfer
    (`channel`, with an empty `razorpay_refund_id`); the bank reference (ARN/RRN/UTR, a UPI or
    bank transfer's reference as staff recorded it) is for the customer."""

    name: ClassVar[str] = "payments.payment_refunded.v1"
    order_id: UUID
    refund_id: UUID
    razorpay_refund_id: str
    amount_paise: Paise
    bank_reference: str
    refunded_at: datetime
    #: Optional, so events stored before it existed (all Razorpay's) still parse.
    channel: RefundChannel = "razorpay"


class RefundFailed(Event):
    """Razorpay could not refund; staff must act (the amount is refundable again)."""

    name: ClassVar[str] = "payments.refund_failed.v1"
    order_id: UUID
    refund_id: UUID
    amount_paise: Paise
    reason: str
    failed_at: datetime


class WebhookAbandoned(Event):
    """A Razorpay webhook could not be applied after every retry: what it says (a payment, a
    refund) is not in our books until staff look. Keyed by `order_id` when the payload
    names our order, else by Razorpay's event id."""

    name: ClassVar[str] = "payments.webhook_abandoned.v1"
    webhook_id: int
    razorpay_event_id: str
    event_type: str
    order_id: UUID | None = None
    attempts: int
    error: str


class CashCollected(Event):
    """The rider collected cash on delivery for the order."""

    name: ClassVar[str] = "payments.cash_collected.v1"
    order_id: UUID
    intent_id: UUID
    amount_paise: Paise
    expected_paise: Paise
    collected_at: datetime
