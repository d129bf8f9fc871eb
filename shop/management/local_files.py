"""Files a local run leaves for its user under var/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def save_generated_password(name: str, *lines: str) -> str:
    """Write a generated password (with whose it is) to var/<name>, readable by its owner
    only, so it outlives the log it was printed in; returns the path relative to the project."""
    path = Path(settings.BASE_DIR) / "var" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{line}\n" for line in lines))
    path.chmod(0o600)
    return str(path.relative_to(settings.BASE_DIR))
