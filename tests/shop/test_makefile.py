"""`make run` and `make help`: the port is configurable and the links in emails follow it.

`make run` is run for real in a scratch copy of the repository's Makefile, with a stand-in
for the virtualenv's python that records each call (arguments and SHOP_PUBLIC_URL)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

STUB = """#!/bin/sh
echo "$* | SHOP_PUBLIC_URL=$SHOP_PUBLIC_URL" >> "$STUB_LOG"
case "$*" in *runserver*)  # "serve" until what make run started beside it has recorded its call
    for _ in $(seq 50); do
        grep -q fake_razorpay "$STUB_LOG" && grep -q seed_demo "$STUB_LOG" && break
        sleep 0.1
    done;;
esac
"""


def make_run(tmp_path: Path, *args: str, **env: str) -> list[str]:
    """Run `make run ARGS` with a recording python; returns its calls, one line each."""
    shutil.copy(Path(settings.BASE_DIR) / "Makefile", tmp_path / "Makefile")
    (tmp_path / "requirements").mkdir()
    for name in ("base.txt", "dev.txt"):
        (tmp_path / "requirements" / name).write_text("")
    (tmp_path / ".venv" / "bin").mkdir(parents=True)
    stub = tmp_path / ".venv" / "bin" / "python"
    stub.write_text(STUB)
    stub.chmod(0o755)
    (tmp_path / ".venv" / "bin" / ".installed").touch()  # newer than the requirements: no install
    log = tmp_path / "calls.log"
    environ = {
        **{k: v for k, v in os.environ.items() if k not in ("SHOP_PUBLIC_URL", "RAZORPAY_BASE_URL", "MAKEFLAGS")},
        "STUB_LOG": str(log),
        **env,
    }
    result = subprocess.run(
        ["make", "--no-print-directory", "run", *args],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return log.read_text().splitlines()


def _call(calls: list[str], command: str) -> str:
    found = [line for line in calls if f"manage.py {command}" in line]
    assert found, calls
    return found[0]


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_on_another_port_points_emails_links_at_that_port(tmp_path: Path) -> None:
    calls = make_run(tmp_path, "PORT=8437", "FAKE_RAZORPAY_PORT=9437")

    server = _call(calls, "runserver")
    assert "runserver 127.0.0.1:8437 |" in server
    assert server.endswith("SHOP_PUBLIC_URL=http://127.0.0.1:8437")
    fake = _call(calls, "fake_razorpay")
    assert "--port 9437 --webhook-url http://127.0.0.1:8437/payments/razorpay/webhook/" in fake
    # Everything make run starts sees the same address (the demo seed included).
    assert all(line.endswith("SHOP_PUBLIC_URL=http://127.0.0.1:8437") for line in calls), calls


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_keeps_a_public_url_that_is_set(tmp_path: Path) -> None:
    calls = make_run(tmp_path, "PORT=8437", SHOP_PUBLIC_URL="https://shop.example.in")

    assert _call(calls, "runserver").endswith("SHOP_PUBLIC_URL=https://shop.example.in")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_defaults_to_port_8000(tmp_path: Path) -> None:
    calls = make_run(tmp_path)

    server = _call(calls, "runserver")
    assert "runserver 127.0.0.1:8000 |" in server
    assert server.endswith("SHOP_PUBLIC_URL=http://127.0.0.1:8000")


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_help_and_the_readme_name_the_ports() -> None:
    result = subprocess.run(
        ["make", "--no-print-directory", "help"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=True
    )

    for name in ("PORT", "FAKE_RAZORPAY_PORT", "SHOP_PUBLIC_URL"):
        assert name in result.stdout
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    assert "make run PORT=" in readme
    assert "FAKE_RAZORPAY_PORT" in readme
