"""Small helpers shared by the payments tests."""

from __future__ import annotations

import uuid
from typing import Any

from payments import services
from payments.models import PaymentIntent


def request(amount_paise: int = 45_000, **kwargs: Any) -> PaymentIntent:
    """Request a prepaid payment for a new order."""
    return services.request_payment(order_id=uuid.uuid4(), amount_paise=amount_paise, **kwargs)


def paid_intent(fake: Any, amount_paise: int = 45_000) -> PaymentIntent:
    """An intent paid through the fake and confirmed by its webhooks."""
    intent = request(amount_paise)
    fake.pay(intent.razorpay_order_id)
    fake.deliver_webhooks()
    intent.refresh_from_db()
    assert intent.status == "captured"
    return intent
