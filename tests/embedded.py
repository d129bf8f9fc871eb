"""Run a script in the embedded default (`make run`'s setup: SQLite, no Redis, Celery eager)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings


def run_embedded(script: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    """Migrate a fresh SQLite database under tmp_path, then run `script` in `manage.py shell`."""
    environ = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings.test",
        "DATABASE_URL": "",  # embedded: SQLite
        "REDIS_URL": "",  # embedded: local memory, Celery eager
        "SQLITE_PATH": str(tmp_path / "embedded.sqlite3"),
        **env,
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=settings.BASE_DIR, env=environ, check=True, timeout=60)
    return subprocess.run(
        [*manage, "shell", "-c", script],
        cwd=settings.BASE_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
