"""WSGI entry point (gunicorn shop.wsgi). Websockets need the ASGI one."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

application = get_wsgi_application()

from shop.runtime import prepare_web_process  # noqa: E402 - after Django is set up

prepare_web_process()
