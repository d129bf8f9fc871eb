"""What the benchmarks share: a database of their own, and processes to start and stop."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database named in `url` (dropping it first when `fresh`)."""
    import psycopg
    from dj_database_url import parse

    cfg = parse(url)
    admin = psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], password=cfg["PASSWORD"] or None,
        dbname="postgres", autocommit=True,
    )  # fmt: skip
    with admin:
        if fresh:
            admin.execute(f'DROP DATABASE IF EXISTS "{cfg["NAME"]}" WITH (FORCE)')
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [cfg["NAME"]]).fetchone():
            admin.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def start(cmd: list[str], *, log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a process in its own session (so stopping it stops its children), logging to `log`."""
    out = open(log, "ab")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen(
        cmd, cwd=ROOT, env={**os.environ, **(env or {})}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


def celery_worker(
    queue: str, *, log: str, env: dict[str, str] | None = None, beat: bool = False, pool: str = "prefork"
) -> subprocess.Popen[bytes]:
    """A Celery worker: prefork with BENCH_WORKER_PROCESSES processes, or (pool="solo") one
    process that takes its messages and runs its tasks itself."""
    cmd = [
        sys.executable, "-m", "celery", "-A", "shop", "worker", "--loglevel=WARNING", "-Q", queue,
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"bench-{os.getpid()}-{time.monotonic_ns() % 100000}@%h",
    ]  # fmt: skip
    if pool == "solo":
        cmd += ["--pool", "solo"]
    else:
        cmd += [f"--concurrency={os.environ.get('BENCH_WORKER_PROCESSES', '2')}"]
    if beat:
        cmd += ["-B", f"--schedule=/tmp/{queue}-beat"]
    return start(cmd, log=log, env=env)


def stop(proc: subprocess.Popen[bytes], *, timeout: float = 60, signal_: int = signal.SIGTERM) -> None:
    """SIGTERM (a graceful stop), then SIGKILL to the whole group if it lingers."""
    if proc.poll() is None:
        proc.send_signal(signal_)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)


def profile(pid: int, *, out: str) -> subprocess.Popen[bytes]:
    """Sample `pid` and its children with py-spy (pip install py-spy) until stopped with SIGINT;
    collapsed stacks (one line per stack, its sample count last) go to `out`.
    BENCH_PYSPY_ARGS adds options: `--gil` samples only the thread holding the GIL (CPU, not waits)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    cmd = [str(py_spy), "record", "--pid", str(pid), "--subprocesses", "--format", "raw", "--rate", "200"]
    cmd += os.environ.get("BENCH_PYSPY_ARGS", "").split()
    return start([*cmd, "--nonblocking", "--output", out], log=f"{out}.log")


def machine_speed() -> float:
    """Seconds one core takes for a fixed piece of pure Python (lower is faster): this VM's
    speed moves by a third from minute to minute, so CPU figures are read against it."""
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        sum(i * i for i in range(2_000_000))
        best = min(best, time.process_time() - started)
    return best


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[max(0, min(len(sorted_values) - 1, round(len(sorted_values) * fraction) - 1))]


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _process_tree() -> dict[int, tuple[int, str]]:
    """pid -> (parent pid, command name) of every process in /proc."""
    tree = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except (FileNotFoundError, ProcessLookupError):
                continue
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            tree[int(entry.name)] = (int(stat.rsplit(")", 1)[1].split()[1]), name)
    return tree


def cpu_by_group(groups: dict[str, list[int]]) -> dict[str, float]:
    """CPU seconds used so far by each named group of processes and their descendants, and by PostgreSQL."""
    tree = _process_tree()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in tree.items():
        children.setdefault(parent, []).append(pid)
    used: dict[str, float] = {}
    for label, roots in groups.items():
        stack, total = list(roots), 0.0
        while stack:
            pid = stack.pop()
            total += _cpu_seconds(pid)
            stack.extend(children.get(pid, []))
        used[label] = total
    used["postgres"] = sum(_cpu_seconds(pid) for pid, (_, name) in tree.items() if name.startswith("postgres"))
    used["bench"] = _cpu_seconds(os.getpid())
    return used
