"""Product images and their WebP thumbnails."""

from __future__ import annotations

import io
from uuid import UUID

from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps

from shop.celery import app as celery_app

from ..models import Product, ProductImage
from .announce import announce_if_visible
from .cache import bump_listing_version

#: Longest side of each thumbnail, in pixels: list tiles, product page, zoom.
THUMBNAIL_SIZES = (160, 320, 640)
THUMBNAIL_TASK = "catalog.make_thumbnails"


def add_product_image(
    *, product: Product, image: File, alt: str = "", position: int = 0, thumbnails_now: bool = False
) -> ProductImage:
    """Attach a photo; its thumbnails are made in the background once the upload has committed.

    `thumbnails_now` makes them in this transaction instead (seeding and imports, which run offline).
    """
    with transaction.atomic():
        record = ProductImage(product=product, alt=alt, position=position)
        record.image.save(image.name or "image.jpg", image, save=False)
        record.full_clean()
        record.save(force_insert=True)
        if thumbnails_now:
            make_thumbnails(image_id=record.id)
        else:
            queue_thumbnails(image_id=record.id)
    return record


def queue_thumbnails(*, image_id: UUID) -> None:
    """After commit, ask a worker for the thumbnails (by task name: tasks sit above the services)."""
    task = celery_app.tasks[THUMBNAIL_TASK]
    transaction.on_commit(lambda: task.delay(str(image_id)))


def _webp(source: Image.Image, size: int) -> bytes:
    thumb = source.copy()
    thumb.thumbnail((size, size), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=80, method=3)
    return out.getvalue()


def make_thumbnails(*, image_id: UUID) -> dict[str, str]:
    """Write the WebP thumbnails of one image (idempotent: a rerun overwrites the same names)."""
    record = ProductImage.objects.filter(pk=image_id).select_related("product").first()
    if record is None:
        return {}  # deleted before the worker got to it
    with record.image.open("rb") as handle:
        source = ImageOps.exif_transpose(Image.open(handle))
        source = source.convert("RGBA" if source.mode in ("RGBA", "LA", "P") else "RGB")
    names: dict[str, str] = {}
    for size in THUMBNAIL_SIZES:
        name = f"catalog/thumbs/{record.id}-{size}.webp"
        if default_storage.exists(name):
            default_storage.delete(name)
        names[str(size)] = default_storage.save(name, ContentFile(_webp(source, size)))
    with transaction.atomic():
        ProductImage.objects.filter(pk=record.pk).update(thumbnails=names)
        product = Product.objects.select_for_update().get(pk=record.product_id)
        announce_if_visible(product)
        bump_listing_version()
    return names


def delete_product_image(*, image: ProductImage) -> None:
    """Remove a photo and its files."""
    with transaction.atomic():
        product = Product.objects.select_for_update().get(pk=image.product_id)
        names = [image.image.name, *image.thumbnails.values()]
        image.delete()
        announce_if_visible(product)
        bump_listing_version()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    for name in names:
        if name and default_storage.exists(name):
            default_storage.delete(name)
