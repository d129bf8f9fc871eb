"""Periodic work of the cart app."""

from celery import shared_task
from django.conf import settings

from .services import carts


@shared_task(name="cart.purge_visitor_carts_task", ignore_result=True)
def purge_visitor_carts_task() -> int:
    """Delete visitors' carts idle for CART_VISITOR_IDLE_DAYS (30)."""
    return carts.purge_visitor_carts(idle_days=settings.CART_VISITOR_IDLE_DAYS)
