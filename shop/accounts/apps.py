from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = "Customer accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        from . import tasks  # noqa: F401 - registers the reset mail task (services call it by name)

        register_periodic_task("accounts-clear-expired-sessions", "accounts.clear_expired_sessions_task", 24 * 60 * 60)
