from django.apps import AppConfig


class ShopConfig(AppConfig):
    """The kernel: templates, management commands and checks shared by every app."""

    name = "shop"
    verbose_name = "Shop kernel"
