"""Deploy check: production must talk to Razorpay, not to the local fake."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

from . import conf


@register(Tags.security, deploy=True)
def check_razorpay(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    return [
        CheckWarning(
            text,
            hint="Set RAZORPAY_BASE_URL=https://api.razorpay.com and the account's RAZORPAY_KEY_ID, "
            "RAZORPAY_KEY_SECRET and RAZORPAY_WEBHOOK_SECRET (docs/payments.md).",
            id="payments.W001",
        )
        for text in conf.deploy_warnings()
    ]
