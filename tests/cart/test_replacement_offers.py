"""Checkout freezes, with each line, what the picker may put in its place if it is short."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from cart.events import CheckoutSubmitted
from cart.models import CartLine
from catalog.events import PriceChanged, ProductPublished
from inventory.events import StockLevelChanged
from shop.eventbus import publish
from shop.eventbus.testing import captured_events, deliver_pending

from .conftest import MILK, STORE, TOMATO, Shopper, sku
from .test_checkout import _checkout, _fill

pytestmark = pytest.mark.django_db

CURD = uuid.UUID("00000000-0000-0000-0000-00000000c000")
CURD_400 = uuid.UUID("00000000-0000-0000-0000-00000000c400")
CURD_200 = uuid.UUID("00000000-0000-0000-0000-00000000c200")
CURD_1K = uuid.UUID("00000000-0000-0000-0000-00000000c999")
CURD_100 = uuid.UUID("00000000-0000-0000-0000-00000000c100")
CURD_LOOSE = uuid.UUID("00000000-0000-0000-0000-00000000c0ff")


def _publish_curd(*, stock: dict[uuid.UUID, int]) -> None:
    """One product in five packs (one sold loose by weight), each with its stock at the store."""
    packs = (
        sku(CURD_400, product_id=CURD, name="Curd 400 g", price_paise=4500, mrp_paise=5000, hsn_code="0403"),
        sku(CURD_200, product_id=CURD, name="Curd 200 g", price_paise=2500, mrp_paise=2600, hsn_code="0403"),
        sku(CURD_1K, product_id=CURD, name="Curd 1 kg", price_paise=9900, mrp_paise=11000, hsn_code="0403"),
        sku(CURD_100, product_id=CURD, name="Curd 100 g", price_paise=1200, mrp_paise=1200, hsn_code="0403"),
        sku(
            CURD_LOOSE, product_id=CURD, name="Curd (loose)", sold_by="weight", base_unit="g", step=100,
            pack_label="100 g", price_paise=4400, mrp_paise=4400, max_per_order=2000, hsn_code="0403",
        ),
    )  # fmt: skip
    with transaction.atomic():
        publish(ProductPublished(product_id=CURD, slug="curd", title="Curd", skus=packs), key=CURD)
        for sku_id, available in stock.items():
            publish(
                StockLevelChanged(store_id=STORE, sku_id=sku_id, available=available, in_stock=available > 0),
                key=f"{STORE}:{sku_id}",
            )
    deliver_pending()


def _store_price(sku_id: uuid.UUID, price_paise: int) -> None:
    with transaction.atomic():
        publish(
            PriceChanged(sku_id=sku_id, product_id=CURD, store_id=STORE, price_paise=price_paise, mrp_paise=11000),
            key=sku_id,
        )
    deliver_pending()


def _submitted(shopper: Shopper) -> CheckoutSubmitted:
    with captured_events() as published:
        response = _checkout(shopper.client, key=str(uuid.uuid4()), address_id=str(shopper.address.id))
    assert response.status_code == 202, response.content
    (submitted,) = [event for event in published if isinstance(event, CheckoutSubmitted)]
    return submitted


def _line(submitted: CheckoutSubmitted, sku_id: uuid.UUID):
    return next(line for line in submitted.lines if line.sku_id == sku_id)


def _add(shopper: Shopper, sku_id: uuid.UUID, quantity: int, **preference) -> None:
    response = shopper.client.post(
        "/api/v1/cart/lines/", {"sku_id": str(sku_id), "quantity": quantity, **preference}, format="json"
    )
    assert response.status_code in (200, 201), response.content


def test_best_match_is_the_same_products_pack_nearest_in_price_that_the_store_has(shopper: Shopper) -> None:
    # 200 g (Rs 25) is nearest to 400 g (Rs 45) of those in stock; 1 kg is out of stock here.
    _publish_curd(stock={CURD_400: 10, CURD_200: 4, CURD_1K: 0, CURD_100: 9, CURD_LOOSE: 5000})
    _fill(shopper)
    _add(shopper, CURD_400, 2)

    offer = _line(_submitted(shopper), CURD_400).replacement_offer

    assert offer is not None
    assert (offer.sku_id, offer.name, offer.unit_price_paise, offer.mrp_paise) == (CURD_200, "Curd 200 g", 2500, 2600)
    assert (offer.gst_rate_bp, offer.hsn_code) == (500, "0403")


def test_the_stores_own_price_decides_the_match_and_is_the_price_frozen(shopper: Shopper) -> None:
    _publish_curd(stock={CURD_400: 10, CURD_200: 4, CURD_1K: 3, CURD_100: 9})
    _store_price(CURD_1K, 4700)  # on offer at this store: now the nearest to Rs 45
    _fill(shopper)
    _add(shopper, CURD_400, 1)

    offer = _line(_submitted(shopper), CURD_400).replacement_offer

    assert offer is not None
    assert (offer.sku_id, offer.unit_price_paise) == (CURD_1K, 4700)


def test_a_named_replacement_must_be_another_pack_of_the_same_item(shopper: Shopper) -> None:
    # Picking charges a replacement at most the line's own price: naming any item (ghee for
    # curd) would sell it at the curd's price, so only the product's other packs may be named.
    _publish_curd(stock={CURD_400: 10, CURD_200: 4, CURD_LOOSE: 5000})
    _fill(shopper)
    other_product = shopper.client.post(
        "/api/v1/cart/lines/",
        {"sku_id": str(CURD_400), "quantity": 1, "replacement": "specific", "replacement_sku_id": str(MILK)},
        format="json",
    )
    sold_another_way = shopper.client.post(
        "/api/v1/cart/lines/",
        {"sku_id": str(CURD_200), "quantity": 1, "replacement": "specific", "replacement_sku_id": str(CURD_LOOSE)},
        format="json",
    )
    for refused in (other_product, sold_another_way):
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "replacement_not_allowed"
        assert list(refused.json()["error"]["fields"]) == ["replacement_sku_id"]
    assert {line["sku_id"] for line in shopper.client.get("/api/v1/cart/").json()["lines"]}.isdisjoint(
        {str(CURD_400), str(CURD_200)}
    )  # nothing half-written

    # A line that named another item before the rule is offered nothing at checkout.
    _add(shopper, CURD_400, 1)
    CartLine.objects.filter(sku_id=CURD_400).update(replacement="specific", replacement_sku_id=MILK)
    assert _line(_submitted(shopper), CURD_400).replacement_offer is None


def test_refund_or_nothing_that_fits_offers_nothing(shopper: Shopper) -> None:
    # Milk has no other pack; the 400 g curd asked for a refund; loose tomatoes (by weight) have
    # no other SKU: nothing offered.
    _publish_curd(stock={CURD_400: 10, CURD_200: 4, CURD_LOOSE: 5000})
    _fill(shopper)  # milk and ghee, each the only pack of its product
    _add(shopper, CURD_400, 1, replacement="refund")
    _add(shopper, TOMATO, 500)

    submitted = _submitted(shopper)

    assert {line.sku_id: line.replacement_offer for line in submitted.lines} == {
        MILK: None,
        CURD_400: None,
        TOMATO: None,
        next(line.sku_id for line in submitted.lines if line.name == "Cow Ghee 1 L"): None,
    }


def test_the_order_keeps_the_offer_and_the_pick_list_gets_it(shopper: Shopper) -> None:
    from orders.models import OrderLine

    _publish_curd(stock={CURD_400: 10, CURD_200: 4})
    _fill(shopper)
    _add(shopper, CURD_400, 2)

    submitted = _submitted(shopper)
    deliver_pending()

    line = OrderLine.objects.get(order_id=submitted.order_id, sku_id=CURD_400)
    assert (line.offer_sku_id, line.offer_name, line.offer_unit_price_paise) == (CURD_200, "Curd 200 g", 2500)
    assert (line.offer_mrp_paise, line.offer_gst_rate_bp, line.offer_hsn_code) == (2600, 500, "0403")


def test_the_cart_shows_what_would_be_brought_in_a_lines_place(shopper: Shopper) -> None:
    _publish_curd(stock={CURD_400: 10, CURD_200: 4})
    _fill(shopper)
    _add(shopper, CURD_400, 1)

    lines = {line["sku_id"]: line for line in shopper.client.get("/api/v1/cart/").json()["lines"]}

    assert lines[str(CURD_400)]["replacement_offer"] == {
        "sku_id": str(CURD_200),
        "name": "Curd 200 g",
        "unit_price_paise": 2500,
    }
    assert lines[str(MILK)]["replacement_offer"] is None  # no other pack: it would be refunded

    changed = shopper.client.patch(
        f"/api/v1/cart/lines/{lines[str(CURD_400)]['id']}/", {"replacement": "refund"}, format="json"
    )
    after = {line["sku_id"]: line for line in changed.json()["lines"]}
    assert after[str(CURD_400)]["replacement_offer"] is None


def test_the_cart_lists_the_other_packs_a_customer_may_name_and_takes_one(shopper: Shopper) -> None:
    _publish_curd(stock={CURD_400: 10, CURD_200: 4, CURD_1K: 0, CURD_100: 9, CURD_LOOSE: 5000})
    _fill(shopper)
    _add(shopper, CURD_400, 1, replacement="refund")

    line = next(x for x in shopper.client.get("/api/v1/cart/").json()["lines"] if x["sku_id"] == str(CURD_400))
    # In stock at the store, sold the same way (not the loose curd), cheapest first; listed
    # whatever the preference, so the customer can change their mind.
    assert [(c["name"], c["unit_price_paise"]) for c in line["replacement_choices"]] == [
        ("Curd 100 g", 1200),
        ("Curd 200 g", 2500),
    ]
    changed = shopper.client.patch(
        f"/api/v1/cart/lines/{line['id']}/",
        {"replacement": "specific", "replacement_sku_id": str(CURD_100)},
        format="json",
    )
    after = next(x for x in changed.json()["lines"] if x["sku_id"] == str(CURD_400))
    assert (after["replacement"], after["replacement_offer"]["name"]) == ("specific", "Curd 100 g")
    assert _line(_submitted(shopper), CURD_400).replacement_offer.sku_id == CURD_100
