"""Admin for categories, brands and GST tax classes."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from .. import services
from ..models import Brand, Category, Store, TaxClass, TaxRate
from .refusals import RefusalsAsFormErrors, refusals_shown_on


def adopt(obj: Model, saved: Model) -> None:
    """Make the admin's unsaved instance the row a service just wrote (the admin goes on with it)."""
    obj.pk = saved.pk
    obj.refresh_from_db()
    obj._state.adding = False


def services_saved(formset: Any) -> None:
    """The admin's change message reads what formset.save() would have listed; the services saved instead."""
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []


class NoDeletes(admin.ModelAdmin):
    """A hard delete would bypass the services (no event: other apps' copies go stale; old orders name the row)."""

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(RefusalsAsFormErrors, NoDeletes):
    list_display = ["__str__", "slug", "position"]
    search_fields = ["name", "slug", "path"]
    readonly_fields = ["path"]
    fields = ["name", "slug", "parent", "position", "path"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> list[str]:
        # Moving a node would rewrite its subtree's paths: not offered here.
        return ["path", "slug", "parent"] if obj else ["path"]

    def get_prepopulated_fields(self, request: HttpRequest, obj: Category | None = None) -> dict[str, Any]:
        return {} if obj else {"slug": ["name"]}

    def save_model(self, request: HttpRequest, obj: Category, form: ModelForm[Category], change: bool) -> None:
        with refusals_shown_on(form):
            if change:
                services.rename_category(category=obj, name=form.cleaned_data["name"])
            else:
                data = form.cleaned_data
                adopt(obj, services.create_category(name=data["name"], slug=data["slug"], parent=data["parent"],
                                                    position=data["position"]))  # fmt: skip


@admin.register(Brand)
class BrandAdmin(RefusalsAsFormErrors, NoDeletes):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Brand | None = None) -> list[str]:
        return ["name", "slug"] if obj else []

    def get_prepopulated_fields(self, request: HttpRequest, obj: Brand | None = None) -> dict[str, Any]:
        return {} if obj else {"slug": ["name"]}  # a read-only slug cannot be prepopulated (the page answered 500)

    def save_model(self, request: HttpRequest, obj: Brand, form: ModelForm[Brand], change: bool) -> None:
        if not change:
            with refusals_shown_on(form):
                adopt(obj, services.create_brand(name=form.cleaned_data["name"], slug=form.cleaned_data["slug"]))


class TaxRateInline(admin.TabularInline):
    """Rates are history: add the next one with its start date, never edit a past one."""

    model = TaxRate
    extra = 1
    can_delete = False
    fields = ["rate_bp", "effective_from", "created_at"]
    readonly_fields = ["created_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(TaxClass)
class TaxClassAdmin(RefusalsAsFormErrors, NoDeletes):
    list_display = ["code", "name"]
    inlines = [TaxRateInline]

    def get_readonly_fields(self, request: HttpRequest, obj: TaxClass | None = None) -> list[str]:
        return ["code"] if obj else []

    def save_model(self, request: HttpRequest, obj: TaxClass, form: ModelForm[TaxClass], change: bool) -> None:
        with refusals_shown_on(form):
            if change:
                services.rename_tax_class(tax_class=obj, name=form.cleaned_data["name"])
            else:
                adopt(obj, services.create_tax_class(code=form.cleaned_data["code"], name=form.cleaned_data["name"]))

    def save_formset(
        self, request: HttpRequest, form: ModelForm[TaxClass], formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        services_saved(formset)
        for rate_form in formset.forms:
            if rate_form.has_changed() and rate_form.instance._state.adding:
                with refusals_shown_on(rate_form):
                    services.add_tax_rate(tax_class=form.instance, rate_bp=rate_form.cleaned_data["rate_bp"],
                                          effective_from=rate_form.cleaned_data["effective_from"])  # fmt: skip


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    """Stores as inventory describes them (read-only here)."""

    list_display = ["code", "title", "city", "pincode", "is_open", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
