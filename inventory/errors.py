"""Why an inventory use case refused: each error knows its API code and HTTP status."""

from __future__ import annotations


class InventoryError(Exception):
    """A refused inventory request; nothing was written."""

    code = "inventory_error"
    status_code = 400

    def __init__(self, message: str, *, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidStockRequest(InventoryError):
    """The input can never succeed: bad quantity, wrong step, missing reason."""

    code = "invalid_stock_request"


class UnknownSku(InvalidStockRequest):
    """A SKU the catalog never published (inventory has no projection of it)."""

    code = "unknown_sku"


class NotFound(InventoryError):
    """No such store, stock, batch or reservation."""

    code = "not_found"
    status_code = 404


class StockConflict(InventoryError):
    """The request is valid but the current stock or reservation state refuses it."""

    code = "stock_conflict"
    status_code = 409


class ReservationStateError(StockConflict):
    """An illegal reservation transition (commit a released one, release a committed one)."""

    code = "illegal_reservation_transition"
