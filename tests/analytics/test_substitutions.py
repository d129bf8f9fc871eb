"""A store's day: lines replaced at picking, the substitution rate, and a replaced line being
short for the fill rate (the customer's own SKU was not there)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics import services
from analytics.models import StoreDay
from delivery.events import PickedLine, ShipmentPicked
from shop.accounts.models import User
from shop.eventbus import publish
from shop.eventbus.models import Delivery, PausedSubscriber
from shop.eventbus.registry import subscriptions
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

SUBSCRIBER = "analytics.count_picked_shipment"


@pytest.fixture(autouse=True)
def _only_analytics_hears_the_picks() -> None:
    """The picks published here are of no real order: the other apps' subscribers wait (paused)."""
    for subscription in subscriptions():
        if subscription.event_type is ShipmentPicked and subscription.name != SUBSCRIBER:
            PausedSubscriber.objects.create(subscriber=subscription.name, reason="analytics test")


def _line(outcome: str) -> PickedLine:
    """One line of 2 packs (or 500 g when weighed) as picking left it."""
    sku_id = uuid.uuid4()
    if outcome == "found":
        return PickedLine(line_id=uuid.uuid4(), sku_id=sku_id, outcome="found", quantity_ordered=2, quantity_picked=2)
    if outcome == "short":
        return PickedLine(line_id=uuid.uuid4(), sku_id=sku_id, outcome="short", quantity_ordered=2, quantity_picked=1)
    if outcome == "weighed":
        return PickedLine(
            line_id=uuid.uuid4(), sku_id=sku_id, outcome="weighed", quantity_ordered=500, quantity_picked=480
        )
    return PickedLine(
        line_id=uuid.uuid4(),
        sku_id=sku_id,
        outcome="replaced",
        quantity_ordered=2,
        quantity_picked=0,
        replacement_sku_id=uuid.uuid4(),
        quantity_replaced=2,
    )


def _picked(store_id: uuid.UUID, *outcomes: str) -> None:
    """Publish what delivery publishes when a shipment of the store is picked."""
    with transaction.atomic():
        order_id = uuid.uuid4()
        publish(
            ShipmentPicked(
                shipment_id=uuid.uuid4(),
                order_id=order_id,
                store_id=store_id,
                lines=tuple(_line(outcome) for outcome in outcomes),
            ),
            key=order_id,
        )


def _today(store_id: uuid.UUID) -> StoreDay:
    return StoreDay.objects.get(store_id=store_id, date=timezone.localdate())


def _picking(day: StoreDay) -> tuple[int, int, int, int, float | None, float | None]:
    return (
        day.lines_picked,
        day.lines_short,
        day.lines_replaced,
        day.lines_weighed,
        day.fill_rate_percent,
        day.substitution_rate_percent,
    )


def _staff() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(is_staff=True)).key}")
    return client


def test_a_replaced_line_is_short_for_the_fill_rate_and_counts_in_the_substitution_rate() -> None:
    store = uuid.uuid4()
    _picked(store, "found", "found", "weighed")
    _picked(store, "replaced", "found", "short")
    deliver_pending()

    # 6 lines: 2 short (1 of them replaced), so 4 filled; 1 of 6 replaced.
    assert _picking(_today(store)) == (6, 2, 1, 1, 66.7, 16.7)
    assert not Delivery.objects.filter(subscriber=SUBSCRIBER).exclude(status="done").exists()


def test_a_redelivered_pick_counts_its_replaced_lines_once() -> None:
    store = uuid.uuid4()
    _picked(store, "replaced", "replaced", "found", "found")
    deliver_pending()
    assert _picking(_today(store)) == (4, 2, 2, 0, 50.0, 50.0)

    # As if the handler's lease expired after it committed: the bus's inbox keeps it to once.
    Delivery.objects.filter(subscriber=SUBSCRIBER).update(status="pending", available_at=timezone.now())
    deliver_pending()

    assert _picking(_today(store)) == (4, 2, 2, 0, 50.0, 50.0)


def test_no_picking_has_no_substitution_rate_and_picking_without_replacements_has_zero() -> None:
    store = uuid.uuid4()
    services.count_confirmed(store_id=store, total_paise=10_000, cash_on_delivery=True)
    assert (_today(store).substitution_rate_percent, _today(store).fill_rate_percent) == (None, None)

    services.count_picked(store_id=store, outcomes=["found", "short", "weighed", "found"])

    assert _picking(_today(store)) == (4, 1, 0, 1, 75.0, 0.0)


def test_picks_count_on_the_day_given_each_day_its_own_rate() -> None:
    store = uuid.uuid4()
    yesterday = timezone.localdate() - timedelta(days=1)
    services.count_picked(store_id=store, outcomes=["replaced", "found"], day=yesterday)
    services.count_picked(store_id=store, outcomes=["found", "found", "found", "replaced"])

    assert _picking(StoreDay.objects.get(store_id=store, date=yesterday)) == (2, 1, 1, 0, 50.0, 50.0)
    assert _picking(_today(store)) == (4, 1, 1, 0, 75.0, 25.0)


def test_staff_read_the_lines_replaced_and_the_substitution_rate_in_the_api_and_the_admin(client) -> None:
    store = uuid.uuid4()
    _picked(store, "replaced", "found", "short", "found", "found", "found", "found", "found")
    deliver_pending()

    (row,) = _staff().get(f"/api/v1/analytics/store-days/?store_id={store}").json()["results"]
    names = ("lines_picked", "lines_short", "lines_replaced", "fill_rate_percent", "substitution_rate_percent")
    assert {name: row[name] for name in names} == {
        "lines_picked": 8,
        "lines_short": 2,
        "lines_replaced": 1,
        "fill_rate_percent": 75.0,
        "substitution_rate_percent": 12.5,
    }

    User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    client.login(email="ops@example.in", password="a-long-passphrase-1")
    page = client.get("/admin/analytics/storeday/").content.decode()
    assert "Substitution rate" in page  # the column (capitalised by the admin)
    assert "12.5 %" in page
    assert "75.0 %" in page
