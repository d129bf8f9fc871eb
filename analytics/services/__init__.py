"""Analytics' writes: each handler's counts (store days and hours, slots, demand), the
projections of other apps' announcements, the daily forecast, and forgetting."""

from .demand import (
    DemandLine,
    count_demand,
    count_write_off,
    forecast_days,
    record_stock_level,
    refresh_forecasts,
    weekday_factors,
    write_off_value,
)
from .slots import count_slot_booking, record_slot
from .store_days import (
    PAYMENT_FAILURES,
    count_cancelled,
    count_confirmed,
    count_delivered,
    count_picked,
    count_refund,
    forget_old_orders,
    local_hour,
    record_order_store,
    record_store,
)

__all__ = [
    "PAYMENT_FAILURES",
    "DemandLine",
    "count_cancelled",
    "count_confirmed",
    "count_delivered",
    "count_demand",
    "count_picked",
    "count_refund",
    "count_slot_booking",
    "count_write_off",
    "forecast_days",
    "forget_old_orders",
    "local_hour",
    "record_order_store",
    "record_slot",
    "record_stock_level",
    "record_store",
    "refresh_forecasts",
    "weekday_factors",
    "write_off_value",
]
