"""Account reads."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Address, User


def list_addresses(*, user: User) -> QuerySet[Address]:
    """The customer's own addresses, default first."""
    return Address.objects.filter(user=user)
