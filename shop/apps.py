from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The kernel: templates, management commands and checks shared by every app."""

    name = "shop"
    verbose_name = "Shop kernel"

    def ready(self) -> None:
        from django.conf import settings

        from . import checks  # noqa: F401 - registers the deploy checks
        from .beat import is_serving, start_inprocess_beat

        # The embedded default has no `celery beat`: the web process runs its schedule.
        if getattr(settings, "SHOP_INPROCESS_BEAT", False) and is_serving():
            start_inprocess_beat()
