from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        # Daily; the task is idempotent, so a missed or doubled run is harmless.
        register_periodic_task("delivery-generate-slots", "delivery.generate_slots_task", 24 * 60 * 60)
