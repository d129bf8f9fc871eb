from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        register_periodic_task("analytics-forget-old-orders", "analytics.forget_old_orders_task", 24 * 60 * 60)
        register_periodic_task("analytics-refresh-forecasts", "analytics.refresh_forecasts_task", 24 * 60 * 60)
