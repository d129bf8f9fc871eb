"""What the admin's history says about an object: who did what (LogEntry), oldest first."""

from __future__ import annotations

from django.contrib.admin.models import LogEntry
from django.db.models import Model


def admin_history_of(model: str, object_id: object) -> list[tuple[str, int, str]]:
    """(staff email, action flag, message) of each entry about `model` (its lower-case name) `object_id`."""
    entries = LogEntry.objects.filter(object_id=str(object_id), content_type__model=model).order_by("action_time", "id")
    return [(entry.user.email, entry.action_flag, entry.get_change_message()) for entry in entries]


def admin_history(obj: Model) -> list[tuple[str, int, str]]:
    return admin_history_of(obj._meta.model_name or "", obj.pk)
