"""Payments use cases: the only code that writes. Each step commits in its own transaction.

Steps that call Razorpay store what they are about to do first (receipt, refund row),
call Razorpay outside any long transaction where they can, and record the answer after.
"""

from .intents import (
    cancel_payment,
    ensure_razorpay_order,
    receipt_for,
    request_payment,
    set_cash_due,
    settle_cash_on_delivery,
    verify_callback,
)
from .observe import apply_payment, follow_up, observe_payment
from .offline_refunds import OFFLINE_CHANNELS, record_offline_refund
from .reconcile import reconcile
from .refunds import MIN_REFUND_PAISE, apply_refund, note_refund_below_minimum, refund_payment, send_refund
from .webhooks import InvalidWebhook, nudge_processing, process_received_webhooks, process_webhook, record_webhook

__all__ = [
    "MIN_REFUND_PAISE",
    "OFFLINE_CHANNELS",
    "InvalidWebhook",
    "apply_payment",
    "apply_refund",
    "cancel_payment",
    "ensure_razorpay_order",
    "follow_up",
    "note_refund_below_minimum",
    "nudge_processing",
    "observe_payment",
    "process_received_webhooks",
    "process_webhook",
    "receipt_for",
    "reconcile",
    "record_offline_refund",
    "record_webhook",
    "refund_payment",
    "request_payment",
    "send_refund",
    "set_cash_due",
    "settle_cash_on_delivery",
    "verify_callback",
]
