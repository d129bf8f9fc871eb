"""ASGI entry point: HTTP through Django, websockets through Channels.

Apps add websocket routes by listing a dotted `<app>.routing` module in the
WEBSOCKET_ROUTING setting; shop imports no app directly.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")
django_asgi_app = get_asgi_application()  # set up Django before importing consumers

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from shop.api.websocket import TokenAuthMiddleware  # noqa: E402
from shop.routing import websocket_urlpatterns  # noqa: E402
from shop.runtime import prepare_web_process  # noqa: E402

routes = URLRouter(websocket_urlpatterns())
application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # API clients by their token; browsers by their session cookie.
        "websocket": AllowedHostsOriginValidator(TokenAuthMiddleware(routes, sessions=AuthMiddlewareStack(routes))),
    }
)
prepare_web_process(websockets=True)
