from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "cart"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        register_periodic_task("cart-purge-visitor-carts", "cart.purge_visitor_carts_task", 24 * 60 * 60)
