"""Account use cases: the only code that writes users and addresses."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from .models import Address, User

ADDRESS_FIELDS = (
    "name", "phone", "line1", "line2", "landmark", "city", "state", "pincode",
    "is_default", "latitude", "longitude",
)  # fmt: skip


def register_user(*, email: str, password: str, full_name: str = "", phone: str = "") -> User:
    """Create a customer account; refuses a taken email or a weak password."""
    email = User.objects.normalize_email(email).lower()
    user = User(email=email, full_name=full_name, phone=phone)
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save(force_insert=True)
    except IntegrityError as exc:  # a concurrent registration won the race
        raise ValidationError({"email": ["A user with this email already exists."]}) from exc
    return user


def update_profile(*, user: User, full_name: str | None = None, phone: str | None = None) -> User:
    """Change the customer's name or phone."""
    if full_name is not None:
        user.full_name = full_name
    if phone is not None:
        user.phone = phone
    user.full_clean(exclude=["password"])
    user.save(update_fields=["full_name", "phone"])
    return user


@transaction.atomic
def create_address(*, user: User, **fields: Any) -> Address:
    """Add an address; the first one (or one flagged default) becomes the default."""
    address = Address(user=user, **_only_address_fields(fields))
    if not user.addresses.exists():
        address.is_default = True
    address.full_clean(exclude=["user"])
    if address.is_default:
        _clear_default(user_id=user.pk)
    address.save(force_insert=True)
    return address


@transaction.atomic
def update_address(*, address: Address, **fields: Any) -> Address:
    """Change an address; making it the default unsets the previous default."""
    # Lock the row so two concurrent edits of the default flag cannot interleave.
    address = Address.objects.select_for_update().get(pk=address.pk)
    for key, value in _only_address_fields(fields).items():
        setattr(address, key, value)
    address.full_clean(exclude=["user"])
    if address.is_default:
        _clear_default(user_id=address.user_id, keep=address.pk)
    address.save()
    return address


@transaction.atomic
def delete_address(*, address: Address) -> None:
    """Remove an address; if it was the default, the newest other one takes over."""
    user_id, was_default = address.user_id, address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(user_id=user_id).order_by("-created_at").first()
        if successor is not None:
            successor.is_default = True
            successor.save(update_fields=["is_default", "updated_at"])


def _clear_default(*, user_id: UUID, keep: UUID | None = None) -> None:
    others = Address.objects.filter(user_id=user_id, is_default=True)
    if keep is not None:
        others = others.exclude(pk=keep)
    others.update(is_default=False)


def _only_address_fields(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(ADDRESS_FIELDS)
    if unknown:
        raise TypeError(f"unknown address fields: {sorted(unknown)}")
    return fields
