"""Periodic work of the orders app."""

from celery import shared_task

from . import services


@shared_task(name="orders.cancel_expired_task", ignore_result=True)
def cancel_expired_orders_task() -> int:
    """Cancel orders whose payment (or confirmation) did not arrive in time."""
    return services.cancel_expired_orders()
