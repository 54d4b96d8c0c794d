"""``tousu run``: serves with gunicorn plus a worker; Ctrl-C stops both and exits 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads processes from /proc"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _processes() -> dict[int, tuple[str, int, int]]:
    """pid → (state, ppid, pgrp) of every live process."""
    out = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            out[int(entry.name)] = (fields[0], int(fields[1]), int(fields[2]))
    return out


def _descendants(pid: int) -> set[int]:
    procs = _processes()
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {p for p, (_, ppid, _) in procs.items() if ppid in frontier} - found
        found |= frontier
    return found


def _alive(pids: set[int]) -> set[int]:
    return pids & set(_processes())


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - our own local server
        resp.read()  # read it all: a half-read response makes gunicorn log a broken pipe
        return int(resp.status)


def _wait(predicate: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@contextmanager
def tousu_run(tmp_path: Path, port: int) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    env = {
        **os.environ,
        "TOUSU_LOCAL": "1",
        "TOUSU_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": "",
    }
    log = tmp_path / "run.log"
    command = ["run", "--no-demo", "--port", str(port), "--workers", "1"]
    with log.open("w") as sink:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tousu.cli", *command],
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
    try:
        yield proc, log
    finally:
        for pid in _descendants(proc.pid) | {proc.pid}:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()


def test_run_serves_and_ctrl_c_stops_everything(tmp_path: Path) -> None:
    port = _free_port()
    with tousu_run(tmp_path, port) as (proc, log):

        def ready() -> bool:
            assert proc.poll() is None, log.read_text()
            try:
                up = _get(f"http://127.0.0.1:{port}/healthz") == 200
            except OSError:
                return False
            return up and "periodic job prune_task_results done" in log.read_text()

        _wait(ready, 120, "the server and the worker did not come up")
        assert _get(f"http://127.0.0.1:{port}/api/v1/complaints") == 200
        children = _descendants(proc.pid)
        assert len(children) >= 3  # gunicorn master + its worker, tousu worker
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        proc.wait(timeout=40)
        out = log.read_text()
        assert proc.returncode == 0, out
        assert "Traceback" not in out, out
        assert f"Tousu is running: http://127.0.0.1:{port}/" in out
        assert "tousu worker stopped" in out
        assert "Tousu stopped." in out
        _wait(lambda: not _alive(children), 10, "children left behind")


def test_ctrl_c_right_after_start_leaves_nothing_behind(tmp_path: Path) -> None:
    """Ctrl-C while the children are still starting: no traceback, no orphan, exit 0."""
    with tousu_run(tmp_path, _free_port()) as (proc, log):
        _wait(lambda: len(_descendants(proc.pid)) >= 2, 120, "children did not start")
        children = _descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=40)
        out = log.read_text()
        assert proc.returncode == 0, out
        assert "Traceback" not in out, out
        assert "Tousu stopped." in out
        _wait(lambda: not _alive(children), 10, "children left behind")


def test_children_stop_when_run_is_killed(tmp_path: Path) -> None:
    port = _free_port()
    with tousu_run(tmp_path, port) as (proc, log):
        _wait(lambda: "Tousu is running" in log.read_text(), 120, "did not start")
        children = _descendants(proc.pid)
        assert len(children) >= 3
        proc.kill()  # no chance to clean up: the children get SIGTERM from the kernel
        proc.wait()
        _wait(lambda: not _alive(children), 20, "orphans keep running")
