"""A store's day: the fill rate of its picking (by line) and its refunds (count, amount, rate)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics.models import Refund, StoreDay
from delivery import services as delivery
from delivery.models import Shipment
from delivery.services.picking import PickInput
from orders.models import Order
from payments.events import PaymentRefunded
from shop.eventbus import publish
from shop.eventbus.models import Delivery, PausedSubscriber
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import UserFactory
from tests.e2e.conftest import ATTA, MILK, Shop

pytestmark = pytest.mark.django_db


def _pick(order_id: str, *, short: int = 0) -> None:
    """Pick the order's shipment: every line found, but the first `short` lines (by title) one short."""
    shipment = Shipment.objects.get(order_id=order_id)
    delivery.record_pick(
        shipment_id=shipment.id,
        picks=[
            PickInput(line_id=line.id, outcome="short", quantity_picked=line.quantity - 1)
            if n < short
            else PickInput(line_id=line.id, outcome="found", quantity_picked=line.quantity)
            for n, line in enumerate(shipment.lines.order_by("title"))
        ],
    )


def _refund(order_id: str | uuid.UUID, amount_paise: int, *, channel: str = "razorpay", **fields: object) -> uuid.UUID:
    """Publish what payments publishes when a refund is paid back; returns its refund id."""
    refund_id = fields.pop("refund_id", None) or uuid.uuid4()
    with transaction.atomic():
        publish(
            PaymentRefunded.model_validate(
                {
                    "order_id": order_id, "refund_id": refund_id, "amount_paise": amount_paise,
                    "razorpay_refund_id": "rfnd_1" if channel == "razorpay" else "", "bank_reference": "",
                    "refunded_at": timezone.now(), "channel": channel, **fields,
                }
            ),
            key=order_id,
        )  # fmt: skip
    return uuid.UUID(str(refund_id))


def _redeliver(subscriber: str) -> None:
    """As if the subscriber's leases expired after its handlers committed: claimable again."""
    assert Delivery.objects.filter(subscriber=subscriber, status="done").exists()
    Delivery.objects.filter(subscriber=subscriber).update(status="pending", available_at=timezone.now())
    deliver_pending()
    assert not Delivery.objects.exclude(status="done").exists()


def _today(shop: Shop) -> StoreDay:
    return StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())


def _orders(shop: Shop, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        customer = shop.customer()
        customer.fill_cart((MILK, 2), (ATTA, 1))
        ids.append(customer.checkout("cod"))
    deliver_pending()
    return ids


def test_a_short_line_lowers_the_fill_rate_once_even_when_the_pick_is_redelivered(shop: Shop) -> None:
    first, second = _orders(shop, 2)
    _pick(first)
    _pick(second, short=1)  # 4 lines picked, 1 short
    deliver_pending()
    assert (_today(shop).lines_picked, _today(shop).lines_short, _today(shop).fill_rate_percent) == (4, 1, 75.0)

    _redeliver("analytics.count_picked_shipment")

    assert (_today(shop).lines_picked, _today(shop).lines_short, _today(shop).fill_rate_percent) == (4, 1, 75.0)


def test_the_days_refunds_are_summed_over_every_channel_against_its_gmv(shop: Shop) -> None:
    first, second = _orders(shop, 2)
    _refund(first, 2_000)
    _refund(first, 1_550, channel="cash")
    _refund(second, 450, channel="upi")
    deliver_pending()

    day = _today(shop)
    gmv = sum(Order.objects.filter(pk__in=[first, second]).values_list("total_paise", flat=True))
    assert (day.gmv_paise, day.refunds, day.refunded_paise) == (gmv, 3, 4_000)
    assert day.refund_rate_percent == round(100 * 4_000 / gmv, 1)
    assert not Delivery.objects.exclude(status="done").exists()


def test_a_redelivered_or_republished_refund_counts_once(shop: Shop) -> None:
    (order_id,) = _orders(shop, 1)
    refund_id = _refund(order_id, 2_000)
    deliver_pending()

    _redeliver("analytics.count_refund")  # the same event again: the bus's inbox
    _refund(order_id, 2_000, refund_id=refund_id)  # the same refund in a new event: the refund's id
    deliver_pending()

    assert (_today(shop).refunds, _today(shop).refunded_paise) == (1, 2_000)
    assert Refund.objects.get().store_id == shop.store_id


def test_a_refund_handled_before_its_orders_confirmation_counts_when_the_store_is_known(shop: Shop) -> None:
    PausedSubscriber.objects.create(subscriber="analytics.count_confirmed_order", reason="test")
    (order_id,) = _orders(shop, 1)
    yesterday = timezone.now() - timedelta(days=1)
    _refund(order_id, 700, channel="bank_transfer", refunded_at=yesterday)
    deliver_pending()
    assert not StoreDay.objects.filter(refunds__gt=0).exists()
    assert Refund.objects.get().store_id is None  # waiting for the order's store

    PausedSubscriber.objects.all().delete()
    deliver_pending()
    _redeliver("analytics.count_confirmed_order")  # the waiting refund is not counted again

    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate(yesterday))
    assert (day.refunds, day.refunded_paise, day.gmv_paise, day.refund_rate_percent) == (1, 700, 0, None)
    assert (_today(shop).refunds, _today(shop).refunded_paise) == (0, 0)  # the order counts today, the refund not


def test_staff_read_the_fill_rate_and_refunds_in_the_api_and_the_admin(shop: Shop, client) -> None:
    from shop.accounts.models import User

    first, second = _orders(shop, 2)
    _pick(first)
    _pick(second, short=1)
    _refund(first, 12_345)
    deliver_pending()
    gmv = _today(shop).gmv_paise

    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory(is_staff=True)).key}")
    (row,) = staff.get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"]
    assert {name: row[name] for name in ("lines_picked", "lines_short", "fill_rate_percent")} == {
        "lines_picked": 4,
        "lines_short": 1,
        "fill_rate_percent": 75.0,
    }
    assert {name: row[name] for name in ("refunds", "refunded_paise", "refund_rate_percent")} == {
        "refunds": 1,
        "refunded_paise": 12_345,
        "refund_rate_percent": round(100 * 12_345 / gmv, 1),
    }

    User.objects.create_superuser("ops@example.in", "a-long-passphrase-1")
    client.login(email="ops@example.in", password="a-long-passphrase-1")
    page = client.get("/admin/analytics/storeday/").content.decode()
    assert "₹123.45" in page
    assert "75.0 %" in page
    assert f"{round(100 * 12_345 / gmv, 1):.1f} %" in page
