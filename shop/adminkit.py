"""Admin building blocks every app's staff screens share."""

from __future__ import annotations

import re
from typing import Any, TypeVar

from django.contrib import admin
from django.contrib.auth import get_permission_codename
from django.db.models import CharField, Model, Q, QuerySet
from django.db.models.functions import Cast
from django.http import HttpRequest


class ReadOnlyInline(admin.TabularInline):
    """Rows written only by the app's services: shown, never edited in place."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OperatedAdmin(admin.ModelAdmin):
    """A screen whose actions run services (cancel, pack, replay, send again): declare them with
    `@admin.action(permissions=["operate"])`, which asks for the model's change permission as
    Django grants it. Django offers an action without `permissions` to anyone who may view the
    list, and a read-only screen's has_change_permission is always False."""

    def has_operate_permission(self, request: HttpRequest) -> bool:
        opts = self.opts
        return bool(request.user.has_perm(f"{opts.app_label}.{get_permission_codename('change', opts)}"))


class ReadOnlyAdmin(OperatedAdmin):
    """A log or a projection: staff read it; only services write it."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


#: The short id staff read in lists and customers on their pages: the first 8 hex digits.
SHORT_ID = re.compile(r"[0-9a-f]{4,8}(-[0-9a-f]{0,4})?")
M = TypeVar("M", bound=Model)


def widen_search(
    found: QuerySet[M],
    queryset: QuerySet[M],
    search_term: str,
    *,
    short_id_field: str,
    customer_field: str,
    extra: Q | None = None,
) -> QuerySet[M]:
    """What a support agent types into a search box, beyond the admin's search_fields: the
    short id of `short_id_field` (an order's), and a customer by email, name or phone (the
    accounts kernel's users, matched to `customer_field`); `extra` adds the screen's own."""
    from shop.accounts.selectors import find_user_ids

    term = search_term.strip().lower()
    if not term:
        return found
    wider = extra or Q()
    if SHORT_ID.fullmatch(term):
        wider |= Q(short_id_text__startswith=term)
        queryset = queryset.annotate(short_id_text=Cast(short_id_field, CharField()))  # type: ignore[assignment]
        found = found.annotate(short_id_text=Cast(short_id_field, CharField()))  # type: ignore[assignment]
    customers = find_user_ids(term)
    if customers:
        wider |= Q(**{f"{customer_field}__in": customers})
    return found | queryset.filter(wider) if wider else found
