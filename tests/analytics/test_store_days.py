"""A store's day: orders confirmed, GMV, average order, COD share, cancellations, deliveries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics import services
from analytics.models import StoreDay, StoreHour
from delivery import services as delivery
from delivery.models import Shipment
from delivery.services.picking import PickInput
from orders.models import Order
from shop.eventbus.models import Delivery
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import ATTA, MILK, Shop, build_shop

pytestmark = pytest.mark.django_db


def _staff_client() -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(is_staff=True)).key}")
    return client


def _pick(order_id: str, *, short: int = 0) -> Shipment:
    """Pick the order's shipment: every line found, but the first `short` lines one short."""
    shipment = Shipment.objects.get(order_id=order_id)
    picks = [
        PickInput(line_id=line.id, outcome="short", quantity_picked=line.quantity - 1)
        if n < short
        else PickInput(line_id=line.id, outcome="found", quantity_picked=line.quantity)
        for n, line in enumerate(shipment.lines.order_by("title"))
    ]
    delivery.record_pick(shipment_id=shipment.id, picks=picks)
    return shipment


def _deliver(order_id: str) -> None:
    shipment = _pick(order_id)
    delivery.pack_shipment(shipment_id=shipment.id)
    delivery.assign_rider(shipment_id=shipment.id)
    delivery.dispatch_shipment(shipment_id=shipment.id)
    total = Order.objects.get(pk=order_id).total_paise
    delivery.deliver_shipment(shipment_id=shipment.id, cash_collected_paise=total)


def test_the_days_orders_money_and_outcomes_add_up(shop: Shop) -> None:
    first, second, third = shop.customer(), shop.customer(), shop.customer()
    first.fill_cart((MILK, 2), (ATTA, 1))  # 60 + 260 + 20 delivery = 340.00
    second.fill_cart((ATTA, 1))
    third.fill_cart((MILK, 1))
    delivered_id = first.checkout("cod")
    second.checkout("cod")
    cancelled_id = third.checkout("cod")
    deliver_pending()
    assert third.client.post(f"/api/v1/orders/{cancelled_id}/cancel/").status_code == 200
    _deliver(delivered_id)
    deliver_pending()

    totals = [Order.objects.get(pk=pk).total_paise for pk in Order.objects.values_list("id", flat=True)]
    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())
    assert (day.orders_confirmed, day.cod_orders, day.gmv_paise) == (3, 3, sum(totals))
    assert (day.orders_cancelled, day.cancelled_by_reason, day.orders_delivered) == (1, {"customer_cancelled": 1}, 1)
    assert not Delivery.objects.exclude(status="done").exists()

    report = _staff_client().get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"]
    assert report == [
        {
            "store_id": str(shop.store_id),
            "date": timezone.localdate().isoformat(),
            "orders_confirmed": 3,
            "gmv_paise": sum(totals),
            "average_order_paise": sum(totals) // 3,
            "cod_orders": 3,
            "cod_share_percent": 100.0,
            "coupon_orders": 0,
            "coupon_share_percent": 0.0,
            "discount_paise": 0,
            "orders_cancelled": 1,
            "cancelled_by_reason": {"customer_cancelled": 1},
            "orders_delivered": 1,
            "lines_picked": 2,
            "lines_short": 0,
            "lines_weighed": 0,
            "fill_rate_percent": 100.0,
            "lines_replaced": 0,
            "substitution_rate_percent": 0.0,
            "refunds": 0,
            "refunded_paise": 0,
            "refund_rate_percent": 0.0,
            "prepaid_confirmed": 0,
            "prepaid_payment_failed": 0,
            "payment_success_rate_percent": None,  # no prepaid order: nothing to divide by
            "delivered_on_time": 1,  # today, and its slot ends tomorrow
            "delivered_late": 0,
            "on_time_percent": 100.0,
            "average_minutes_late": None,
            "batches_expired": 0,
            "written_off_paise": 0,
            "batches_unvalued": 0,
        }
    ]


def test_reports_are_for_staff_and_refuse_bad_filters(db: None) -> None:
    build_shop()
    customer = APIClient()
    customer.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert customer.get("/api/v1/analytics/store-days/").status_code == 403
    staff = _staff_client()
    assert staff.get("/api/v1/analytics/store-days/").json() == {"results": []}
    bad = staff.get("/api/v1/analytics/store-days/?since=2026-11-30&until=2026-11-01")
    assert bad.status_code == 400
    assert "since" in bad.json()["error"]["fields"]
    # Days the date arithmetic cannot reach are refused, not a 500.
    for url, field in [
        ("/api/v1/analytics/store-days/?until=0001-01-02", "until"),
        ("/api/v1/analytics/store-days/?since=9999-12-31&until=9999-12-31", "since"),
        ("/api/v1/analytics/store-hours/?date=9999-12-31", "date"),
    ]:
        refused = staff.get(url)
        assert refused.status_code == 400, url
        assert field in refused.json()["error"]["fields"], url


def test_fill_rate_counts_the_lines_picked_short(shop: Shop) -> None:
    full, partly = shop.customer(), shop.customer()
    full.fill_cart((MILK, 2), (ATTA, 1))
    partly.fill_cart((MILK, 3), (ATTA, 2))
    full_id, partly_id = full.checkout("cod"), partly.checkout("cod")
    deliver_pending()
    before = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())
    assert (before.lines_picked, before.fill_rate_percent) == (0, None)  # nothing picked yet

    _pick(full_id)
    _pick(partly_id, short=1)
    deliver_pending()

    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())
    assert (day.lines_picked, day.lines_short, day.lines_weighed) == (4, 1, 0)
    assert day.fill_rate_percent == 75.0
    assert not Delivery.objects.exclude(status="done").exists()


