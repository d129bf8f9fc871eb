"""Checkout: once per Idempotency-Key, prices frozen, the order follows through the bus."""

import threading
import uuid

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from cart.events import CheckoutSubmitted
from cart.models import Cart, Checkout
from orders.models import Order
from shop.eventbus.models import Event as EventRecord
from shop.eventbus.testing import captured_events, deliver_pending

from .conftest import GHEE, MILK, Shopper, publish_world

SLOT = uuid.UUID("51000000-0000-0000-0000-000000000001")


def _fill(shopper: Shopper) -> None:
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 2}, format="json")
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(GHEE), "quantity": 1}, format="json")


def _checkout(client: APIClient, key: str | None = "key-1", **body):
    payload = {"slot_id": str(SLOT), "payment_method": "cod", **body}
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post("/api/v1/checkout/", payload, format="json", **headers)


@pytest.mark.django_db
def test_checkout_answers_202_publishes_the_frozen_cart_and_empties_it(shopper: Shopper) -> None:
    _fill(shopper)
    with captured_events() as published:
        response = _checkout(shopper.client, address_id=str(shopper.address.id))

    assert response.status_code == 202
    order_id = response.json()["order_id"]
    assert response.json()["status_url"] == f"/api/v1/orders/{order_id}/"
    [submitted] = published
    assert isinstance(submitted, CheckoutSubmitted)
    assert str(submitted.order_id) == order_id
    assert submitted.total_paise == 6000 + 65000
    assert [(line.sku_id, line.quantity, line.unit_price_paise) for line in submitted.lines] == [
        (MILK, 2, 3000),
        (GHEE, 1, 65000),
    ]
    assert submitted.address.pincode == "560038"
    assert shopper.client.get("/api/v1/cart/").json()["lines"] == []

    deliver_pending()  # orders takes it from here (and delivery refuses this made-up slot)
    order = Order.objects.get(pk=order_id)
    assert (order.total_paise, order.customer_id) == (71000, shopper.user.id)
    assert order.transitions.first().to_status == "pending"
    detail = shopper.client.get(f"/api/v1/orders/{order_id}/").json()
    assert detail["totals"]["total_paise"] == 71000


@pytest.mark.django_db
def test_the_same_key_and_body_gives_the_same_answer_and_one_order(shopper: Shopper) -> None:
    _fill(shopper)
    first = _checkout(shopper.client, address_id=str(shopper.address.id))
    again = _checkout(shopper.client, address_id=str(shopper.address.id))

    assert again.status_code == 202
    assert again.json() == first.json()
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422(shopper: Shopper) -> None:
    _fill(shopper)
    _checkout(shopper.client, address_id=str(shopper.address.id))
    response = _checkout(shopper.client, address_id=str(shopper.address.id), payment_method="razorpay")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "body", "status", "code"),
    [
        (None, {}, 400, "idempotency_key_required"),
        ("k", {"payment_method": "upi-later"}, 400, "validation_error"),
        ("k", {"address_id": "not-a-uuid"}, 400, "validation_error"),
        ("k", {"address_id": str(uuid.uuid4())}, 400, "unknown_address"),
    ],
)
def test_bad_checkouts_are_refused_and_write_nothing(shopper: Shopper, key, body, status, code) -> None:
    _fill(shopper)
    response = _checkout(shopper.client, key=key, **{"address_id": str(shopper.address.id), **body})
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert Checkout.objects.count() == 0
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 0
    assert len(shopper.client.get("/api/v1/cart/").json()["lines"]) == 2


@pytest.mark.django_db
def test_an_empty_cart_or_an_unorderable_one_cannot_check_out(shopper: Shopper) -> None:
    assert _checkout(shopper.client, address_id=str(shopper.address.id)).json()["error"]["code"] == "empty_cart"
    shopper.client.post("/api/v1/cart/lines/", {"sku_id": str(MILK), "quantity": 1}, format="json")  # under the minimum
    response = _checkout(shopper.client, key="k2", address_id=str(shopper.address.id))
    assert response.status_code == 409
    assert "minimum order" in response.json()["error"]["message"]


@pytest.mark.django_db
def test_checkout_requires_login() -> None:
    assert _checkout(APIClient(), address_id=str(uuid.uuid4())).status_code == 401


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_with_one_key_make_one_order() -> None:
    from tests.accounts.factories import AddressFactory, UserFactory

    publish_world()
    user = UserFactory()
    address = AddressFactory(user=user, pincode="560038")
    token = Token.objects.create(user=user).key
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    _fill(Shopper(user=user, client=client, address=address))

    answers: list[tuple[int, str]] = []
    barrier = threading.Barrier(4)

    def submit() -> None:
        c = APIClient()
        c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        barrier.wait()
        try:
            r = _checkout(c, key="same-key", address_id=str(address.id))
            answers.append((r.status_code, r.json().get("order_id", r.json().get("error", {}).get("code"))))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert len(answers) == 4
    assert {code for code, _ in answers} == {202}
    assert len({order_id for _, order_id in answers}) == 1
    assert EventRecord.objects.filter(name="cart.checkout_submitted.v1").count() == 1
    assert Cart.objects.get(customer_id=user.id).lines.count() == 0
