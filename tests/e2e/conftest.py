"""A whole shop built the way production builds it: each app's services, joined by events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.events import ProductPublished
from delivery import services as delivery
from delivery.events import FeePolicy, FeeTier
from delivery.models import Slot, Zone
from inventory import services as inventory
from shop.accounts.models import Address, User
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import AddressFactory, UserFactory
from tests.cart.conftest import sku
from tests.delivery.factories import RiderFactory, SlotFactory
from tests.payments.conftest import fake  # noqa: F401 - the fake Razorpay fixture, for prepaid flows

MILK = uuid.UUID("00000000-0000-0000-0000-00000000b001")
ATTA = uuid.UUID("00000000-0000-0000-0000-00000000b002")


@dataclass
class Shop:
    store_id: uuid.UUID
    zone: Zone
    slot: Slot

    def customer(self) -> Customer:
        user = UserFactory()
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
        return Customer(user=user, client=client, address=AddressFactory(user=user, pincode="560038"), shop=self)


@dataclass
class Customer:
    user: User
    client: APIClient
    address: Address
    shop: Shop

    def fill_cart(self, *lines: tuple[uuid.UUID, int]) -> None:
        assert self.client.patch("/api/v1/cart/", {"pincode": "560038"}, format="json").status_code == 200
        for sku_id, quantity in lines:
            response = self.client.post(
                "/api/v1/cart/lines/", {"sku_id": str(sku_id), "quantity": quantity}, format="json"
            )
            assert response.status_code == 201, response.json()

    def checkout(self, method: str = "cod", key: str | None = None) -> str:
        response = self.client.post(
            "/api/v1/checkout/",
            {"address_id": str(self.address.id), "slot_id": str(self.shop.slot.id), "payment_method": method},
            format="json",
            HTTP_IDEMPOTENCY_KEY=key or uuid.uuid4().hex,
        )
        assert response.status_code == 202, response.json()
        return response.json()["order_id"]


def pick(shipment: Any, *, short: dict[uuid.UUID, int] | None = None) -> None:
    """Record the shipment's pick as the store does: every line found in full, except the SKUs
    in `short`, found only that much."""
    from delivery.services.picking import PickInput

    short = short or {}
    delivery.record_pick(
        shipment_id=shipment.id,
        picks=[
            PickInput(line_id=line.id, outcome="short", quantity_picked=short[line.sku_id])
            if line.sku_id in short
            else PickInput(line_id=line.id, outcome="found", quantity_picked=line.quantity)
            for line in shipment.lines.all()
        ],
    )


def build_shop(*, milk_stock: int = 100, slot_capacity: int = 50) -> Shop:
    """Catalog publishes; inventory opens a store and receives stock; delivery serves it."""
    with transaction.atomic():
        for snapshot in (
            sku(MILK, name="Toned Milk 500 ml", price_paise=3000, mrp_paise=3200, max_per_order=10),
            sku(
                ATTA,
                name="Whole Wheat Atta 5 kg",
                price_paise=26000,
                mrp_paise=30000,
                hsn_code="1101",
                max_per_order=10,
            ),
        ):
            publish(
                ProductPublished(
                    product_id=snapshot.product_id, slug=str(snapshot.sku_id), title=snapshot.name, skus=(snapshot,)
                ),
                key=snapshot.product_id,
            )
    deliver_pending()
    store = inventory.create_store(
        code="BLR-IND-1", title="Indiranagar", address="100 Feet Road", city="Bengaluru", pincode="560038"
    )
    expiry = timezone.localdate() + timedelta(days=30)
    if milk_stock:
        inventory.receive_stock(store_id=store.id, sku_id=MILK, quantity=milk_stock, expires_on=expiry, batch_code="M1")
    inventory.receive_stock(store_id=store.id, sku_id=ATTA, quantity=100, expires_on=expiry, batch_code="A1")
    deliver_pending()  # delivery learns the store
    zone = delivery.configure_zone(
        code="indiranagar", title="Indiranagar", store_id=store.id, pincodes=["560038"],
        fee_policy=FeePolicy(min_order_value_paise=0, fee_tiers=(FeeTier(min_cart_value_paise=0, fee_paise=2000),),
                             small_cart_threshold_paise=0, small_cart_fee_paise=0),
    )  # fmt: skip
    RiderFactory(store_id=store.id)
    slot = SlotFactory(zone=zone, capacity=slot_capacity)
    delivery.announce_open_slots()  # as generate_slots does: the cart refuses a slot it never heard of
    deliver_pending()  # the cart learns prices, stock and the zone
    return Shop(store_id=store.id, zone=zone, slot=slot)


@pytest.fixture
def shop(db: None) -> Shop:
    return build_shop()
