from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "payments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from shop.celery import register_periodic_task

        # handlers register the subscriptions; tasks register by name for the webhook view.
        from . import checks, conf, handlers, tasks  # noqa: F401

        # Refuse to start with the fake's keys against a real Razorpay.
        conf.check()
        register_periodic_task(
            "payments-reconcile", "payments.reconcile_task", conf.get("PAYMENTS_RECONCILE_EVERY_SECONDS")
        )
