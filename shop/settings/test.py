"""Settings for the test suite: PostgreSQL and Redis on 127.0.0.1, overridable by env."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shop")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/1")
os.environ.setdefault("CACHE_KEY_PREFIX", "shop-test")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
# Tests deliver events with shop.eventbus.testing.deliver_pending(); no broker needed.
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "1")

from .base import *  # noqa: F403
from .env import env_bool

# Tests run deliveries themselves (shop.eventbus.testing.deliver_pending); the
# integration tests start real workers and turn the nudge on where they need it.
EVENTBUS_NUDGE_ON_COMMIT = env_bool("EVENTBUS_NUDGE_ON_COMMIT", default=False)
SHOP_INPROCESS_BEAT = False
INSTALLED_APPS = [*INSTALLED_APPS, "tests.eventbus.busapp"]  # noqa: F405 - events and handlers for bus tests

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
ALLOWED_HOSTS = ["*"]
