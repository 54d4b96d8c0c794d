"""``tousu worker``: runs background tasks and periodic jobs.

Tasks come from the django-tasks database backend by default, or from Redis through RQ when
``TOUSU_TASK_BACKEND=rq`` (``RedisTaskRunner``; docs/adr/0022-scale-out.md).

One process, one thread: it runs the periodic jobs that are due (``tousu.common.jobs``), then the
queued tasks (at most ``--batch`` at a time, so a long queue does not starve the scheduler), then
waits ``--interval`` seconds. SIGTERM or SIGINT stop it after the task or job in progress; a
second SIGINT (Ctrl-C twice) interrupts that task, which is recorded as failed, and exits 1.
Each periodic job runs at start and then every ``every_seconds``; all of them are idempotent.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django_tasks import task_backends
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.management.commands.db_worker import Worker

from tousu.common.jobs import JOBS, Scheduler, periodic_claims, run_job

logger = logging.getLogger("tousu.worker")


class TaskRunner:
    """Runs queued tasks of the database backend until none is left or ``limit`` ran."""

    def __init__(self, worker_id: str, backend_name: str = "default") -> None:
        self.worker_id = worker_id
        self.backend_name = backend_name
        self.current: Worker | None = None
        self.stopping = False

    def drain(self, limit: int | None = None) -> int:
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name=self.backend_name,
            startup_delay=False,
            max_tasks=limit,
            worker_id=self.worker_id,
            excluded_queue_names=[],
        )
        self.current = worker
        if self.stopping:
            return 0
        try:
            worker.run()
        finally:
            self.current = None
        return worker._run_tasks

    def stop(self) -> None:
        self.stopping = True
        if self.current is not None:
            self.current.running = False  # finish the task in progress, then return


class RedisTaskRunner:
    """Runs queued tasks of the RQ backend (``django_tasks_rq``) from Redis: an RQ
    ``SimpleWorker`` in burst mode, in this process (no fork per task, so database connections
    and our signal handling stay as with the database backend)."""

    def __init__(self, worker_id: str, backend_name: str = "default") -> None:
        self.worker_id = worker_id
        self.backend_name = backend_name
        self.current: Any = None
        self.stopping = False
        self.runs = 0

    def drain(self, limit: int | None = None) -> int:
        import django_rq
        from django_tasks_rq import Job
        from rq.worker import SimpleWorker

        class _Worker(SimpleWorker):
            executed = 0

            def _install_signal_handlers(self) -> None:
                pass  # `tousu worker` handles SIGTERM/SIGINT itself (stop after the task)

            def execute_job(self, job: Any, queue: Any) -> None:
                self.executed += 1  # RQ's own counters are gone with the burst worker's key
                super().execute_job(job, queue)

        if self.stopping:
            return 0
        self.runs += 1
        names = sorted(task_backends[self.backend_name].queues)
        queues = [django_rq.get_queue(name, job_class=Job) for name in names]
        worker = _Worker(
            queues,
            connection=queues[0].connection,
            job_class=Job,
            name=f"{self.worker_id}-{self.runs}",
        )
        self.current = worker
        try:
            # with_scheduler: tasks deferred with run_after are moved to their queue when due
            worker.work(
                burst=True,
                max_jobs=limit,
                with_scheduler=True,
                logging_level=logging.getLevelName(logging.getLogger("rq").getEffectiveLevel()),
            )
        finally:
            self.current = None
        return int(worker.executed)

    def stop(self) -> None:
        self.stopping = True
        if self.current is not None:
            self.current._stop_requested = True  # finish the task in progress, then return


def uses_database_backend(backend_name: str = "default") -> bool:
    return isinstance(task_backends[backend_name], DatabaseBackend)


def uses_rq_backend(backend_name: str = "default") -> bool:
    backend = task_backends[backend_name]
    return type(backend).__module__.startswith("django_tasks_rq")


def task_runner(worker_id: str) -> TaskRunner | RedisTaskRunner | None:
    if uses_database_backend():
        return TaskRunner(worker_id)
    if uses_rq_backend():
        return RedisTaskRunner(worker_id)
    return None


class Command(BaseCommand):
    help = "Run background tasks and the periodic jobs (SLA sweep, clean-ups)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls for new tasks"
        )
        parser.add_argument(
            "--batch", type=int, default=100, help="tasks run between two scheduler checks"
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
        if options["batch"] < 1:
            raise CommandError("--batch must be at least 1")
        if options["verbosity"] < 2:
            # one line per task (thousands after loading the demo) is noise; failures still log
            for name in ("django_tasks", "django_tasks_db", "rq"):
                logging.getLogger(name).setLevel(logging.WARNING)
        worker_id = f"{os.uname().nodename}-{os.getpid()}"[:64]
        runner = task_runner(worker_id)
        if runner is None:
            logger.warning("the task backend is neither the database nor RQ: running jobs only")
        if options["once"]:
            if not options["no_scheduler"]:
                for job in JOBS:
                    run_job(job)
            ran = runner.drain() if runner else 0
            self.stdout.write(f"worker --once: {ran} task(s) run")
            return
        scheduler = None
        if not options["no_scheduler"]:
            # with REDIS_URL, each periodic job runs once per period across all the workers
            scheduler = Scheduler(claims=periodic_claims(owner=worker_id))
        self._serve(runner, scheduler=scheduler, **options)

    def _serve(
        self,
        runner: TaskRunner | RedisTaskRunner | None,
        scheduler: Scheduler | None,
        **options: Any,
    ) -> None:
        stop = threading.Event()
        state = {"interrupts": 0}

        def on_signal(signum: int, frame: FrameType | None) -> None:
            if signum == signal.SIGINT:
                state["interrupts"] += 1
                if state["interrupts"] > 1:
                    raise SystemExit(1)  # Ctrl-C twice: interrupt the task in progress
            if not stop.is_set():
                logger.info("%s: stopping after the current task", signal.strsignal(signum))
            stop.set()
            if runner is not None:
                runner.stop()

        # started with SIGINT ignored (like ``nohup``), it stays ignored: stop it with SIGTERM
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
            signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        doing = [what for what, on in (("tasks", runner), ("periodic jobs", scheduler)) if on]
        self.stdout.write(f"tousu worker {os.getpid()}: {' and '.join(doing) or 'nothing'}")
        self.stdout.flush()
        while not stop.is_set():
            close_old_connections()
            if scheduler is not None:
                scheduler.run_due(should_stop=stop.is_set)
            ran = 0
            if runner is not None and not stop.is_set():
                try:
                    ran = runner.drain(limit=options["batch"])
                except Exception:  # e.g. the database went away: log, wait, try again
                    logger.exception("running tasks failed; retrying in 5 seconds")
                    stop.wait(5)
            close_old_connections()
            if ran < options["batch"]:  # the queue is empty: wait for new tasks
                wait = options["interval"] if runner else 5.0
                if scheduler is not None:
                    wait = min(wait, scheduler.seconds_until_due())
                stop.wait(max(wait, 0.05))
        if state["interrupts"] > 1:
            raise SystemExit(1)
        self.stdout.write("tousu worker stopped")
