"""Make sure a staff superuser exists, for a local run's /admin/."""

from __future__ import annotations

import os
import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from shop.management.local_files import save_generated_password


class Command(BaseCommand):
    help = (
        "Create the admin user from DJANGO_SUPERUSER_EMAIL / DJANGO_SUPERUSER_PASSWORD "
        "(default admin@localhost and a generated password, written to var/admin-password.txt)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", "admin@localhost").lower()
        user_model = get_user_model()
        if user_model.objects.filter(email__iexact=email).exists():
            self.stdout.write(
                f"Admin user {email} exists (change its password with `manage.py changepassword {email}`)."
            )
            return
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or secrets.token_urlsafe(12)
        user_model.objects.create_superuser(email, password)
        note = ""
        if not os.environ.get("DJANGO_SUPERUSER_PASSWORD"):
            note = f" (also saved in {save_generated_password('admin-password.txt', email, password)})"
        self.stdout.write(self.style.SUCCESS(f"Created admin user {email} with password {password}{note}"))
