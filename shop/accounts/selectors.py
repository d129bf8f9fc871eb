"""Account reads."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from shop.db import one_or_none

from .models import Address, User


def list_addresses(*, user: User) -> QuerySet[Address]:
    """The customer's own addresses, default first."""
    return Address.objects.filter(user=user)


def get_address(*, user_id: UUID, address_id: UUID) -> Address | None:
    """One of the customer's addresses, or None (apps use this, not the table)."""
    return one_or_none(Address.objects.filter(pk=address_id, user_id=user_id))


def find_user_ids(text: str, *, limit: int = 200) -> list[UUID]:
    """Users whose email, name or phone contains `text` (staff searching for a customer)."""
    text = text.strip()
    if len(text) < 3:
        return []
    matches = User.objects.filter(Q(email__icontains=text) | Q(full_name__icontains=text) | Q(phone__icontains=text))
    return list(matches.order_by().values_list("id", flat=True)[:limit])


def get_contact(*, user_id: UUID, include_inactive: bool = False) -> User | None:
    """The user to write to (email, name, phone), or None; apps use this, not the table.
    Staff screens pass `include_inactive` to name a deactivated account too."""
    users = User.objects.all() if include_inactive else User.objects.filter(is_active=True)
    return one_or_none(users.filter(pk=user_id).only("id", "email", "full_name", "phone", "is_active"))


def get_user_for_password_reset(*, email: str | None = None, user_id: UUID | None = None) -> User | None:
    """The active account a password reset is for, by email (any case) or id; None otherwise."""
    users = User.objects.filter(is_active=True)
    if email is not None:
        users = users.filter(email__iexact=User.objects.normalize_email(email.strip()))
    if user_id is not None:
        users = users.filter(pk=user_id)
    if email is None and user_id is None:
        return None
    user = one_or_none(users)
    return user if user is not None and user.has_usable_password() else None
