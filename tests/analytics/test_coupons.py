"""A store's day counts the orders confirmed with a coupon and the discounts they were given."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from analytics.models import StoreDay
from cart.models import Coupon
from shop.eventbus.testing import deliver_pending
from tests.analytics.test_store_days import _staff_client
from tests.e2e.conftest import ATTA, MILK, Shop

pytestmark = pytest.mark.django_db


def test_the_day_counts_coupon_orders_and_their_discounts(shop: Shop) -> None:
    Coupon.objects.create(
        code="FLAT50", kind="flat", amount_paise=5000, valid_from=timezone.now() - timedelta(days=1),
        valid_until=timezone.now() + timedelta(days=1),
    )  # fmt: skip
    with_coupon, without = shop.customer(), shop.customer()
    with_coupon.fill_cart((ATTA, 1), (MILK, 2))
    assert with_coupon.client.patch("/api/v1/cart/", {"coupon_code": "FLAT50"}, format="json").status_code == 200
    without.fill_cart((MILK, 1))
    with_coupon.checkout("cod")
    without.checkout("cod")
    deliver_pending()

    day = StoreDay.objects.get(store_id=shop.store_id, date=timezone.localdate())
    assert (day.orders_confirmed, day.coupon_orders, day.discount_paise) == (2, 1, 5000)
    # GMV is what customers owe: net of the discount (320.00 - 50.00 + 20.00 fee, and 30.00 + 20.00).
    assert day.gmv_paise == 29000 + 5000
    row = _staff_client().get(f"/api/v1/analytics/store-days/?store_id={shop.store_id}").json()["results"][0]
    assert (row["coupon_orders"], row["coupon_share_percent"], row["discount_paise"]) == (1, 50.0, 5000)