def test_hours_are_local_and_a_late_order_counts_on_the_local_day(db: None) -> None:
    store = uuid.uuid4()
    # 18:15 UTC is 23:45 in Kolkata on the 21st; 18:45 UTC is 00:15 on the 22nd.
    services.count_confirmed(store_id=store, total_paise=10_000, cash_on_delivery=False, at=_utc(18, 15))
    services.count_confirmed(store_id=store, total_paise=30_000, cash_on_delivery=True, at=_utc(18, 45))
    services.count_confirmed(store_id=store, total_paise=20_001, cash_on_delivery=False, at=_utc(18, 50))

    days = {day.date.isoformat(): (day.orders_confirmed, day.gmv_paise) for day in StoreDay.objects.all()}
    assert days == {"2026-11-21": (1, 10_000), "2026-11-22": (2, 50_001)}
    report = _staff_client().get(f"/api/v1/analytics/store-hours/?store_id={store}&date=2026-11-22")
    assert report.status_code == 200
    assert report.json()["results"] == [
        {
            "store_id": str(store),
            "hour": "2026-11-22T00:00:00+05:30",
            "orders_confirmed": 2,
            "gmv_paise": 50_001,
            "average_order_paise": 25_000,
        }
    ]
    eve = _staff_client().get(f"/api/v1/analytics/store-hours/?store_id={store}&date=2026-11-21").json()
    assert [(hour["hour"], hour["orders_confirmed"]) for hour in eve["results"]] == [("2026-11-21T23:00:00+05:30", 1)]


def test_hourly_reports_are_for_staff_and_refuse_a_bad_date(db: None) -> None:
    customer = APIClient()
    customer.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert customer.get("/api/v1/analytics/store-hours/").status_code == 403
    staff = _staff_client()
    assert staff.get("/api/v1/analytics/store-hours/").json() == {"results": []}
    bad = staff.get("/api/v1/analytics/store-hours/?date=22-11-2026")
    assert bad.status_code == 400
    assert "date" in bad.json()["error"]["fields"]


def _utc(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 21, hour, minute, tzinfo=UTC)


def test_a_fact_counts_on_the_day_it_happened_not_the_day_it_is_handled() -> None:
    from datetime import timedelta

    from django.db import transaction

    from orders.events import OrderCancelled, OrderConfirmed
    from shop.eventbus import publish
    from shop.eventbus.models import Event

    store_id, order_id, other_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    with transaction.atomic():
        publish(
            OrderConfirmed(
                order_id=order_id, customer_id=uuid.uuid4(), store_id=store_id, slot_id=uuid.uuid4(),
                payment_method="cod", lines=(), total_paise=50_000, recipient_name="Asha",
                address_text="12, 3rd Cross, Indiranagar", pincode="560038",
            ),
            key=order_id,
        )  # fmt: skip
        publish(
            OrderCancelled(
                order_id=other_id, customer_id=uuid.uuid4(), store_id=store_id, reason="payment_timeout",
                from_status="awaiting_payment", payment_method="razorpay",
            ),
            key=other_id,
        )  # fmt: skip
    # Both happened a minute before midnight, India time; the workers get to them after it.
    yesterday = timezone.localdate() - timedelta(days=1)
    late_evening = timezone.make_aware(datetime.combine(yesterday, datetime.min.time())) + timedelta(
        hours=23, minutes=59
    )
    Event.objects.filter(key__in=[str(order_id), str(other_id)]).update(occurred_at=late_evening)
    deliver_pending()

    day = StoreDay.objects.get(store_id=store_id)
    assert day.date == yesterday
    assert (day.orders_confirmed, day.gmv_paise, day.cod_orders, day.orders_cancelled) == (1, 50_000, 1, 1)
    assert day.cancelled_by_reason == {"payment_timeout": 1}
    hour = StoreHour.objects.get(store_id=store_id)
    assert timezone.localtime(hour.hour).hour == 23
    assert timezone.localdate(hour.hour) == yesterday


def test_staff_read_the_store_by_name_and_money_in_rupees(shop: Shop, client) -> None:
    from analytics.models import Store
    from shop.accounts.models import User

    customer = shop.customer()
    customer.fill_cart((MILK, 2), (ATTA, 1))
    customer.checkout("cod")
    deliver_pending()  # inventory announced the store when it was made; the order is counted

    store = Store.objects.get(store_id=shop.store_id)
    day = StoreDay.objects.get(store_id=shop.store_id)
    User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    client.login(email="ops@example.in", password="a-long-passphrase-1")
    page = client.get("/admin/analytics/storeday/").content.decode()
    assert f"{store.code} · {store.title}" in page
    assert f"₹{day.gmv_paise // 100:,}.{day.gmv_paise % 100:02d}" in page
    assert str(shop.store_id) not in page


def test_a_stale_store_announcement_does_not_overwrite_a_newer_one(db: None) -> None:
    from datetime import timedelta

    from analytics.models import Store

    store_id, now = uuid.uuid4(), timezone.now()
    assert services.record_store(store_id=store_id, code="blr-1", title="New name", announced_at=now)
    assert not services.record_store(
        store_id=store_id, code="blr-1", title="Old name", announced_at=now - timedelta(minutes=5)
    )  # a replayed dead letter arriving after its successor
    assert Store.objects.get(store_id=store_id).title == "New name"
    assert services.record_store(store_id=store_id, code="blr-1", title="Newest", announced_at=now)  # same time: again
