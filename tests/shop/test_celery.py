"""Beat's schedule names only tasks that exist (a typo would fail silently in production)."""

from shop.celery import app


def test_every_periodic_task_is_a_registered_task() -> None:
    app.loader.import_default_modules()
    schedule = app.conf.beat_schedule
    assert {
        "eventbus-sweep",
        "orders-cancel-expired",
        "inventory-release-expired",
        "inventory-near-expiry-digest",
        "payments-reconcile",
        "cart-purge-visitor-carts",
        "accounts-clear-expired-sessions",
    } <= set(schedule)
    missing = {name: entry["task"] for name, entry in schedule.items() if entry["task"] not in app.tasks}
    assert missing == {}
