from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "inventory"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import daily_at, register_periodic_task

        from . import handlers  # noqa: F401 - registers the subscriptions

        register_periodic_task("inventory-release-expired", "inventory.release_expired_task", 60)
        register_periodic_task("inventory-sweep-batches", "inventory.sweep_batches_task", 15 * 60)
        # Every morning at 07:00 in India, before the stores' day; a second run on the same day
        # (beat restarted) announces nothing again.
        register_periodic_task(
            "inventory-near-expiry-digest", "inventory.announce_batches_near_expiry_task", daily_at(7)
        )
