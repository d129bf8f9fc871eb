"""The Procfile's processes as a platform (or honcho, `make procs`) starts them: each through
`sh -c`, so each line must `exec` its server. Otherwise the shell stays the process the
platform signals: a container's PID 1 shell ignores SIGTERM (no warm shutdown, a SIGKILL
after the grace period), and a supervisor that signals only its child's pid orphans it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _processes(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    processes = {}
    for line in lines:
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


@pytest.mark.parametrize("procfile", ["Procfile", "Procfile.dev"])
def test_every_process_execs_its_server(procfile: str) -> None:
    processes = _processes(procfile)
    assert processes
    for name, command in processes.items():
        assert re.search(r"(^|&& )exec \.venv/bin/", command), f"{procfile} {name}: {command}"


def test_the_procfile_runs_what_the_readme_says() -> None:
    assert set(_processes("Procfile")) == {"web", "ws", "worker", "beat"}
