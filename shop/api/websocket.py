"""Websocket authentication: `Authorization: Token <key>` on the handshake, or the session.

A client of the API sends the same token header it uses for HTTP, and is authenticated by
it alone (a bad token is anonymous). Anyone else, browsers, goes through `sessions`:
Channels' session and auth stack, which reads the session cookie. A token client skips
that stack, and with it a thread hop and a session read on every connect.
"""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from shop.db import one_or_none


@database_sync_to_async
def _user_for_token(key: str) -> Any:
    from rest_framework.authtoken.models import Token

    token = one_or_none(Token.objects.select_related("user").filter(key=key))
    if token is None or not token.user.is_active:
        return AnonymousUser()
    return token.user


class TokenAuthMiddleware(BaseMiddleware):
    def __init__(self, inner: Any, *, sessions: Any = None) -> None:
        super().__init__(inner)
        self.sessions = sessions  # the application for handshakes without a token

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        keyword, _, key = header.partition(" ")
        if keyword == "Token" and key:
            scope = {**scope, "user": await _user_for_token(key.strip())}
            return await super().__call__(scope, receive, send)
        if self.sessions is not None:
            return await self.sessions(scope, receive, send)
        return await super().__call__(scope, receive, send)
