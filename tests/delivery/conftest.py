"""Fixtures of the delivery tests: a served pincode with a slot, riders, clients for each role."""

from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from delivery.models import Rider, Slot, Store, Zone
from shop.accounts.models import User
from tests.accounts.factories import UserFactory

from .factories import RiderFactory, SlotFactory, StoreFactory, ZoneFactory, ZonePincodeFactory


def client_for(user: User) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def store(db: None) -> Store:
    return StoreFactory(pincode="560038")


@pytest.fixture
def zone(store: Store) -> Zone:
    zone = ZoneFactory(code="indiranagar", store_id=store.store_id)
    ZonePincodeFactory(zone=zone, pincode="560038")
    ZonePincodeFactory(zone=zone, pincode="560008")
    return zone


@pytest.fixture
def slot(zone: Zone) -> Slot:
    return SlotFactory(zone=zone, capacity=10)


@pytest.fixture
def rider(store: Store) -> Rider:
    return RiderFactory(store_id=store.store_id, name="Ravi Kumar")


@pytest.fixture
def rider_client(rider: Rider) -> APIClient:
    return client_for(User.objects.get(pk=rider.user_id))


@pytest.fixture
def staff_client(db: None) -> APIClient:
    return client_for(UserFactory(is_staff=True))


@pytest.fixture
def customer_client(db: None) -> APIClient:
    return client_for(UserFactory())
