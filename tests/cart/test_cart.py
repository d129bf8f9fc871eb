"""The cart: lines in steps, priced at the store from its projections, problems flagged."""

import uuid

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from catalog.events import PriceChanged, ProductDiscontinued
from inventory.events import StockLevelChanged
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending

from .conftest import GHEE, MILK, STORE, TOMATO, TOMATO_FIELDS, Shopper, sku, update_sku

pytestmark = pytest.mark.django_db


def _add(client: APIClient, sku_id: uuid.UUID, quantity: int, **extra):
    return client.post("/api/v1/cart/lines/", {"sku_id": str(sku_id), "quantity": quantity, **extra}, format="json")


def test_cart_is_priced_with_gst_included_savings_and_fees(shopper: Shopper) -> None:
    client = shopper.client
    assert client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json").status_code == 200
    _add(client, MILK, 2)
    cart = _add(client, TOMATO, 750).json()

    assert [(line["name"], line["quantity"], line["line_total_paise"]) for line in cart["lines"]] == [
        ("Toned Milk 500 ml", 2, 6000),
        ("Tomato (loose)", 750, 3000),
    ]
    assert cart["subtotal_paise"] == 9000
    # 286 in the milk (6000 x 5/105), none in tomatoes; the fees are a service at 18 %:
    # 458 in the delivery fee (3000 x 18/118), 229 in the small-cart fee (1500 x 18/118)
    assert cart["tax_included_paise"] == 286 + 458 + 229
    assert cart["savings_paise"] == 400 + 750
    assert cart["delivery_fee_paise"] == 3000
    assert cart["small_cart_fee_paise"] == 1500  # under Rs 100
    assert cart["total_paise"] == 9000 + 3000 + 1500
    assert cart["can_check_out"] is True


def test_an_empty_cart_pays_no_fees(shopper: Shopper) -> None:
    cart = shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json").json()
    assert (cart["delivery_fee_paise"], cart["small_cart_fee_paise"], cart["total_paise"]) == (0, 0, 0)
    assert cart["can_check_out"] is False


def test_free_delivery_above_the_tier(shopper: Shopper) -> None:
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    cart = _add(shopper.client, GHEE, 1).json()
    assert (cart["subtotal_paise"], cart["delivery_fee_paise"], cart["small_cart_fee_paise"]) == (65000, 0, 0)
    assert cart["tax_included_paise"] == 6964  # 65000 x 12/112


@pytest.mark.parametrize(
    ("sku_id", "quantity", "field", "code"),
    [
        (TOMATO, 300, "quantity", "invalid_request"),  # not a multiple of 250 g
        (GHEE, 3, "quantity", "invalid_request"),  # max 2 per order
        (uuid.uuid4(), 1, "sku_id", "unknown_sku"),
    ],
)
def test_bad_lines_are_refused_with_a_reason_and_nothing_added(shopper: Shopper, sku_id, quantity, field, code) -> None:
    response = _add(shopper.client, sku_id, quantity)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert field in response.json()["error"]["fields"]
    assert shopper.client.get("/api/v1/cart/").json()["lines"] == []


def test_adding_again_adds_up_within_the_limit(shopper: Shopper) -> None:
    _add(shopper.client, GHEE, 1)
    assert _add(shopper.client, GHEE, 1).json()["lines"][0]["quantity"] == 2
    assert _add(shopper.client, GHEE, 1).status_code == 400


def test_a_specific_replacement_needs_its_sku_and_another_pack_of_the_item(shopper: Shopper) -> None:
    assert _add(shopper.client, MILK, 1, replacement="specific").status_code == 400
    ghee_for_milk = _add(shopper.client, MILK, 1, replacement="specific", replacement_sku_id=str(GHEE))
    assert (ghee_for_milk.status_code, ghee_for_milk.json()["error"]["code"]) == (400, "replacement_not_allowed")
    assert shopper.client.get("/api/v1/cart/").json()["lines"] == []


