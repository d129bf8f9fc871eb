"""The webhook, checkout's callback, and the pay page."""

from __future__ import annotations

from typing import TypeGuard
from urllib.parse import urlencode
from uuid import UUID

import structlog
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shop.api.errors import error_body
from shop.money import format_inr

from .. import conf, selectors, services
from ..errors import PaymentRefused
from ..models import PaymentIntent

log = structlog.get_logger("payments")


@csrf_exempt
@require_POST
def razorpay_webhook(request: HttpRequest) -> HttpResponse:
    """Verify on the raw bytes, store once and apply; a worker takes what needs Razorpay or failed."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > conf.get("PAYMENTS_WEBHOOK_MAX_BYTES"):
        return JsonResponse(error_body("invalid_webhook", "body too large"), status=400)
    try:
        event, _ = services.record_webhook(
            body=request.body,
            signature=request.headers.get("X-Razorpay-Signature", ""),
            event_id=request.headers.get("X-Razorpay-Event-Id", ""),
        )
    except services.InvalidWebhook as exc:
        log.warning("payments.webhook_refused", reason=str(exc))
        return JsonResponse(error_body("invalid_webhook", str(exc)), status=400)
    if event.status == event.Status.RECEIVED:
        services.nudge_processing()  # one worker run takes this and whatever else is waiting
    return JsonResponse({"status": "ok"})


@csrf_exempt  # a cross-site form POST from Razorpay's checkout; the signature is the check
@require_POST
def razorpay_callback(request: HttpRequest, intent_id: UUID) -> HttpResponse:
    """Checkout posts here: verify the signature against our stored order id; not yet paid."""
    if request.POST.get("error[code]"):
        message = request.POST.get("error[description]", "The payment failed.")
        return _outcome(request, "failed", selectors.get_intent(intent_id=intent_id), message=message)
    try:
        intent = services.verify_callback(
            intent_id=intent_id,
            razorpay_order_id=request.POST.get("razorpay_order_id", ""),
            razorpay_payment_id=request.POST.get("razorpay_payment_id", ""),
            razorpay_signature=request.POST.get("razorpay_signature", ""),
        )
    except PaymentRefused as exc:
        known = selectors.get_intent(intent_id=intent_id)
        return _outcome(request, "refused", known, message=exc.message, status=exc.status_code)
    if intent.cancelled_at is not None:  # paid at the last moment for an order already called off
        return _outcome(request, "paid_for_cancelled", intent)
    return _outcome(request, "paid" if intent.status in ("captured", "refunded") else "processing", intent)


def _outcome(
    request: HttpRequest, outcome: str, intent: PaymentIntent | None, *, message: str = "", status: int = 200
) -> HttpResponse:
    """The page the customer lands on after checkout, with the way back to their order in the web shop."""
    context = {
        "outcome": outcome,
        "intent": intent,
        "amount": format_inr(intent.amount_paise) if intent is not None else "",
        "message": message,
        "order_page": _order_page(intent),
        # A failed attempt: Razorpay's order takes another try while ours waits for the money.
        "retry_url": reverse("payments:pay", kwargs={"intent_id": intent.id}) if _payable(intent) else "",
    }
    return render(request, "payments/callback.html", context, status=status)


def _payable(intent: PaymentIntent | None) -> TypeGuard[PaymentIntent]:
    """Whether the customer can (still) pay for the intent's order through Razorpay."""
    return (
        intent is not None
        and bool(intent.razorpay_order_id)
        and intent.cancelled_at is None
        and intent.status in ("created", "attempted", "failed")
    )


def _order_page(intent: PaymentIntent | None) -> str:
    """The order's page in the web shop (or the list of orders when the intent is unknown)."""
    return reverse("storefront") + (f"#/orders/{intent.order_id}" if intent is not None else "#/orders")


@require_GET
def pay(request: HttpRequest, intent_id: UUID) -> HttpResponse:
    """Open checkout for an intent at once: Razorpay's checkout.js, or the fake's stand-in page locally."""
    intent = selectors.get_intent(intent_id=intent_id)
    if not _payable(intent):
        return _outcome(request, "unavailable", intent, status=404)
    callback_url = request.build_absolute_uri(reverse("payments:callback", kwargs={"intent_id": intent.id}))
    if conf.is_local():
        query = urlencode({"callback_url": callback_url})
        return HttpResponseRedirect(f"{conf.base_url()}/checkout/{intent.razorpay_order_id}?{query}")
    options = {
        "key": conf.key_id(),
        "amount": intent.amount_paise,
        "currency": intent.currency,
        "name": conf.get("PAYMENTS_MERCHANT_NAME"),
        "order_id": intent.razorpay_order_id,
        "callback_url": callback_url,
        "prefill": {"name": intent.customer_name, "email": intent.customer_email, "contact": intent.customer_contact},
    }
    context = {
        "intent": intent,
        "options": options,
        "amount": format_inr(intent.amount_paise),
        "order_page": _order_page(intent),
    }
    return render(request, "payments/pay.html", context)
