"""Admin for products: SKUs and images inline, previews, bulk publish, store prices and price history."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html, format_html_join

from shop.adminkit import RupeesInForms, rupees_or_dash
from shop.money import format_inr

from .. import services
from ..models import PriceHistory, Product, ProductImage, Sku, Store, StorePrice
from ..selectors.snapshots import image_url
from .refusals import RefusalsAsFormErrors, refusals_shown_on
from .taxonomy import NoDeletes, adopt, services_saved

PLACEHOLDER = "catalog/placeholder.svg"
SKU_EDITABLE: list[str] = ["code", "sold_by", "pack_size", "pack_unit", "step_g", "estimated_weight_g", "price_paise",
                "mrp_paise", "max_per_order", "is_active", "position"]  # fmt: skip


def _preview(image: ProductImage | None, size: int = 64) -> str:
    url = image_url(image, size="160") if image is not None and image.thumbnails else static(PLACEHOLDER)
    return format_html('<img src="{}" width="{}" height="{}" style="object-fit:cover" alt="">', url, size, size)


def _user_id(request: HttpRequest) -> Any:
    return getattr(request.user, "id", None)


class SkuInline(RupeesInForms, admin.TabularInline):
    model = Sku
    extra = 0
    can_delete = False  # old orders name SKUs: deactivate instead
    fields = tuple(SKU_EDITABLE)
    show_change_link = True  # store prices and price history live on the SKU's page


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    extra = 1
    fields = ["preview", "image", "alt", "position"]
    readonly_fields = ["preview"]

    @admin.display(description="thumbnail")
    def preview(self, obj: ProductImage) -> str:
        return _preview(obj if obj.pk and not obj._state.adding else None)


@admin.register(Product)
class ProductAdmin(RefusalsAsFormErrors, NoDeletes):
    list_display = ["thumb", "title", "brand", "category", "status", "skus_count", "updated_at"]
    list_display_links = ["title"]
    list_filter = ["status", "category", "brand", "diet", "is_organic", "storage", "tax_class"]
    search_fields = ["title", "brand__name", "tags", "skus__code", "hsn_code"]
    list_select_related = ["brand", "category"]
    readonly_fields = ["status", "published_at", "created_at", "updated_at", "recent_prices"]
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["category", "brand"]
    inlines = [SkuInline, ProductImageInline]
    actions = ["publish", "unpublish", "discontinue"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "category", "brand", "description", "tags"]}),
        ("Diet", {"fields": ["diet", "is_vegan", "is_organic"]}),
        ("Tax", {"fields": ["hsn_code", "tax_class"]}),
        ("Perishables", {"fields": ["shelf_life_days", "min_life_on_delivery_days", "storage"]}),
        ("State", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
        ("Price history", {"fields": ["recent_prices"], "classes": ["collapse"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).prefetch_related("images", "skus")

    @admin.display(description="")
    def thumb(self, obj: Product) -> str:
        images = sorted(obj.images.all(), key=lambda i: (i.position, i.created_at))
        return _preview(images[0] if images else None, size=40)

    @admin.display(description="Last 20 price changes (every one is on its SKU's page)")
    def recent_prices(self, obj: Product) -> str:
        if obj._state.adding:
            return "-"
        rows = PriceHistory.objects.filter(sku__product=obj).select_related("sku")[:20]
        return format_html_join(
            "",
            "<div>{} &middot; {} &middot; {} &middot; {} (MRP {})</div>",
            (
                (f"{row.changed_at:%d %b %Y %H:%M}", row.sku.code, row.store_id or "all stores",
                 "override removed" if row.price_paise is None else format_inr(row.price_paise),
                 format_inr(row.mrp_paise))
                for row in rows
            ),
        ) or "-"  # fmt: skip

    @admin.display(description="SKUs")
    def skus_count(self, obj: Product) -> int:
        return len(obj.skus.all())

    def save_model(self, request: HttpRequest, obj: Product, form: ModelForm[Product], change: bool) -> None:
        data = form.cleaned_data
        with refusals_shown_on(form):
            if change:
                changes = {name: data[name] for name in form.changed_data if name in services.products.PRODUCT_FIELDS}
                if changes:
                    services.update_product(product=obj, **changes)
            else:
                fields = {name: data[name] for name in services.products.PRODUCT_FIELDS if name in data}
                adopt(obj, services.create_product(product_id=obj.id, **fields))

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Product], formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        services_saved(formset)
        product = form.instance
        for inline_form in formset.forms:
            with refusals_shown_on(inline_form):
                self._save_inline(request, product, formset, inline_form)

    def _save_inline(self, request: HttpRequest, product: Product, formset: Any, inline_form: Any) -> None:
        instance = inline_form.instance
        if formset.can_delete and formset._should_delete_form(inline_form):
            if not instance._state.adding:
                services.delete_product_image(image=instance)
            return
        if not inline_form.has_changed():
            return
        data = inline_form.cleaned_data
        if isinstance(instance, Sku):
            self._save_sku(request, product, instance, inline_form, data)
        elif isinstance(instance, ProductImage) and instance._state.adding and data.get("image"):
            services.add_product_image(
                product=product, image=data["image"], alt=data.get("alt", ""), position=data.get("position") or 0
            )

    def _save_sku(self, request: HttpRequest, product: Product, sku: Sku, form: Any, data: dict[str, Any]) -> None:
        values = {name: data[name] for name in SKU_EDITABLE if name in data}
        if sku._state.adding:
            services.create_sku(product=product, sku_id=sku.id, changed_by_id=_user_id(request), **values)
            return
        changed = {name: values[name] for name in form.changed_data if name in values}
        services.update_sku(sku=sku, changed_by_id=_user_id(request), **changed)

    def _each(self, request: HttpRequest, queryset: QuerySet[Product], action: Any, verb: str) -> None:
        done = 0
        for product in queryset:
            try:
                action(product=product)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{product}: {' '.join(exc.messages)}", messages.WARNING)
            else:
                self.log_change(request, product, f"{verb.capitalize()} the product")
        if done:
            self.message_user(request, f"{done} product(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Publish the selected products", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(request, queryset, services.publish_product, "published")

    @admin.action(description="Unpublish the selected products", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(request, queryset, services.unpublish_product, "unpublished")

    @admin.action(description="Discontinue the selected products (final)", permissions=["change"])
    def discontinue(self, request: HttpRequest, queryset: QuerySet[Product]) -> None:
        self._each(request, queryset, services.discontinue_product, "discontinued")


class StorePriceForm(forms.ModelForm):
    store_id = forms.TypedChoiceField(coerce=str, choices=())

    class Meta:
        model = StorePrice
        fields = ["store_id", "price_paise"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["store_id"]
        stores = {str(store.store_id): str(store) for store in Store.objects.all()}
        if not self.instance._state.adding:
            field.disabled = True  # another store is another override: add it as a new row
            stores.setdefault(str(self.instance.store_id), str(self.instance.store_id))
        # The blank first choice lets the extra row be left untouched (ignored) instead of naming a store.
        field.choices = [("", "---------"), *stores.items()]  # type: ignore[attr-defined]


class StorePriceInline(RupeesInForms, admin.TabularInline):
    model = StorePrice
    form = StorePriceForm
    extra = 1
    fields = ["store_id", "price_paise", "updated_at"]
    readonly_fields = ["updated_at"]


class PriceHistoryInline(admin.TabularInline):
    model = PriceHistory
    extra = 0
    can_delete = False
    fields = ("changed_at", "store_id", "price", "mrp", "changed_by_id")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="price")
    def price(self, row: PriceHistory) -> str:
        return "override removed" if row.price_paise is None and row.store_id else rupees_or_dash(row.price_paise)

    @admin.display(description="MRP")
    def mrp(self, row: PriceHistory) -> str:
        return format_inr(row.mrp_paise)


@admin.register(Sku)
class SkuAdmin(RupeesInForms, RefusalsAsFormErrors, NoDeletes):
    list_display = ["code", "product", "pack_label", "price", "mrp", "is_active"]
    list_filter = ["sold_by", "is_active"]
    search_fields = ["code", "product__title"]
    list_select_related = ["product"]
    fields = ["product", *SKU_EDITABLE]
    inlines = [StorePriceInline, PriceHistoryInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Sku | None = None) -> list[str]:
        return ["product"]

    @admin.display(description="price", ordering="price_paise")
    def price(self, sku: Sku) -> str:
        return format_inr(sku.price_paise)

    @admin.display(description="MRP", ordering="mrp_paise")
    def mrp(self, sku: Sku) -> str:
        return format_inr(sku.mrp_paise)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # SKUs are added on their product's page

    def save_model(self, request: HttpRequest, obj: Sku, form: ModelForm[Sku], change: bool) -> None:
        changed = {name: form.cleaned_data[name] for name in form.changed_data if name in SKU_EDITABLE}
        if changed:
            with refusals_shown_on(form):
                services.update_sku(sku=obj, changed_by_id=_user_id(request), **changed)

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Sku], formset: BaseInlineFormSet[Any, Any, Any], change: bool
    ) -> None:
        services_saved(formset)
        if formset.model is not StorePrice:
            return
        for inline_form in formset.forms:
            instance = inline_form.instance
            with refusals_shown_on(inline_form):
                if formset._should_delete_form(inline_form):  # type: ignore[attr-defined]
                    if not instance._state.adding:
                        services.remove_store_price(sku=form.instance, store_id=instance.store_id,
                                                    changed_by_id=_user_id(request))  # fmt: skip
                elif inline_form.has_changed():
                    services.set_store_price(sku=form.instance, store_id=inline_form.cleaned_data["store_id"],
                                             price_paise=inline_form.cleaned_data["price_paise"],
                                             changed_by_id=_user_id(request))  # fmt: skip
