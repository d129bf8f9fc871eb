"""A store's world as the cart learns it: through catalog, inventory and delivery events."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from django.db import transaction
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.events import ProductPublished, ProductUpdated, SkuSnapshot
from delivery.events import FeePolicy, FeeTier, ZoneConfigured
from inventory.events import StockLevelChanged
from shop.accounts.models import Address, User
from shop.eventbus import publish
from shop.eventbus.testing import deliver_pending
from tests.accounts.factories import AddressFactory, UserFactory

STORE = uuid.UUID("5e000000-0000-0000-0000-000000000001")
ZONE = uuid.UUID("20000000-0000-0000-0000-000000000001")
MILK = uuid.UUID("00000000-0000-0000-0000-00000000a001")
TOMATO = uuid.UUID("00000000-0000-0000-0000-00000000a002")
GHEE = uuid.UUID("00000000-0000-0000-0000-00000000a003")


def sku(sku_id: uuid.UUID, **overrides) -> SkuSnapshot:
    base = {
        "sku_id": sku_id, "product_id": uuid.uuid4(), "sku_code": f"SKU-{str(sku_id)[-4:]}",
        "name": "Toned Milk 500 ml",
        "sold_by": "unit", "base_unit": "pcs", "step": 1, "pack_label": "500 ml", "price_paise": 3000,
        "mrp_paise": 3200, "max_per_order": 6, "hsn_code": "0401", "gst_rate_bp": 500,
    }  # fmt: skip
    return SkuSnapshot(**{**base, **overrides})


#: The loose tomatoes: sold by weight in steps of 250 g, at most 5 kg per order.
TOMATO_FIELDS = {
    "name": "Tomato (loose)", "sold_by": "weight", "base_unit": "g", "step": 250, "pack_label": "250 g",
    "price_paise": 4000, "mrp_paise": 5000, "max_per_order": 5000, "hsn_code": "0702", "gst_rate_bp": 0,
}  # fmt: skip


def update_sku(snapshot: SkuSnapshot) -> None:
    """Catalog announces a SKU's new state (e.g. a lower max_per_order)."""
    with transaction.atomic():
        publish(
            ProductUpdated(product_id=snapshot.product_id, slug=str(snapshot.sku_id), title=snapshot.name,
                           skus=(snapshot,)),
            key=snapshot.product_id,
        )  # fmt: skip
    deliver_pending()


POLICY = FeePolicy(
    min_order_value_paise=5000,
    fee_tiers=(FeeTier(min_cart_value_paise=0, fee_paise=3000), FeeTier(min_cart_value_paise=50000, fee_paise=0)),
    small_cart_threshold_paise=10000,
    small_cart_fee_paise=1500,
)


def publish_world(*, policy: FeePolicy = POLICY, stock: dict[uuid.UUID, int] | None = None) -> None:
    stock = stock if stock is not None else {MILK: 50, TOMATO: 20000, GHEE: 5}
    with transaction.atomic():
        for sku_id, snapshot in [
            (MILK, sku(MILK)),
            (TOMATO, sku(TOMATO, **TOMATO_FIELDS)),
            (GHEE, sku(GHEE, name="Cow Ghee 1 L", price_paise=65000, mrp_paise=70000, max_per_order=2,
                       hsn_code="0405", gst_rate_bp=1200)),
        ]:  # fmt: skip
            publish(
                ProductPublished(
                    product_id=snapshot.product_id, slug=str(sku_id), title=snapshot.name, skus=(snapshot,)
                ),
                key=snapshot.product_id,
            )
        for sku_id, available in stock.items():
            publish(
                StockLevelChanged(store_id=STORE, sku_id=sku_id, available=available, in_stock=available > 0),
                key=f"{STORE}:{sku_id}",
            )
        publish(
            ZoneConfigured(
                zone_id=ZONE,
                code="BLR-IND",
                title="Indiranagar",
                store_id=STORE,
                pincodes=("560038", "560008"),
                is_active=True,
                fee_policy=policy,
            ),
            key=ZONE,
        )
    deliver_pending()


@dataclass
class Shopper:
    user: User
    client: APIClient
    address: Address


@pytest.fixture
def world(db: None) -> None:
    publish_world()


@pytest.fixture
def shopper(world: None) -> Shopper:
    user = UserFactory()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return Shopper(user=user, client=client, address=AddressFactory(user=user, pincode="560038"))
