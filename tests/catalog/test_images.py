"""Images: uploaded, then WebP thumbnails in three sizes by the catalog.make_thumbnails task."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image
from rest_framework.test import APIClient

from catalog import services
from catalog.events import ProductUpdated
from shop.eventbus.testing import captured_events

from .factories import make_product

pytestmark = pytest.mark.django_db


def jpeg(width: int = 900, height: int = 600) -> ContentFile[bytes]:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 40, 40)).save(out, format="JPEG")
    return ContentFile(out.getvalue(), name="tomato.jpg")


def test_an_upload_gets_webp_thumbnails_after_commit(
    django_capture_on_commit_callbacks: Callable[..., Any], api_client: APIClient
) -> None:
    product = make_product(title="Tomato Hybrid")
    with captured_events() as published, django_capture_on_commit_callbacks(execute=True):
        image = services.add_product_image(product=product, image=jpeg(), alt="Red tomatoes")

    image.refresh_from_db()
    assert sorted(image.thumbnails) == ["160", "320", "640"]
    for size, name in image.thumbnails.items():
        with default_storage.open(name) as handle, Image.open(handle) as thumb:
            assert (thumb.format, max(thumb.size)) == ("WEBP", int(size))
    # The new picture reaches the other apps with the product's next state.
    assert [type(e) for e in published] == [ProductUpdated]
    assert published[0].skus[0].image_url == f"/media/{image.thumbnails['320']}"  # type: ignore[attr-defined]
    listed = api_client.get("/api/v1/catalog/products/").json()["results"][0]["image"]
    assert listed["small"] == f"/media/{image.thumbnails['160']}"


def test_until_the_thumbnails_exist_the_placeholder_shows(api_client: APIClient) -> None:
    product = make_product(title="Onion")
    services.add_product_image(product=product, image=jpeg())  # the task waits for a commit that never comes
    listed = api_client.get("/api/v1/catalog/products/").json()["results"][0]["image"]
    assert listed["medium"] == "/static/catalog/placeholder.svg"


def test_the_task_tolerates_a_deleted_image(django_capture_on_commit_callbacks: Callable[..., Any]) -> None:
    from catalog.tasks import make_thumbnails_task

    product = make_product(title="Garlic")
    image = services.add_product_image(product=product, image=jpeg())
    image_id = image.id
    services.delete_product_image(image=image)
    assert make_thumbnails_task(str(image_id)) == {}
