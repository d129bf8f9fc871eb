"""Project settings, read from the environment.

With nothing set, the project runs on its *embedded default*: SQLite, the
local-memory cache, database sessions, the in-memory channel layer and Celery
tasks run in-process, so `make run` works on any machine with Python.
Production, CI and the test suite set DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# --- Core -------------------------------------------------------------------

DATABASE_URL = env_str("DATABASE_URL")
#: No DATABASE_URL means a local, embedded run; production always sets one.
EMBEDDED = not DATABASE_URL
DEBUG = env_bool("DJANGO_DEBUG", default=EMBEDDED)
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is not set. Set it, or set DJANGO_DEBUG=1 for local development.")
    # A per-process key: fine for a local run, logs everyone out on restart.
    SECRET_KEY = "dev-only-" + secrets.token_urlsafe(40)

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The eight bounded apps. They talk to each other only through shop.eventbus.
BOUNDED_APPS = [
    "catalog",
    "cart",
    "orders",
    "payments",
    "inventory",
    "delivery",
    "notifications",
    "analytics",
]

INSTALLED_APPS = [
    "daphne",  # must come first: its runserver serves ASGI (http + websockets)
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",  # search, trigram (catalog); harmless on SQLite
    "django_prometheus",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc as static files: /api/docs/ works offline
    "phonenumber_field",
    "channels",
    # The kernel
    "shop.apps.ShopConfig",
    "shop.eventbus.apps.EventbusConfig",
    "shop.accounts",
    *BOUNDED_APPS,
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "shop.observability.RequestIdMiddleware",
    "shop.views.HealthProbeMiddleware",  # before the host check: probes come by IP
    "shop.api.middleware.JsonApiErrorsMiddleware",  # /api/'s 404 and 500 in the error shape, DEBUG or not
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"
# Apps whose `<app>.routing.websocket_urlpatterns` the ASGI application serves.
WEBSOCKET_ROUTING = ["orders.routing"]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Data stores --------------------------------------------------------------

DATABASE_POOL_MAX_SIZE = env_int("DATABASE_POOL_MAX_SIZE", 8)
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_SERVER_SIDE_BINDING", True
    ):
        # Parameters travel apart from the SQL, and psycopg prepares a statement once a
        # connection has run it a few times: PostgreSQL parses and plans it only once.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "server_side_binding": True,
            "prepare_threshold": env_int("DATABASE_PREPARE_THRESHOLD", 5),
        }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and DATABASE_POOL_MAX_SIZE > 0:
        # A connection pool per process (psycopg_pool): under ASGI each request runs in
        # its own thread, so persistent per-thread connections would pile up.
        DATABASES["default"]["OPTIONS"] = {
            **DATABASES["default"].get("OPTIONS", {}),
            "pool": {"min_size": 1, "max_size": DATABASE_POOL_MAX_SIZE, "timeout": 10},
        }
    else:
        DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 60)
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env_str("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            # Several threads and processes write in the embedded mode (requests, the
            # in-process bus, the demo seed): IMMEDIATE transactions take the write lock
            # up front (a claim cannot interleave); WAL lets readers go on meanwhile.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }
# Database query metrics for /metrics.
_PROMETHEUS_ENGINES = {
    "django.db.backends.postgresql": "shop.db.postgresql",  # django-prometheus's metrics, cheaper per statement
    "django.db.backends.sqlite3": "django_prometheus.db.backends.sqlite3",
}
DATABASES["default"]["ENGINE"] = _PROMETHEUS_ENGINES.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "shop.cache.RedisCache",  # Django's, with one connection pool per process
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "shop"),
            "TIMEOUT": 300,
        }
    }
    # Sessions live in Redis, written through to the database so a Redis
    # restart does not log every customer out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # The layer waits for messages with a 5 s blocking pop (BZPOPMIN); redis-py 8 reads
            # with a 5 s socket timeout by default, so an idle socket's consumer died every
            # 5 s (channels_redis#422). Reads may wait longer than the pop; a dead peer is
            # still noticed (keepalive, and the next pop's timeout).
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 30, "socket_keepalive": True}]},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
# Embedded default: no broker, so tasks run in-process at the call.
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=not (REDIS_URL or env_str("CELERY_BROKER_URL")))
CELERY_TASK_EAGER_PROPAGATES = True
# Celery's Django fixup closes every database connection before and after each task and,
# with a connection pool under prefork, the whole pool: a new PostgreSQL backend per task.
# With reuse it does so only every 2 x N tasks; shop.celery hands the connection back to
# the pool before each task instead (cheap, and it drops a broken connection).
CELERY_DB_REUSE_MAX = env_int("CELERY_DB_REUSE_MAX", 1000)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A lost broker at commit time must not hang a web request for long.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
CELERY_TIMEZONE = "UTC"
# Beat schedule: apps add entries through shop.celery.register_periodic_task().
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- Event bus (shop/eventbus/conf.py lists every setting) ---------------------

EVENTBUS_BATCH_SIZE = env_int("EVENTBUS_BATCH_SIZE", 100)
EVENTBUS_LEASE_SECONDS = float(env_str("EVENTBUS_LEASE_SECONDS", "60"))
EVENTBUS_RUN_SECONDS = float(env_str("EVENTBUS_RUN_SECONDS", "3"))
EVENTBUS_QUEUE = env_str("EVENTBUS_QUEUE", "celery")
EVENTBUS_SWEEP_SECONDS = float(env_str("EVENTBUS_SWEEP_SECONDS", "2"))
EVENTBUS_EVENT_RETENTION_DAYS = env_int("EVENTBUS_EVENT_RETENTION_DAYS", 90)
#: How long analytics remembers each confirmed order's store, for refunds that come later.
ANALYTICS_ORDER_MEMORY_DAYS = env_int("ANALYTICS_ORDER_MEMORY_DAYS", 400)
#: Demand forecasts and reorder advice (analytics/README.md): days of history averaged, the
#: days a reorder takes to arrive, and the safety stock's factor (1.65: about 95 % service).
ANALYTICS_FORECAST_DAYS = env_int("ANALYTICS_FORECAST_DAYS", 28)
ANALYTICS_LEAD_TIME_DAYS = env_int("ANALYTICS_LEAD_TIME_DAYS", 2)
ANALYTICS_SAFETY_FACTOR = env_str("ANALYTICS_SAFETY_FACTOR", "1.65")
EVENTBUS_NUDGE_ON_COMMIT = env_bool("EVENTBUS_NUDGE_ON_COMMIT", default=True)
# The relay to an AMQP broker, for services outside (shop/eventbus/relay.py); off when unset.
EVENTBUS_RELAY_URL = env_str("EVENTBUS_RELAY_URL")
EVENTBUS_RELAY_EVENTS = env_list("EVENTBUS_RELAY_EVENTS", ["*"])
EVENTBUS_RELAY_EXCHANGE = env_str("EVENTBUS_RELAY_EXCHANGE", "shop.events")
# The embedded default has no `celery beat`: threads of the web process (runserver) run
# the whole beat schedule instead, the outbox sweep with it (shop/beat.py).
SHOP_INPROCESS_BEAT = env_bool(
    "SHOP_INPROCESS_BEAT", default=env_bool("EVENTBUS_INPROCESS_SWEEPER", default=CELERY_TASK_ALWAYS_EAGER)
)

# --- Mail (notifications) ------------------------------------------------------
# Without EMAIL_HOST, messages are printed to the log (the console backend).
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
# The file backend (EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend) writes here.
if env_str("EMAIL_FILE_PATH"):
    EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Demo Grocery <orders@demo.shop.in>")
# Where links in messages point, and who gets staff alerts (low stock, failed refunds).
SHOP_PUBLIC_URL = env_str("SHOP_PUBLIC_URL", "http://127.0.0.1:8000")
SHOP_STAFF_EMAILS = env_list("SHOP_STAFF_EMAILS", ["ops@demo.shop.in"])

# --- The business -------------------------------------------------------------------

# The legal entity on GST invoices (the defaults are a demo company).
SHOP_LEGAL_NAME = env_str("SHOP_LEGAL_NAME", "Demo Grocery Pvt Ltd")
SHOP_GSTIN = env_str("SHOP_GSTIN", "29AAACD1234F1Z5")
SHOP_ADDRESS = env_str("SHOP_ADDRESS", "Bengaluru, Karnataka")
SHOP_STATE = env_str("SHOP_STATE", "Karnataka")
SHOP_INVOICE_PREFIX = env_str("SHOP_INVOICE_PREFIX", "GS")
# How long an order may wait for its payment (and stock and slot) before it is cancelled.
ORDERS_PAYMENT_WINDOW_SECONDS = env_int("ORDERS_PAYMENT_WINDOW_SECONDS", 15 * 60)
#: Failed payment attempts (the customer tries again in Razorpay's checkout) that cancel an
#: order before its payment window closes; 1 cancels on the first failure.
ORDERS_PAYMENT_ATTEMPTS = env_int("ORDERS_PAYMENT_ATTEMPTS", 3)
INVENTORY_RESERVATION_TTL_SECONDS = env_int("INVENTORY_RESERVATION_TTL_SECONDS", 15 * 60)
# A visitor's cart (not logged in) untouched this long is deleted (daily); beyond the
# session cookie's two weeks, so no visitor who can still reach it loses it.
CART_VISITOR_IDLE_DAYS = env_int("CART_VISITOR_IDLE_DAYS", 30)
# StockLevelChanged is announced when a SKU goes in or out of stock, or its level moved by
# this many percent since the last announcement (0: every move).
INVENTORY_LEVEL_STEP_PERCENT = env_int("INVENTORY_LEVEL_STEP_PERCENT", 10)
# The daily near-expiry digest to staff lists, per store, the batches on the shelf that expire
# today or within this many days (2: today, tomorrow and the day after).
INVENTORY_NEAR_EXPIRY_DAYS = env_int("INVENTORY_NEAR_EXPIRY_DAYS", 2)
DELIVERY_WEIGH_TOLERANCE_PERCENT = env_int("DELIVERY_WEIGH_TOLERANCE_PERCENT", 120)

# --- Auth ---------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/admin/login/"
#: How long a password reset link works (one use either way); Django's own default is 3 days,
#: long for a link that lets whoever holds the mailbox into the account.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 2 * 3600)
PHONENUMBER_DEFAULT_REGION = "IN"
PHONENUMBER_DB_FORMAT = "E164"

SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# HTTPS only: production sets both (check --deploy warns until it does); off by default so a
# local production-like run over plain HTTP (make procs, the benchmarks) still answers.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)


# --- API ----------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "shop.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "shop.api.errors.exception_handler",
    # JSON bodies only: a cross-site HTML form (urlencoded, multipart, text/plain) cannot send
    # one, so the anonymous writes (login, a visitor's cart) need no CSRF token to be safe;
    # the logged-in session's writes check theirs as well.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Rate limits are per client address: X-Forwarded-For is believed only for this many
    # proxies in front (0: REMOTE_ADDR; behind one proxy, 1). Otherwise a client could name
    # a new address each time and never be limited.
    "NUM_PROXIES": env_int("SHOP_NUM_PROXIES", 0),
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env_str("THROTTLE_ANON", "300/min"),
        "user": env_str("THROTTLE_USER", "1200/min"),
        "login": env_str("THROTTLE_LOGIN", "10/min"),
        # Failed-or-not logins per email address, whatever the address they come from.
        "login_email": env_str("THROTTLE_LOGIN_EMAIL", "30/hour"),
        "register": env_str("THROTTLE_REGISTER", "20/hour"),
        # Reset links asked for, per IP and per email address; password changes per customer.
        "password_reset": env_str("THROTTLE_PASSWORD_RESET", "5/hour"),
        "password_reset_email": env_str("THROTTLE_PASSWORD_RESET", "5/hour"),
        "password_change": env_str("THROTTLE_PASSWORD_CHANGE", "10/min"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Grocery shop API",
    "DESCRIPTION": "Customer and staff API of the grocery shop. Money is integer paise (INR).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # /api/docs/ loads Swagger UI from our static files (drf-spectacular-sidecar, pinned in
    # requirements/base.txt), not from a CDN's @latest.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Choice sets several apps use under one field name get one clear name each (dotted
    # strings: the kernel imports no app).
    # Every operation documents the one error shape (4XX, 5XX), not only its success.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "shop.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "PaymentMethodEnum": "payments.models.PaymentIntent.Method",
        "OrderPaymentMethodEnum": "orders.models.Order.PaymentMethod",
        "OrderStatusEnum": "orders.models.Order.Status",
    },
}

# --- Locale, time, static -------------------------------------------------------

LANGUAGE_CODE = "en-in"
TIME_ZONE = "Asia/Kolkata"  # shown in IST, stored in UTC
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# --- Observability ---------------------------------------------------------------

LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
LOG_FORMAT = env_str("LOG_FORMAT", "json")  # json | console
LOGGING_CONFIG = None  # shop.observability.configure_logging() sets logging up
from shop.observability import configure_logging  # noqa: E402

configure_logging(level=LOG_LEVEL, fmt=LOG_FORMAT)
