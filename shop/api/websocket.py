"""Websocket authentication for API clients: `Authorization: Token <key>` on the handshake.

Browsers are authenticated by their session cookie (Channels' AuthMiddlewareStack); a
client of the API sends the same token header it uses for HTTP. A bad token is anonymous.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = Token.objects.select_related("user").filter(key=key).first()
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword == "Token" and key:
            scope = {**scope, "user": await _user_for_token(key.strip())}
        return await super().__call__(scope, receive, send)
