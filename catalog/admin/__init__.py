"""Staff screens of the catalog; every save goes through the services (events, history, cache)."""

from . import products, taxonomy  # noqa: F401 - registers the admins
