"""The events the inventory app publishes: its public contract (pure data, no Django)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field

from shop.events import Event, Pincode, Quantity, Value


class StoreUpdated(Event):
    """A dark store was opened or changed; its full current state."""

    name: ClassVar[str] = "inventory.store_updated.v1"
    store_id: UUID
    code: str
    title: str
    address: str
    city: str
    pincode: Pincode
    is_open: bool
    latitude: float | None = None
    longitude: float | None = None


class StockLevelChanged(Event):
    """What a store can sell of a SKU changed (for the catalog's and the cart's availability)."""

    name: ClassVar[str] = "inventory.stock_level_changed.v1"
    store_id: UUID
    sku_id: UUID
    available: int = Field(ge=0, description="Sellable quantity in the SKU's base unit")
    in_stock: bool


class StockLine(Value):
    """A quantity of one SKU, in the SKU's base unit."""

    sku_id: UUID
    quantity: Quantity


class Shortfall(Value):
    """One SKU an order asked for that the store could not hold."""

    sku_id: UUID
    requested: Quantity = Field(description="Sum of the order's lines for this SKU, in base units")
    available: int = Field(ge=0, description="What the store could sell at that moment")
    missing: Quantity = Field(description="requested - available")


class BatchPick(Value):
    """How much of one batch a committed line consumed (first expiry first out)."""

    batch_id: UUID
    batch_code: str
    expires_on: date | None
    quantity: Quantity


class CommittedLine(Value):
    """A SKU at picking (reserved, or taken as a replacement): what was held, what left the shelf,
    which batches it came from."""

    sku_id: UUID
    reserved: int = Field(strict=True, ge=0, description="What the order held; 0 for a SKU taken only as a replacement")
    picked: int = Field(
        ge=0,
        description="What left the shelf, `replaced` included; above `reserved` when produce was weighed heavier "
        "than ordered or the SKU replaced a short line (taken from unreserved sellable stock, as far as there was any)",
    )
    batches: tuple[BatchPick, ...] = ()
    # Added with replacements at picking (0 in events published before).
    replaced: int = Field(
        default=0,
        ge=0,
        description="Of `picked`, what went in a short line's place as its replacement (from unreserved stock)",
    )


class StockReserved(Event):
    """Every line of an order is held at the store until `expires_at` (all or nothing)."""

    name: ClassVar[str] = "inventory.stock_reserved.v1"
    reservation_id: UUID
    order_id: UUID
    store_id: UUID
    lines: tuple[StockLine, ...] = Field(description="One per SKU, duplicates of the order summed")
    expires_at: datetime


class StockReservationFailed(Event):
    """The store could not hold an order's lines; nothing was reserved."""

    name: ClassVar[str] = "inventory.stock_reservation_failed.v1"
    order_id: UUID
    store_id: UUID
    reason: Literal["insufficient_stock", "store_closed"]
    lines: tuple[StockLine, ...] = Field(default=(), description="What was asked, one per SKU (duplicates summed)")
    shortfalls: tuple[Shortfall, ...] = Field(
        default=(), description="The SKUs that could not be held, and by how much"
    )


class StockReleased(Event):
    """An order's held stock went back on sale (cancelled, expired, or the unpicked rest)."""

    name: ClassVar[str] = "inventory.stock_released.v1"
    reservation_id: UUID
    order_id: UUID
    store_id: UUID
    reason: Literal["cancelled", "expired"]
    lines: tuple[StockLine, ...]


class StockCommitted(Event):
    """An order was picked: picked quantities left the shelf, the unpicked rest was released."""

    name: ClassVar[str] = "inventory.stock_committed.v1"
    reservation_id: UUID
    order_id: UUID
    store_id: UUID
    lines: tuple[CommittedLine, ...]


class StockLow(Event):
    """A store's sellable quantity of a SKU fell to or below its low-stock threshold."""

    name: ClassVar[str] = "inventory.stock_low.v1"
    store_id: UUID
    sku_id: UUID
    available: int = Field(ge=0)
    threshold: int = Field(gt=0)
    # What staff read in the alert (added later: empty in events published before).
    stock_id: UUID | None = None
    sku_code: str = ""
    sku_name: str = ""
    base_unit: str = ""  # "pcs" or "g": what `available` and `threshold` count
    store_code: str = ""
    store_title: str = ""


class BatchExpired(Event):
    """A batch passed its expiry date and its remaining quantity was written off."""

    name: ClassVar[str] = "inventory.batch_expired.v1"
    store_id: UUID
    sku_id: UUID
    batch_id: UUID
    batch_code: str
    expires_on: date
    written_off: int = Field(ge=0, description="Base units written off")


class NearExpiryBatch(Value):
    """One batch still on the shelf that expires soon."""

    batch_id: UUID
    stock_id: UUID
    sku_id: UUID
    sku_code: str
    sku_name: str
    batch_code: str
    quantity: Quantity = Field(description="What is left of the batch, in `unit`")
    unit: Literal["packs", "g"]
    expires_on: date


class BatchesNearExpiry(Event):
    """A store's daily digest: the batches on its shelf that expire from `day` to `day + within_days`
    (at most one per store and day; none for a store without such batches)."""

    name: ClassVar[str] = "inventory.batches_near_expiry.v1"
    store_id: UUID
    store_code: str
    store_title: str
    day: date = Field(description="The store's local day the digest is for")
    within_days: int = Field(ge=0, description="The window: batches expiring on `day` up to `day + within_days`")
    batches: tuple[NearExpiryBatch, ...] = Field(min_length=1, description="First expiry first")
