from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.http import HttpRequest
from rest_framework.authtoken.models import TokenProxy

from .models import Address, User

# A token is a customer's password for the API: staff never need to read one (a customer who
# lost theirs logs in again for a new one), so DRF's token screen is not offered.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


class ShopUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ("email", "full_name", "phone")


class ShopUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = ShopUserChangeForm
    add_form = ShopUserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "phone", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("email", "full_name", "phone")
    readonly_fields = ("date_joined", "last_login")
    inlines = [AddressInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone")}),
        ("Permissions", {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "full_name", "phone", "password1", "password2")}),
    )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Orders, payments and shipments name their customer by id: untick "active" instead.
        return False


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "city", "state", "pincode", "is_default")
    list_filter = ("state", "is_default")
    search_fields = ("name", "user__email", "pincode", "city")
    raw_id_fields = ("user",)
