"""The catalog's background work."""

from __future__ import annotations

from uuid import UUID

from celery import shared_task

from . import services


@shared_task(name="catalog.make_thumbnails", acks_late=True, max_retries=3)
def make_thumbnails_task(image_id: str) -> dict[str, str]:
    """Build the WebP thumbnails of a product image."""
    return services.make_thumbnails(image_id=UUID(image_id))


@shared_task(name="catalog.announce_rates_taking_effect")
def announce_rates_taking_effect_task() -> int:
    """Publish the products of tax classes whose new GST rate came into force today."""
    return services.announce_rates_taking_effect()
