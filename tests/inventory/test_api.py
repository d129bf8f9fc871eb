"""The staff stock API: staff only, filters, goods receipt and adjustments in the error shape."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from inventory import services
from inventory.models import Movement, Stock
from tests.accounts.factories import UserFactory
from tests.openapi import assert_matches_schema

from .factories import SkuFactory, StoreFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/inventory/stock/"


def client_for(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def staff_client() -> APIClient:
    return client_for(UserFactory(is_staff=True))


def test_customers_and_anonymous_users_are_refused(api_client):
    assert api_client.get(URL).status_code == 401
    response = client_for(UserFactory()).get(URL)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"


def test_staff_list_stock_filtered_by_store_and_low_stock(staff_client, store, stocked):
    milk, bread = stocked(10), stocked(2)
    other = StoreFactory()
    services.receive_stock(store_id=other.id, sku_id=milk.sku_id, quantity=7)
    services.set_low_stock_threshold(store_id=store.id, sku_id=bread.sku_id, threshold=2)

    everything = staff_client.get(URL).json()
    by_code = staff_client.get(URL, {"store": store.code}).json()
    low = staff_client.get(URL, {"store": str(store.id), "low": "1"}).json()

    assert everything["count"] == 3
    assert sorted((row["sku_code"], row["on_hand"]) for row in by_code["results"]) == sorted(
        [(milk.sku_code, 10), (bread.sku_code, 2)]
    )
    assert [
        (r["sku_id"], r["on_hand"], r["reserved"], r["available"], r["in_stock"], r["low_stock_threshold"])
        for r in low["results"]
    ] == [(str(bread.sku_id), 2, 0, 2, True, 2)]


def test_stock_detail_shows_batches(staff_client, store, stocked):
    milk = stocked(10, days=4)
    stock = Stock.objects.get(sku=milk)
    body = staff_client.get(f"{URL}{stock.id}/").json()
    assert [(b["quantity"], b["received_quantity"]) for b in body["batches"]] == [(10, 10)]
    assert staff_client.get(f"{URL}{uuid.uuid4()}/").json()["error"]["code"] == "not_found"


def test_staff_receive_stock(staff_client, store, today):
    sku = SkuFactory()
    response = staff_client.post(
        f"{URL}receive/",
        {
            "store_id": str(store.id),
            "sku_id": str(sku.sku_id),
            "quantity": 12,
            "expires_on": str(today + timedelta(days=3)),
            "batch_code": "GRN-7",
        },
    )
    assert response.status_code == 201
    assert (response.json()["code"], response.json()["quantity"]) == ("GRN-7", 12)
    assert Stock.objects.get(sku=sku).on_hand == 12
    assert Movement.objects.get().user_id is not None


def test_bad_receipts_answer_in_the_error_shape(staff_client, store):
    zero = staff_client.post(f"{URL}receive/", {"store_id": str(store.id), "sku_id": str(uuid.uuid4()), "quantity": 0})
    ghost_id = uuid.uuid4()
    ghost = staff_client.post(f"{URL}receive/", {"store_id": str(store.id), "sku_id": str(ghost_id), "quantity": 1})

    assert zero.status_code == 400
    assert zero.json()["error"]["fields"] == {"quantity": ["Ensure this value is greater than or equal to 1."]}
    assert ghost.status_code == 400
    assert ghost.json()["error"] == {
        "code": "unknown_sku",
        "message": f"Unknown SKU: {ghost_id}.",
        "fields": {"sku_id": [str(ghost_id)]},
    }
    assert not Stock.objects.exists()


def test_staff_adjust_stock_and_a_conflict_is_409(staff_client, store, stocked):
    milk = stocked(5)
    body = {"store_id": str(store.id), "sku_id": str(milk.sku_id), "delta": -2, "reason": "damaged"}

    ok = staff_client.post(f"{URL}adjust/", body)
    too_much = staff_client.post(f"{URL}adjust/", {**body, "delta": -4})

    assert ok.status_code == 200
    assert (ok.json()["on_hand"], ok.json()["available"]) == (3, 3)
    assert too_much.status_code == 409
    assert too_much.json()["error"]["code"] == "stock_conflict"


@pytest.mark.parametrize("quantity", [4_294_967_396, 10**12, 1_000_001])
def test_a_receipt_too_big_for_the_counts_is_a_400_and_writes_nothing(staff_client, store, stocked, quantity):
    milk = stocked(5)
    body = {"store_id": str(store.id), "sku_id": str(milk.sku_id), "quantity": quantity}

    response = staff_client.post(f"{URL}receive/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"quantity": ["Ensure this value is less than or equal to 1000000."]}
    assert Stock.objects.get(sku=milk).on_hand == 5
    assert Movement.objects.filter(sku_id=milk.sku_id).count() == 1


def test_the_largest_receipt_is_booked_whole(staff_client, store, stocked):
    milk = stocked(5)
    body = {"store_id": str(store.id), "sku_id": str(milk.sku_id), "quantity": services.MAX_QUANTITY_PER_MOVE}

    assert staff_client.post(f"{URL}receive/", body, format="json").status_code == 201
    assert Stock.objects.get(sku=milk).on_hand == 1_000_005


@pytest.mark.parametrize(
    ("delta", "message"),
    [
        (4_294_967_303, "Ensure this value is less than or equal to 1000000."),
        (-4_294_967_303, "Ensure this value is greater than or equal to -1000000."),
    ],
)
def test_an_adjustment_too_big_for_the_counts_is_a_400_and_writes_nothing(staff_client, store, stocked, delta, message):
    milk = stocked(5)
    body = {"store_id": str(store.id), "sku_id": str(milk.sku_id), "delta": delta, "reason": "found"}

    response = staff_client.post(f"{URL}adjust/", body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"delta": [message]}
    assert Stock.objects.get(sku=milk).on_hand == 5
    assert Movement.objects.filter(sku_id=milk.sku_id).count() == 1


def test_the_stock_list_answers_the_page_the_schema_documents(staff_client, store, stocked):
    """The schema promised a bare list; the answer is a page (found by fuzzing with schemathesis)."""
    stocked(5)

    body = staff_client.get(URL).json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    assert_matches_schema(body, URL)
