"""Every admin action and custom admin view that runs a service records who did what in Django's
admin history (LogEntry: the object's History page, "Recent actions").

The screens below are the ones whose actions are known to log, each with its test; a new action
or view on them (or on a report screen that has none yet) fails here until it logs and is listed.
Django's own change form, add form and delete pages log themselves."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory

from shop.accounts.models import User

pytestmark = pytest.mark.django_db

#: app label -> {model: (actions, custom views)}; each logs, tested in tests/<app>/test_admin*.py.
LOGGED = {
    "orders": {"Order": ({"cancel_orders"}, {"orders_order_cancel"})},
    "inventory": {
        "Stock": (
            {"receive_stock", "adjust_stock", "set_threshold"},
            {"inventory_stock_receive", "inventory_stock_adjust", "inventory_stock_threshold"},
        )
    },
    "notifications": {"Notification": ({"send_again"}, set())},
    "eventbus": {
        "DeadLetter": ({"replay", "discard"}, set()),
        "PausedSubscriber": ({"resume", "delete_selected"}, set()),  # deleting a pause resumes: logged as such
    },
    "accounts": {"Address": ({"delete_selected"}, set())},  # Django's own, which logs the deletions
    "analytics": {},  # reports: nothing to operate
    "catalog": {"Product": ({"publish", "unpublish", "discontinue"}, set())},
    "delivery": {
        "Zone": ({"generate_week_of_slots"}, set()),
        "Shipment": (
            {"pack_shipment", "assign_rider", "dispatch_shipment", "return_shipment"},
            {
                f"delivery_shipment_{step}"
                for step in ("pick", "deliver", "fail", "assign", "pack", "dispatch", "return")
            },
        ),
    },
    "payments": {
        "PaymentIntent": (
            {"fetch_from_razorpay"},
            {"payments_paymentintent_refund", "payments_paymentintent_offline_refund"},
        ),
        "WebhookEvent": ({"reprocess"}, set()),
    },
}
DJANGO_VIEWS = ("changelist", "add", "history", "delete", "change", "autocomplete", "password_change")


def test_every_action_and_custom_view_of_these_screens_is_one_that_records_who_did_it() -> None:
    request = RequestFactory().get("/admin/")
    request.user = User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    found: dict[str, dict[str, tuple[set[str], set[str]]]] = {label: {} for label in LOGGED}
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label not in LOGGED:
            continue
        actions = set(model_admin.get_actions(request))
        views = {url.name for url in model_admin.get_urls() if url.name and not url.name.endswith(DJANGO_VIEWS)}
        if actions or views:
            found[model._meta.app_label][model.__name__] = (actions, views)

    assert found == LOGGED
