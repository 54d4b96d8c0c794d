"""Workers on Redis (docs/adr/0022-scale-out.md): with ``TOUSU_TASK_BACKEND=rq`` the app's
tasks are queued in Redis through django-tasks-rq and ``tousu worker`` consumes them; periodic
jobs run once per period across all the workers (claims in Redis).

These tests need a Redis server (``TOUSU_TEST_REDIS_URL``, by default databases 13 and up of
the local one, which nothing else here uses); they are skipped, saying so, only when it is
unreachable.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tousu.accounts.models import User
from tousu.common.jobs import PeriodicClaims, PeriodicJob, Scheduler, periodic_claims
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.engagement.models import Notification


def _redis_url() -> str:
    """One Redis database per pytest-xdist worker (13, 14, …), so parallel tests never share
    the queue ``default``."""
    base = os.environ.get("TOUSU_TEST_REDIS_URL") or "redis://127.0.0.1:6379/13"
    server, db = base.rsplit("/", 1)
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{server}/{(int(db) + worker) % 16}"


REDIS_URL = _redis_url()
RQ_BACKEND = {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}


def _redis_reachable() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_reachable(), reason=f"no Redis server at {REDIS_URL} (TOUSU_TEST_REDIS_URL)"
)


@pytest.fixture
def rq_backend(settings: Any) -> Iterator[Any]:
    """The settings TOUSU_TASK_BACKEND=rq and REDIS_URL produce; an empty queue to start."""
    import django_rq

    settings.TASKS = {"default": RQ_BACKEND}
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_app_tasks_queued_in_redis(
    rq_backend: Any,
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    complaint_form: dict[str, Any],
) -> None:
    from rq.registry import FailedJobRegistry

    complaint, _ = services.complaint_submit(
        consumer=consumer, data=services.ComplaintInput(company_id=company.pk, **complaint_form)
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    # on commit, the two notifications were queued in Redis, not in the database
    assert rq_backend.count == 2
    assert {job.func_name for job in rq_backend.get_jobs()} == {
        "tousu.engagement.tasks.notify_event"
    }
    assert DBTaskResult.objects.count() == 0
    assert Notification.objects.count() == 0

    out = StringIO()
    call_command("worker", "--once", stdout=out)  # an RQ worker in burst mode

    assert "2 task(s) run" in out.getvalue()
    assert rq_backend.count == 0
    assert FailedJobRegistry(queue=rq_backend).count == 0
    assert sorted(Notification.objects.values_list("user__nickname", "title")) == [
        ("商家客服", "有一条新投诉需要处理"),
        ("张三", "您的投诉已通过审核，已转交企业处理"),
    ]
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "0 task(s) run" in out.getvalue()
    assert Notification.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_task_result_is_read_back_from_redis(rq_backend: Any) -> None:
    from tousu.engagement.tasks import notify_event

    result = notify_event.enqueue(event_id=0)  # no such event: notifies nobody
    assert result.status == "READY"
    call_command("worker", "--once", stdout=StringIO())
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 0


# --- periodic jobs: once per period across many workers ----------------------------------


def test_a_due_job_runs_on_one_worker_only() -> None:
    prefix = f"tousu-test:{uuid.uuid4().hex}:"
    runs: list[str] = []
    job = PeriodicJob("tick", 300, lambda: runs.append("tick"))
    schedulers = [
        Scheduler((job,), claims=PeriodicClaims(REDIS_URL, owner=f"w{i}", prefix=prefix))
        for i in range(5)
    ]
    try:
        assert [s.run_due() for s in schedulers] == [1, 0, 0, 0, 0]
        assert runs == ["tick"]
        # the others wait for the claim to expire, not for a fixed poll
        assert 290 < schedulers[1].seconds_until_due() <= 300.1
        # the claim expires (the period is over, or its worker died): another one takes it
        schedulers[0].claims.redis.delete(prefix + "tick")  # type: ignore[union-attr]
        for s in schedulers:
            s.next_run["tick"] = 0.0
        assert sum(s.run_due() for s in schedulers[1:]) == 1
        assert runs == ["tick", "tick"]
    finally:
        schedulers[0].claims.redis.delete(prefix + "tick")  # type: ignore[union-attr]


def test_without_redis_url_each_worker_schedules_alone(settings: Any) -> None:
    settings.REDIS_URL = ""
    assert periodic_claims(owner="w1") is None
    settings.REDIS_URL = REDIS_URL
    claims = periodic_claims(owner="w1")
    assert claims is not None
    assert claims.prefix == settings.TOUSU["PERIODIC_CLAIM_PREFIX"]


# --- real worker processes on Redis ----------------------------------------------------------

SETUP = """
from tousu.accounts.models import Role, User
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
c = company_create(name="快乐外卖红{n}号店", sector="local_services")
m = User.objects.create_user(phone="137{n:02d}000002", role=Role.MERCHANT)
company_add_member(company=c, user=m)
u = User.objects.create_user(phone="137{n:02d}000001")
mod = User.objects.create_user(phone="137{n:02d}000003", role=Role.MODERATOR)
x, _ = services.complaint_submit(consumer=u, data=services.ComplaintInput(
    company_id=c.pk, title="外卖超时两小时拒绝退款", details="超时两个小时才送到，申请退款被拒绝。",
    problem_types=["delivery"], demands=["refund"]))
