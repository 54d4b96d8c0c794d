"""``tousu run``: migrate, load the demo once, serve with gunicorn and run the worker.

Ctrl-C (SIGINT to the terminal's process group), SIGTERM or SIGHUP stops gunicorn and the worker
gracefully, waits for both and exits 0. If either child dies on its own, the other is stopped
and the exit code is 1.

The children run in a process group of their own, so Ctrl-C reaches only this process, which
stops them with SIGTERM: gunicorn finishes the requests in flight (on SIGINT it would quit in
the middle of one) and the worker the task in progress. On Linux they also get SIGTERM if this
process dies without cleaning up (``PR_SET_PDEATHSIG``), so no orphan keeps the port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

STOP_TIMEOUT = 20.0


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _child_setup() -> None:
    """In the child between fork and exec: die with the parent (Linux)."""
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _gunicorn_extra_args() -> list[str]:
    """Gunicorn 24+ opens a control socket in ~/.gunicorn by default; two demos on one machine
    would fight over it and the demo needs none."""
    from gunicorn.config import KNOWN_SETTINGS

    if any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS):
        return ["--no-control-socket"]
    return []


class Command(BaseCommand):
    help = "Serve the site and API (gunicorn) with a background worker; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")
        parser.add_argument("--no-demo", action="store_true", help="do not load demo data")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        if _port_open(host, port):
            raise CommandError(f"{host}:{port} is already in use; pick another with --port")
        try:
            self._prepare(load_demo=not options["no_demo"])
        except KeyboardInterrupt:
            self.stderr.write("\ninterrupted before the server started (nothing half-loaded)")
            raise SystemExit(130) from None
        self._serve(host, port, options["workers"], show_logins=not options["no_demo"])

    def _prepare(self, *, load_demo: bool) -> None:
        settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Collecting static files …")
        call_command("collectstatic", interactive=False, verbosity=0)
        if load_demo:
            call_command("seed_demo", quiet_logins=True, stdout=self.stdout)

    def _serve(self, host: str, port: int, workers: int, *, show_logins: bool) -> None:
        env = {**os.environ, "TOUSU_LOCAL": os.environ.get("TOUSU_LOCAL", "1")}
        bind = f"{host}:{port}"
        stopping = {"signal": 0}

        def on_signal(signum: int, frame: Any) -> None:
            stopping["signal"] = signum

        # installed before the children start, so a stop signal never leaves one behind
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(signum, on_signal)
        own_group: dict[str, Any] = {"process_group": 0, "preexec_fn": _child_setup}
        server = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
                "-m",
                "gunicorn",
                "tousu.wsgi:application",
                "--bind",
                bind,
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
                "--timeout",
                "60",
                *_gunicorn_extra_args(),
            ],
            env=env,
            **own_group,
        )
        worker = subprocess.Popen(
            [sys.executable, "-m", "tousu.cli", "worker"], env=env, **own_group
        )
        children = {"server (gunicorn)": server, "worker": worker}

        deadline = time.monotonic() + 30
        while not stopping["signal"] and server.poll() is None:
            if _port_open(host, port) or time.monotonic() > deadline:
                self._banner(bind, show_logins)
                break
            time.sleep(0.2)

        while not stopping["signal"] and all(c.poll() is None for c in children.values()):
            time.sleep(0.2)

        died = [name for name, c in children.items() if c.poll() is not None]
        if not stopping["signal"]:
            self.stderr.write(f"{', '.join(died)} stopped unexpectedly; stopping the rest")
        self._stop(children)
        if not stopping["signal"]:
            raise SystemExit(1)
        self.stdout.write("Tousu stopped.")

    def _banner(self, bind: str, show_logins: bool) -> None:
        url = f"http://{bind}/"
        lines = [
            "",
            f"Tousu is running: {url}",
            f"  API docs: {url}api/v1/docs    health: {url}healthz",
        ]
        if show_logins:
            from .seed_demo import demo_logins_text

            lines += ["", demo_logins_text()]
        lines += ["", "Press Ctrl-C to stop the server and the worker.", ""]
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
        self.stdout.flush()

    def _stop(self, children: dict[str, subprocess.Popen[bytes]]) -> None:
        # SIGTERM is a graceful stop for both (and harmless for one already stopping)
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for name, child in children.items():
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.stderr.write(f"{name} did not stop in {STOP_TIMEOUT:.0f}s; killing it")
                child.kill()
                child.wait()
