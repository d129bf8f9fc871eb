"""Input and output shapes of the accounts API."""

from __future__ import annotations

from typing import Any

from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from shop.api.fields import ChoiceField

from ..models import Address, User
from ..validators import STATE_CHOICES, state_name


class UserOutput(serializers.ModelSerializer[User]):
    phone = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "email", "full_name", "phone", "is_staff", "date_joined")
        read_only_fields = fields

    def get_phone(self, user: User) -> str:
        return str(user.phone) if user.phone else ""


class RegisterInput(serializers.Serializer[None]):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    phone = PhoneNumberField(required=False, allow_blank=True, default="", region="IN")


class LoginInput(serializers.Serializer[None]):
    email = serializers.EmailField()
    password = serializers.CharField(trim_whitespace=False, max_length=128)


class TokenOutput(serializers.Serializer[None]):
    token = serializers.CharField()
    user = UserOutput()


class PasswordResetInput(serializers.Serializer[None]):
    email = serializers.EmailField(max_length=254)


class PasswordResetRequested(serializers.Serializer[None]):
    detail = serializers.CharField()


class PasswordResetConfirmInput(serializers.Serializer[None]):
    uid = serializers.CharField(max_length=64)
    token = serializers.CharField(max_length=128)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class PasswordResetDone(serializers.Serializer[None]):
    email = serializers.EmailField(help_text="The account's email, to log in with the new password.")


class PasswordChangeInput(serializers.Serializer[None]):
    current_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)
    new_password = serializers.CharField(write_only=True, trim_whitespace=False, max_length=128)


class ProfileInput(serializers.Serializer[None]):
    full_name = serializers.CharField(max_length=150, required=False, allow_blank=True)
    phone = PhoneNumberField(required=False, allow_blank=True, region="IN")


class AddressSerializer(serializers.ModelSerializer[Address]):
    """Addresses in and out; the owner is always the requesting customer."""

    phone = PhoneNumberField(required=False, allow_blank=True, region="IN")
    state = ChoiceField(choices=STATE_CHOICES, help_text="The state's name, or its two-letter code (KA, MH, DL...)")

    class Meta:
        model = Address
        fields = (
            "id", "name", "phone", "line1", "line2", "landmark", "city", "state", "pincode",
            "is_default", "latitude", "longitude", "created_at", "updated_at",
        )  # fmt: skip
        read_only_fields = ("id", "created_at", "updated_at")

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "get") and isinstance(data.get("state"), str):
            data = {**data, "state": state_name(data["state"])}
        return super().to_internal_value(data)

    def validate(self, attrs: dict) -> dict:
        lat = attrs.get("latitude", getattr(self.instance, "latitude", None))
        lng = attrs.get("longitude", getattr(self.instance, "longitude", None))
        if (lat is None) != (lng is None):
            raise serializers.ValidationError({"latitude": ["Give both latitude and longitude, or neither."]})
        return attrs

    def to_representation(self, instance: Address) -> dict:
        data = super().to_representation(instance)
        data["phone"] = str(instance.phone) if instance.phone else ""
        return data
