from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "shop.accounts"
    label = "accounts"
    verbose_name = "Customer accounts"
    default_auto_field = "django.db.models.BigAutoField"
