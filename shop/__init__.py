"""The project and its platform kernel: settings, event bus, accounts."""

from .celery import app as celery_app

__all__ = ["celery_app"]
