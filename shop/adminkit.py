"""Admin building blocks every app's staff screens share."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.http import HttpRequest


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the app's services: shown, never edited in place."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """A log or a projection: staff read it; only services write it.

    Its actions run services (cancel, replay, send again): declare them with
    `@admin.action(permissions=["operate"])`, which asks for the model's change permission
    (Django offers an action without `permissions` to anyone who may view the list)."""

    def has_operate_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return bool(request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}"))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