def test_unserviceable_pincode_is_refused(shopper: Shopper) -> None:
    response = shopper.client.patch("/api/v1/cart/", {"pincode": "110001"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_serviceable"
    assert shopper.client.patch("/api/v1/cart/", {"pincode": "56003"}, format="json").status_code == 400


def test_stale_and_unavailable_lines_are_flagged_never_dropped(shopper: Shopper) -> None:
    client = shopper.client
    client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    _add(client, MILK, 4)
    _add(client, GHEE, 1)
    with transaction.atomic():
        publish(StockLevelChanged(store_id=STORE, sku_id=MILK, available=3, in_stock=True), key=f"{STORE}:{MILK}")
        publish(ProductDiscontinued(product_id=uuid.uuid4(), sku_ids=(GHEE,)), key="ghee")
    deliver_pending()

    cart = client.get("/api/v1/cart/").json()
    assert {line["name"]: line["problems"] for line in cart["lines"]} == {
        "Toned Milk 500 ml": ["Only 3 left at your store."],
        "Cow Ghee 1 L": ["This item is no longer sold."],
    }
    assert cart["can_check_out"] is False
    assert next(line for line in cart["lines"] if line["name"] == "Toned Milk 500 ml")["max_quantity"] == 3


def test_a_store_price_override_applies_to_that_stores_carts(shopper: Shopper) -> None:
    with transaction.atomic():
        publish(
            PriceChanged(sku_id=MILK, product_id=uuid.uuid4(), store_id=STORE, price_paise=2800, mrp_paise=3200),
            key=MILK,
        )
    deliver_pending()
    shopper.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    assert _add(shopper.client, MILK, 1).json()["lines"][0]["unit_price_paise"] == 2800


def test_a_visitors_cart_is_merged_into_the_customers_on_login(world: None) -> None:
    from tests.accounts.factories import PASSWORD, UserFactory

    user = UserFactory(email="ravi@example.in")
    client = APIClient()
    _add(client, MILK, 2)
    _add(client, TOMATO, 500)
    assert client.get("/api/v1/cart/").json()["lines"][0]["quantity"] == 2

    client.post("/api/v1/auth/login/", {"email": "ravi@example.in", "password": PASSWORD}, format="json")
    cart = client.get("/api/v1/cart/").json()

    assert sorted((line["name"], line["quantity"]) for line in cart["lines"]) == [
        ("Tomato (loose)", 500),
        ("Toned Milk 500 ml", 2),
    ]
    from cart.models import Cart

    assert Cart.objects.get().customer_id == user.id  # the visitor's cart is gone


@pytest.mark.parametrize(("visitor_pincode", "expected"), [("560038", "560038"), (None, "560008")])
def test_on_login_the_pincode_the_visitor_just_chose_wins(world: None, visitor_pincode, expected) -> None:
    """The customer's cart remembers 560008 from an earlier visit; on a new device they
    choose where to deliver before logging in: that choice is the cart's after login."""
    from tests.accounts.factories import PASSWORD, UserFactory

    UserFactory(email="asha@example.in")
    earlier = APIClient()
    earlier.post("/api/v1/auth/login/", {"email": "asha@example.in", "password": PASSWORD}, format="json")
    assert earlier.patch("/api/v1/cart/", {"pincode": "560008"}, format="json").json()["pincode"] == "560008"

    client = APIClient()
    if visitor_pincode:
        assert client.patch("/api/v1/cart/", {"pincode": visitor_pincode}, format="json").status_code == 200
    _add(client, MILK, 1)
    client.post("/api/v1/auth/login/", {"email": "asha@example.in", "password": PASSWORD}, format="json")

    cart = client.get("/api/v1/cart/").json()
    assert (cart["pincode"], [line["quantity"] for line in cart["lines"]]) == (expected, [1])


def test_line_of_another_cart_is_404(shopper: Shopper) -> None:
    other = APIClient()
    line_id = _add(other, MILK, 1).json()["lines"][0]["id"]
    assert shopper.client.delete(f"/api/v1/cart/lines/{line_id}/").status_code == 404


def test_problems_of_a_weight_sku_say_grams_or_kilograms(shopper: Shopper) -> None:
    client = shopper.client
    client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    _add(client, TOMATO, 2000)
    _add(client, MILK, 4)
    with transaction.atomic():
        publish(StockLevelChanged(store_id=STORE, sku_id=TOMATO, available=750, in_stock=True), key=f"{STORE}:{TOMATO}")
        publish(StockLevelChanged(store_id=STORE, sku_id=MILK, available=3, in_stock=True), key=f"{STORE}:{MILK}")
    deliver_pending()
    update_sku(sku(TOMATO, **{**TOMATO_FIELDS, "max_per_order": 1000}))
    update_sku(sku(MILK, max_per_order=2))

    cart = client.get("/api/v1/cart/").json()
    assert {line["name"]: line["problems"] for line in cart["lines"]} == {
        "Tomato (loose)": ["At most 1 kg per order.", "Only 750 g left at your store."],
        "Toned Milk 500 ml": ["At most 2 per order.", "Only 3 left at your store."],  # packs stay counts
    }
    # The most each line may hold now, as a number for clients: the lower of the two limits.
    assert {line["name"]: line["max_quantity"] for line in cart["lines"]} == {
        "Tomato (loose)": 750,
        "Toned Milk 500 ml": 2,
    }


def test_merging_at_login_caps_a_line_at_the_most_per_order_in_its_steps_and_says_so(world: None) -> None:
    """The customer's cart already holds the most of the ghee one order may have; the
    visitor's cart adds as much again. The merged line stays orderable, at the limit."""
    from tests.accounts.factories import PASSWORD, UserFactory

    UserFactory(email="meera@example.in")
    earlier = APIClient()
    earlier.post("/api/v1/auth/login/", {"email": "meera@example.in", "password": PASSWORD}, format="json")
    earlier.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    _add(earlier, GHEE, 2)
    _add(earlier, TOMATO, 750)
    _add(earlier, MILK, 1)
    client = APIClient()
    _add(client, GHEE, 2)
    _add(client, TOMATO, 500)
    _add(client, MILK, 1)
    update_sku(sku(TOMATO, **{**TOMATO_FIELDS, "max_per_order": 1100}))  # 1000 g in steps of 250 g

    client.post("/api/v1/auth/login/", {"email": "meera@example.in", "password": PASSWORD}, format="json")
    merged = client.get("/api/v1/cart/").json()

    assert {line["name"]: (line["quantity"], line["orderable"], line["problems"]) for line in merged["lines"]} == {
        "Cow Ghee 1 L": (
            2,
            True,
            ["You had 2 in your cart and added 2 before logging in: we kept 2, the most per order."],
        ),
        "Tomato (loose)": (
            1000,
            True,
            ["You had 750 g in your cart and added 500 g before logging in: we kept 1 kg, the most per order."],
        ),
        "Toned Milk 500 ml": (2, True, []),
    }
    assert merged["can_check_out"] is True
    again = client.get("/api/v1/cart/").json()  # told once; the lines stay as merged
    assert [(line["quantity"], line["problems"]) for line in again["lines"]] == [(2, []), (1000, []), (2, [])]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"replacement_sku_id": str(GHEE)}, "replacement"),  # no preference: refused, not ignored
        ({"replacement": "specific", "replacement_sku_id": str(MILK)}, "replacement_sku_id"),  # itself
    ],
)
def test_a_replacement_that_cannot_be_meant_is_refused_and_the_line_kept(shopper: Shopper, body, field) -> None:
    line_id = _add(shopper.client, MILK, 1).json()["lines"][0]["id"]

    response = shopper.client.patch(f"/api/v1/cart/lines/{line_id}/", body, format="json")

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == [field]
    [line] = shopper.client.get("/api/v1/cart/").json()["lines"]
    assert (line["replacement"], line["replacement_sku_id"]) == ("best_match", None)