services.complaint_accept(complaint_id=x.pk, actor=mod)
"""


@pytest.fixture
def redis_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A migrated SQLite database of its own and the environment of a Redis deployment."""
    import redis

    prefix = f"tousu-test:{uuid.uuid4().hex}:"
    env = {
        **os.environ,
        "TOUSU_LOCAL": "1",
        "TOUSU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": "",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "LOG_LEVEL": "INFO",
        "TOUSU_TASK_BACKEND": "rq",
        "REDIS_URL": REDIS_URL,
        "TOUSU_PERIODIC_CLAIM_PREFIX": prefix,
    }
    cli = [sys.executable, "-m", "tousu.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=180)  # noqa: S603
    connection = redis.Redis.from_url(REDIS_URL)
    connection.delete("rq:queue:default")
    yield env
    connection.delete("rq:queue:default", *connection.keys(prefix + "*"))


def _count(env: dict[str, str], table: str) -> int:
    db = Path(env["TOUSU_VAR_DIR"]) / "tousu.sqlite3"
    with sqlite3.connect(db, timeout=20) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def _wait_for(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


def _stop(worker: subprocess.Popen[str], log: Path) -> str:
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    return log.read_text("utf-8")


@pytest.mark.slow
def test_two_worker_processes_on_redis_share_the_queue_and_the_schedule(
    redis_env: dict[str, str],
) -> None:
    cli = [sys.executable, "-m", "tousu.cli"]
    setup = SETUP.format(n=1) + SETUP.format(n=2)
    subprocess.run([*cli, "shell", "-c", setup], env=redis_env, check=True, timeout=60)  # noqa: S603
    assert _count(redis_env, "django_tasks_database_dbtaskresult") == 0  # queued in Redis
    assert _count(redis_env, "engagement_notification") == 0

    logs = [Path(redis_env["TOUSU_VAR_DIR"]) / f"worker-{k}.log" for k in range(2)]
    workers = []
    for log in logs:
        with log.open("w", encoding="utf-8") as fh:
            workers.append(
                subprocess.Popen(  # noqa: S603
                    [*cli, "worker", "--interval", "0.2"],
                    env=redis_env,
                    stdout=fh,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
            )
    try:
        _wait_for(lambda: _count(redis_env, "engagement_notification") == 4, timeout=60)
        # a worker still starting up (its SIGTERM handler not yet installed) would die of the
        # signal: stop them only once both have said they are running
        _wait_for(
            lambda: all("tasks and periodic jobs" in log.read_text("utf-8") for log in logs),
            timeout=60,
        )
    finally:
        outs = [_stop(worker, log) for worker, log in zip(workers, logs, strict=True)]
    for worker, out in zip(workers, outs, strict=True):
        assert worker.returncode == 0, out
        assert "tasks and periodic jobs" in out, out
        assert "tousu worker stopped" in out, out
    both = "\n".join(outs)
    # every task ran once, and every periodic job ran once for both workers
    assert _count(redis_env, "engagement_notification") == 4
    assert _count(redis_env, "django_tasks_database_dbtaskresult") == 0
    assert both.count("periodic job sla_sweep done") == 1, both
    assert both.count("periodic job leads_scan done") == 1, both
    assert both.count("periodic job rankings_generate done") == 1, both
