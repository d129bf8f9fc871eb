"""WSGI entry point (gunicorn shop.wsgi). Websockets need the ASGI one."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings.base")

application = get_wsgi_application()

from shop.celery import warm_up  # noqa: E402 - after Django is set up
from shop.runtime import tune_garbage_collector  # noqa: E402

warm_up()  # the first request that sends a task does not pay for Celery's imports
tune_garbage_collector()  # last: what start-up made is frozen
