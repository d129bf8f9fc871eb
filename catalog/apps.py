from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "catalog"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers catalog.make_thumbnails, which the services enqueue by name.
        from shop.celery import register_periodic_task

        from . import tasks  # noqa: F401

        # A GST change scheduled for a date takes effect at midnight IST; the snapshots follow within minutes.
        register_periodic_task("catalog-announce-rates", "catalog.announce_rates_taking_effect", 15 * 60)
