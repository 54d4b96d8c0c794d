"""``tousu worker``: runs background tasks (django-tasks database backend) and periodic jobs."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from tousu.common.jobs import JOBS, run_job


def scheduler_loop(stop: threading.Event, tick: float = 5.0) -> None:
    next_run = {job.name: 0.0 for job in JOBS}
    while not stop.is_set():
        now = time.monotonic()
        for job in JOBS:
            if now >= next_run[job.name]:
                close_old_connections()
                run_job(job)
                next_run[job.name] = time.monotonic() + job.every_seconds
        close_old_connections()
        stop.wait(tick)


class Command(BaseCommand):
    help = "Run background tasks and the periodic jobs (SLA sweep, clean-ups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls for new tasks"
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="run every periodic job once and all queued tasks, then exit",
        )
        parser.add_argument(
            "--no-scheduler",
            action="store_true",
            help="only run tasks (for extra worker processes)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        worker_id = f"{os.uname().nodename}-{os.getpid()}"
        if options["once"]:
            for job in JOBS:
                run_job(job)
            Worker(
                queue_names=["*"],
                interval=0,
                batch=True,
                backend_name="default",
                startup_delay=False,
                max_tasks=None,
                worker_id=worker_id,
                excluded_queue_names=[],
            ).run()
            return
        stop = threading.Event()
        if not options["no_scheduler"]:
            thread = threading.Thread(
                target=scheduler_loop, args=(stop,), daemon=True, name="tousu-scheduler"
            )
            thread.start()
        worker = Worker(
            queue_names=["*"],
            interval=options["interval"],
            batch=False,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=worker_id,
            excluded_queue_names=[],
        )
        worker.configure_signals()
        self.stdout.write(f"tousu worker {worker_id}: tasks and periodic jobs")
        try:
            worker.run()
        finally:
            stop.set()
