from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers catalog.make_thumbnails, which the services enqueue by name.
        from . import tasks  # noqa: F401
