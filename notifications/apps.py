from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        from . import tasks  # noqa: F401 - registers the send task (services call it by name)

        register_periodic_task("notifications-send-pending", "notifications.send_pending_task", 60)
