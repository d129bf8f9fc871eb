"""A store's day: orders confirmed, GMV, average order, COD share, cancellations, deliveries."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics.models import StoreDay
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


def _deliver(order_id: str) -> None:
    shipment = Shipment.objects.get(order_id=order_id)
    picks = [
        PickInput(line_id=line.id, outcome="found", quantity_picked=line.quantity) for line in shipment.lines.all()
    ]
    delivery.record_pick(shipment_id=shipment.id, picks=picks)
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
            "orders_cancelled": 1,
            "cancelled_by_reason": {"customer_cancelled": 1},
            "orders_delivered": 1,
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
