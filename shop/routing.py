"""Websocket routes, gathered from the apps named in settings.WEBSOCKET_ROUTING."""

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string


def websocket_urlpatterns() -> list[Any]:
    patterns: list[Any] = []
    for dotted in getattr(settings, "WEBSOCKET_ROUTING", []):
        patterns.extend(import_string(f"{dotted}.websocket_urlpatterns"))
    return patterns
