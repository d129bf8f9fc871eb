"""Deploy checks (`manage.py check --deploy`): settings that work on a laptop and fail
customers in production. Warnings, not errors: a staging box may mean to keep them."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", "0.0.0.0"}  # noqa: S104 - names compared, nothing bound
DEMO_STAFF_DOMAIN = "@demo.shop.in"


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    found: list[CheckMessage] = []
    if not getattr(settings, "EMAIL_HOST", ""):
        found.append(
            CheckWarning(
                "EMAIL_HOST is not set: customers' order and refund emails and staff alerts are only printed "
                "to the log.",
                hint="Set EMAIL_HOST (and EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD, EMAIL_USE_TLS, "
                "DEFAULT_FROM_EMAIL).",
                id="shop.W001",
            )
        )
    public = str(getattr(settings, "SHOP_PUBLIC_URL", ""))
    if (urlsplit(public).hostname or "") in LOCAL_HOSTS:
        found.append(
            CheckWarning(
                f"SHOP_PUBLIC_URL is {public}: links in customers' emails point at this machine.",
                hint="Set SHOP_PUBLIC_URL to the shop's public address, e.g. https://shop.example.in.",
                id="shop.W002",
            )
        )
    staff = list(getattr(settings, "SHOP_STAFF_EMAILS", []))
    if not staff or all(address.endswith(DEMO_STAFF_DOMAIN) for address in staff):
        found.append(
            CheckWarning(
                "SHOP_STAFF_EMAILS is the demo address: low-stock, failed-refund and dead-letter alerts reach nobody.",
                hint="Set SHOP_STAFF_EMAILS to a comma-separated list of the people on call.",
                id="shop.W003",
            )
        )
    return found
