from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        register_periodic_task("orders-cancel-expired", "orders.cancel_expired_task", 30)
