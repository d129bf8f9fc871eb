from django.apps import AppConfig


class BusappConfig(AppConfig):
    """A small app that exists only in the test settings, to exercise the bus."""

    name = "tests.eventbus.busapp"
    label = "busapp"
    default_auto_field = "django.db.models.BigAutoField"
