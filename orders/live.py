"""The order's live status: what the customer's page hears over its websocket.

Every transition (and the payment details arriving) pushes a small snapshot to the
order's group after commit; the page needs no polling. The snapshot is built from the
order row in hand, so pushing costs no query.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.conf import settings

from shop import live

from .models import Order


def group_name(order_id: UUID | str) -> str:
    return f"orders.order.{order_id}"


def payment_attempts() -> int:
    """How many failed payment attempts cancel an order (at least one)."""
    return max(1, int(getattr(settings, "ORDERS_PAYMENT_ATTEMPTS", 3)))


def payment_details(order: Order) -> dict[str, Any]:
    """How the order is paid, how many attempts failed and why the last one did; while
    awaiting payment, what Razorpay's checkout needs and how many tries are left."""
    payment: dict[str, Any] = {
        "method": order.payment_method,
        "state": order.payment_state,
        "failed_attempts": order.payment_attempts_failed,
        "last_error": order.payment_error,
    }
    if order.status == Order.Status.AWAITING_PAYMENT and order.razorpay_order_id:
        payment["razorpay"] = {
            "key_id": order.razorpay_key_id,
            "order_id": order.razorpay_order_id,
            "amount": order.total_paise,
            "currency": "INR",
            "pay_url": order.pay_url,
            "attempts_left": max(0, payment_attempts() - order.payment_attempts_failed),
        }
    return payment


def snapshot(order: Order) -> dict[str, Any]:
    return {
        "id": str(order.id),
        "customer_id": str(order.customer_id),  # for the consumer's check; not sent on
        "status": order.status,
        "cancel_reason": order.cancel_reason,
        "payment": payment_details(order),
        "final_total_paise": order.final_total_paise,
        "paid_paise": order.paid_paise,
        "refunded_paise": order.refunded_paise,
        "confirmed_at": order.confirmed_at.isoformat() if order.confirmed_at else None,
        "updated_at": order.updated_at.isoformat() if order.updated_at else None,
    }


def announce(order: Order) -> None:
    """After commit, tell the order's watchers where it stands now."""
    live.push(group_name(order.id), {"type": "order.changed", "order": snapshot(order)})
