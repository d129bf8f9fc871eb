"""Addresses: CRUD of one's own, nothing of anybody else's."""

import pytest
from rest_framework.test import APIClient

from shop.accounts.models import Address, User

from .factories import AddressFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/addresses/"
GOOD = {
    "name": "Asha Rao",
    "line1": "Flat 4B, Lakeview Apartments",
    "line2": "100 Feet Road",
    "city": "Bengaluru",
    "state": "Karnataka",
    "pincode": "560038",
}


def test_first_address_becomes_default_and_a_new_default_replaces_it(
    customer_client: APIClient, customer: User
) -> None:
    first = customer_client.post(URL, GOOD, format="json")
    assert first.status_code == 201
    assert first.json()["is_default"] is True

    second = customer_client.post(URL, {**GOOD, "line1": "Office", "is_default": True}, format="json")
    assert second.status_code == 201

    defaults = list(Address.objects.filter(user=customer, is_default=True).values_list("line1", flat=True))
    assert defaults == ["Office"]
    listing = customer_client.get(URL).json()
    assert listing["count"] == 2
    assert listing["results"][0]["line1"] == "Office"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"pincode": "56003"}, "pincode"),
        ({"pincode": "060038"}, "pincode"),
        ({"pincode": "56003A"}, "pincode"),
        ({"state": "Atlantis"}, "state"),
        ({"phone": "123"}, "phone"),
        ({"latitude": "12.97"}, "latitude"),  # latitude without longitude
        ({"latitude": "120", "longitude": "77.6"}, "latitude"),
        ({"line1": ""}, "line1"),
    ],
)
def test_invalid_address_is_400_and_nothing_written(
    customer_client: APIClient, overrides: dict[str, str], field: str
) -> None:
    response = customer_client.post(URL, {**GOOD, **overrides}, format="json")

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert Address.objects.count() == 0


def test_customer_cannot_read_change_or_delete_anothers_address(customer_client: APIClient) -> None:
    other = AddressFactory(user=UserFactory())
    url = f"{URL}{other.id}/"

    assert customer_client.get(url).status_code == 404
    patched = customer_client.patch(url, {"city": "Mysuru"}, format="json")
    assert patched.status_code == 404
    assert patched.json()["error"]["code"] == "not_found"
    assert customer_client.delete(url).status_code == 404
    other.refresh_from_db()
    assert other.city == "Bengaluru"
    assert customer_client.get(URL).json()["count"] == 0


def test_update_and_delete_own_address(customer_client: APIClient, customer: User) -> None:
    home = AddressFactory(user=customer, is_default=True)
    office = AddressFactory(user=customer, line1="Office")

    assert customer_client.patch(f"{URL}{office.id}/", {"is_default": True}, format="json").status_code == 200
    home.refresh_from_db()
    assert not home.is_default

    assert customer_client.delete(f"{URL}{office.id}/").status_code == 204
    home.refresh_from_db()
    assert home.is_default  # the remaining address takes over as default


def test_invalid_update_changes_nothing(customer_client: APIClient, customer: User) -> None:
    home = AddressFactory(user=customer)
    response = customer_client.patch(f"{URL}{home.id}/", {"pincode": "12"}, format="json")
    assert response.status_code == 400
    home.refresh_from_db()
    assert home.pincode == "560038"


def test_addresses_need_authentication(api_client: APIClient) -> None:
    assert api_client.get(URL).status_code == 401


@pytest.mark.parametrize("given", ["KA", "ka", "KARNATAKA", "  karnataka "])
def test_a_state_may_be_given_by_its_code_or_in_any_case(customer_client: APIClient, given: str) -> None:
    response = customer_client.post(URL, {**GOOD, "state": given}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["state"] == "Karnataka"


def test_an_unknown_state_is_refused_with_the_choices(customer_client: APIClient) -> None:
    response = customer_client.post(URL, {**GOOD, "state": "XX"}, format="json")

    (problem,) = response.json()["error"]["fields"]["state"]
    assert problem.startswith('"XX" is not one of: Andaman and Nicobar Islands, Andhra Pradesh,')
    assert problem.endswith(" and 24 more.")
