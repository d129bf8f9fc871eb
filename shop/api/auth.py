"""Helpers for views that need the authenticated customer."""

from __future__ import annotations

from rest_framework.exceptions import NotAuthenticated
from rest_framework.request import Request

from shop.accounts.models import User


def request_user(request: Request) -> User:
    """The authenticated user of the request (views guard with IsAuthenticated)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise NotAuthenticated()
    return user
