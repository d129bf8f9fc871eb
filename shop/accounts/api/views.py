"""Accounts API: register, login, logout, me, passwords, and the customer's addresses."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import authentication, generics, permissions, status, throttling
from rest_framework.authtoken.models import Token
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shop.api.auth import request_user
from shop.api.errors import ApiError

from .. import selectors, services
from ..models import Address, User
from .serializers import (
    AddressSerializer,
    LoginInput,
    PasswordChangeInput,
    PasswordResetConfirmInput,
    PasswordResetDone,
    PasswordResetInput,
    PasswordResetRequested,
    ProfileInput,
    RegisterInput,
    TokenOutput,
    UserOutput,
)


class LoginThrottle(throttling.ScopedRateThrottle):
    scope_attr = "throttle_scope"


class _ByEmail(throttling.SimpleRateThrottle):
    """Counted per email address in the body, whoever sends it, from whatever address."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        email = request.data.get("email") if hasattr(request.data, "get") else None
        if not isinstance(email, str) or not email.strip():
            return None  # the input's own 400 answers it
        return self.cache_format % {"scope": self.scope, "ident": email.strip().lower()}


class PasswordResetEmailThrottle(_ByEmail):
    """Reset requests per email address (the IP's own limit is the scope's)."""

    scope = "password_reset_email"


class LoginFailuresThrottle(_ByEmail):
    """Failed logins per email address: past the rate (THROTTLE_LOGIN_EMAIL) the address is
    refused (429) until its oldest failure ages out, however many client addresses the
    guesses come from. Only failures count (record_failure); a good login clears them."""

    scope = "login_email"

    def throttle_success(self) -> bool:
        return True  # checking only: the view records a failure once it knows

    def record_failure(self, request: Request, view: Any) -> None:
        key = self.get_cache_key(request, view)
        if key is not None:
            self.cache.set(key, [self.timer(), *self.cache.get(key, [])], self.duration)  # type: ignore[attr-defined]  # set by __init__ from the rate

    def clear(self, request: Request, view: Any) -> None:
        key = self.get_cache_key(request, view)
        if key is not None:
            self.cache.delete(key)


RESET_REQUESTED = (
    "If an account exists for that address, we have sent it a link to choose a new password. "
    "Check your inbox (and spam folder)."
)


def _token_response(user: User, *, status_code: int) -> Response:
    token, _ = Token.objects.get_or_create(user=user)
    body = TokenOutput(instance={"token": token.key, "user": user})  # type: ignore[arg-type]
    return Response(body.data, status=status_code)


class RegisterApi(APIView):
    """Create a customer account; answers the token to use right away."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [LoginThrottle]
    throttle_scope = "register"

    @extend_schema(request=RegisterInput, responses={201: TokenOutput})
    def post(self, request: Request) -> Response:
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.register_user(**data.validated_data)
        return _token_response(user, status_code=status.HTTP_201_CREATED)


class LoginApi(APIView):
    """Log in with email and password: a token for API clients and a session for the web."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [LoginThrottle, LoginFailuresThrottle]
    throttle_scope = "login"

    @extend_schema(request=LoginInput, responses={200: TokenOutput})
    def post(self, request: Request) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=data.validated_data["email"].lower(),
            password=data.validated_data["password"],
        )
        failures = LoginFailuresThrottle()
        if user is None:
            failures.record_failure(request, self)
            raise ApiError(
                "Email or password is wrong.", code="invalid_credentials", status_code=status.HTTP_401_UNAUTHORIZED
            )
        failures.clear(request, self)
        login(request._request, user)
        return _token_response(user, status_code=status.HTTP_200_OK)


class LogoutApi(APIView):
    """End the session and revoke the token."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request) -> Response:
        Token.objects.filter(user=request_user(request)).delete()
        logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetApi(APIView):
    """Ask for a password reset link by email. The answer is the same whether or not an
    account has that email (no one learns who has an account); an active one gets the mail."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []
    throttle_classes = [LoginThrottle, PasswordResetEmailThrottle]
    throttle_scope = "password_reset"

    @extend_schema(request=PasswordResetInput, responses={202: PasswordResetRequested})
    def post(self, request: Request) -> Response:
        data = PasswordResetInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.request_password_reset(email=data.validated_data["email"])
        return Response({"detail": RESET_REQUESTED}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmApi(APIView):
    """Choose a new password with the uid and token of a reset link; every login of the
    account ends (API tokens and sessions), and the customer logs in with the new password."""

    permission_classes = [permissions.AllowAny]
    authentication_classes: list[type] = []

    @extend_schema(request=PasswordResetConfirmInput, responses={200: PasswordResetDone})
    def post(self, request: Request) -> Response:
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.confirm_password_reset(**data.validated_data)
        return Response(PasswordResetDone(instance={"email": user.email}).data)  # type: ignore[arg-type]


class PasswordChangeApi(APIView):
    """Change the logged-in customer's password: every other login ends; this client stays
    logged in, with the new token answered (and its session, for the web)."""

    throttle_classes = [LoginThrottle]
    throttle_scope = "password_change"

    @extend_schema(request=PasswordChangeInput, responses={200: TokenOutput})
    def post(self, request: Request) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = request_user(request)
        token = services.change_password(user=user, **data.validated_data)
        user = token.user
        if isinstance(request.successful_authenticator, authentication.SessionAuthentication):
            update_session_auth_hash(request._request, user)  # this session goes on with the new hash
        body = TokenOutput(instance={"token": token.key, "user": user})  # type: ignore[arg-type]
        return Response(body.data)


class MeApi(APIView):
    """The logged-in customer's profile."""

    @extend_schema(responses={200: UserOutput})
    def get(self, request: Request) -> Response:
        return Response(UserOutput(request_user(request)).data)

    @extend_schema(request=ProfileInput, responses={200: UserOutput})
    def patch(self, request: Request) -> Response:
        data = ProfileInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        user = services.update_profile(user=request_user(request), **data.validated_data)
        return Response(UserOutput(user).data)


class AddressListCreateApi(generics.ListCreateAPIView[Address]):
    """The customer's own addresses."""

    serializer_class = AddressSerializer

    def get_queryset(self) -> QuerySet[Address]:
        return selectors.list_addresses(user=request_user(self.request))

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.create_address(user=request_user(self.request), **serializer.validated_data)


class AddressDetailApi(generics.RetrieveUpdateDestroyAPIView[Address]):
    """One of the customer's addresses; another customer's answers 404."""

    serializer_class = AddressSerializer

    def get_queryset(self) -> QuerySet[Address]:
        return selectors.list_addresses(user=request_user(self.request))

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_address(address=serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance: Address) -> None:
        services.delete_address(address=instance)