def test_a_line_cannot_be_added_as_its_own_replacement(shopper: Shopper) -> None:
    response = _add(shopper.client, MILK, 1, replacement="specific", replacement_sku_id=str(MILK))
    assert (response.status_code, list(response.json()["error"]["fields"])) == (400, ["replacement_sku_id"])
    assert shopper.client.get("/api/v1/cart/").json()["lines"] == []


def test_a_line_cannot_name_another_item_to_replace_it(shopper: Shopper) -> None:
    line_id = _add(shopper.client, MILK, 1).json()["lines"][0]["id"]
    body = {"replacement": "specific", "replacement_sku_id": str(GHEE)}
    refused = shopper.client.patch(f"/api/v1/cart/lines/{line_id}/", body, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, "replacement_not_allowed")
    [line] = shopper.client.get("/api/v1/cart/").json()["lines"]
    assert (line["replacement"], line["replacement_sku_id"]) == ("best_match", None)


def test_under_the_minimum_order_the_cart_says_how_much_is_missing(shopper: Shopper) -> None:
    client = shopper.client
    client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json")
    cart = _add(client, MILK, 1).json()  # 30.00 of a 50.00 minimum

    assert cart["min_order_shortfall_paise"] == 2000
    assert cart["problems"] == ["Add ₹20.00 more to order (the minimum order here is ₹50.00)."]
    assert cart["can_check_out"] is False
    more = client.patch(f"/api/v1/cart/lines/{cart['lines'][0]['id']}/", {"quantity": 2}, format="json").json()
    assert (more["min_order_shortfall_paise"], more["problems"]) == (0, [])
