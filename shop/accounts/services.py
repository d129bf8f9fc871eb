"""Account use cases: the only code that writes users and addresses."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID

import structlog
from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework.authtoken.models import Token

from shop.api.errors import ApiError

from . import selectors
from .models import Address, User

log = structlog.get_logger("accounts")

#: The Celery task that mails a reset link (by name: services do not import tasks).
RESET_EMAIL_TASK = "accounts.send_password_reset_email_task"
RESET_LINK_INVALID = "This reset link has expired or was already used: ask for a new one."

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


# --- Passwords -------------------------------------------------------------------------------
# A reset link carries Django's PasswordResetTokenGenerator token: an HMAC over the user's id,
# password hash, last login and the time it was made, so it works once (setting the password
# changes the hash) and only for settings.PASSWORD_RESET_TIMEOUT seconds. A new password ends
# every other login: the API tokens are deleted, and sessions carry a hash of the password
# that Django checks on every request (a session of the old password is flushed there).


def request_password_reset(*, email: str) -> None:
    """Mail a reset link to the active account with this email, once the transaction commits;
    an unknown or inactive email gets nothing, and the caller cannot tell the difference."""
    user = selectors.get_user_for_password_reset(email=email)
    if user is None:
        return
    user_id = user.pk
    transaction.on_commit(lambda: _enqueue_reset_email(user_id), robust=True)


def _enqueue_reset_email(user_id: UUID) -> None:
    from shop.celery import app

    try:
        # By name, as notifications does; eager mode (the embedded default, tests) runs it here.
        app.tasks[RESET_EMAIL_TASK].delay(str(user_id))
    except Exception as exc:
        if app.conf.task_always_eager:
            raise  # the task itself failed here: robust on_commit logs it
        # No broker: send it from this process rather than not at all.
        log.warning("accounts.reset_email_enqueue_failed", user_id=str(user_id), error=repr(exc))
        send_password_reset_email(user_id=user_id)


def password_reset_link(*, user: User) -> str:
    """The web shop's reset page for this user, with a fresh token (the storefront routes by the fragment)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    query = urlencode({"uid": uid, "token": default_token_generator.make_token(user)})
    return f"{settings.SHOP_PUBLIC_URL.rstrip('/')}/#/reset-password?{query}"


def send_password_reset_email(*, user_id: UUID) -> bool:
    """Write and send the reset mail now; False when the account is gone or was deactivated meanwhile."""
    user = selectors.get_user_for_password_reset(user_id=user_id)
    if user is None:
        return False
    valid_for = _duration(settings.PASSWORD_RESET_TIMEOUT)
    name = user.full_name or "there"
    body = (
        f"Hello {name},\n\n"
        "Someone (we hope you) asked to reset the password of your account at our shop.\n"
        "Choose a new password here:\n\n"
        f"{password_reset_link(user=user)}\n\n"
        f"The link works once, for {valid_for}. If you did not ask for it, ignore this message:\n"
        "your password stays as it is.\n"
    )
    send_mail("Reset your password", body, settings.DEFAULT_FROM_EMAIL, [user.email])
    log.info("accounts.reset_email_sent", user_id=str(user.pk))
    return True


def _duration(seconds: int) -> str:
    """3 days, 1 hour, 30 minutes: how long a link works, in the mail's words."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{seconds} seconds"


def confirm_password_reset(*, uid: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link's uid and token; ends every other login of the account."""
    user = _user_from_uid(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise ApiError(RESET_LINK_INVALID, code="invalid_reset_link", fields={"token": [RESET_LINK_INVALID]})
    _validate_new_password(new_password, user=user)
    with transaction.atomic():
        # Locked and checked again: of two submissions of one link, the second finds the new hash.
        user = User.objects.select_for_update().get(pk=user.pk)
        if not user.is_active or not default_token_generator.check_token(user, token):
            raise ApiError(RESET_LINK_INVALID, code="invalid_reset_link", fields={"token": [RESET_LINK_INVALID]})
        _set_password(user, new_password)
    log.info("accounts.password_reset", user_id=str(user.pk))
    return user


def change_password(*, user: User, current_password: str, new_password: str) -> Token:
    """Change the password of a logged-in customer; every other login ends, and the new API
    token returned keeps this client logged in."""
    if not user.check_password(current_password):
        raise ValidationError({"current_password": ["Your current password is not right."]})
    _validate_new_password(new_password, user=user)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        _set_password(user, new_password)
        token = Token.objects.create(user=user)
    log.info("accounts.password_changed", user_id=str(user.pk))
    return token


def _user_from_uid(uid: str) -> User | None:
    try:
        user_id = UUID(force_str(urlsafe_base64_decode(uid)))
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    return selectors.get_user_for_password_reset(user_id=user_id)


def _validate_new_password(password: str, *, user: User) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from exc


def _set_password(user: User, password: str) -> None:
    user.set_password(password)
    user.save(update_fields=["password"])
    Token.objects.filter(user=user).delete()  # every API client logs in again


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
