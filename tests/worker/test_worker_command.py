"""``tousu worker``: runs queued django-tasks (database backend) and the periodic jobs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django_tasks_db.models import DBTaskResult

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.engagement.models import Notification


def _file_and_accept(
    consumer: User, moderator: User, company: Company, form: dict[str, Any]
) -> int:
    complaint, _ = services.complaint_submit(
        consumer=consumer, data=services.ComplaintInput(company_id=company.pk, **form)
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    return complaint.pk


@pytest.mark.django_db(transaction=True)
def test_worker_once_runs_the_queued_notification_tasks(
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    complaint_form: dict[str, Any],
) -> None:
    # outside a test transaction, on_commit fires at once and the database backend queues
    _file_and_accept(consumer, moderator, company, complaint_form)
    queued = DBTaskResult.objects.filter(status="READY")
    assert queued.count() == 2  # submitted + accepted
    assert {r.task_path for r in queued} == {"tousu.engagement.tasks.notify_event"}
    assert Notification.objects.count() == 0

    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "2 task(s) run" in out.getvalue()
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert sorted(Notification.objects.values_list("user__nickname", "title")) == [
        ("商家客服", "有一条新投诉需要处理"),
        ("张三", "您的投诉已通过审核，已转交企业处理"),
    ]

    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "0 task(s) run" in out.getvalue()
    assert Notification.objects.count() == 2


@pytest.mark.django_db
def test_worker_once_without_the_database_backend_runs_jobs_only(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "0 task(s) run" in out.getvalue()


# --- a real worker process ---------------------------------------------------------------

SETUP = """
from tousu.accounts.models import Role, User
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
c = company_create(name="快乐外卖{n}号店", sector="local_services")
m = User.objects.create_user(phone="139{n:02d}000002", role=Role.MERCHANT)
company_add_member(company=c, user=m)
u = User.objects.create_user(phone="139{n:02d}000001")
mod = User.objects.create_user(phone="139{n:02d}000003", role=Role.MODERATOR)
x, _ = services.complaint_submit(consumer=u, data=services.ComplaintInput(
    company_id=c.pk, title="外卖超时两小时拒绝退款", details="超时两个小时才送到，申请退款被拒绝。",
    problem_types=["delivery"], demands=["refund"]))
services.complaint_accept(complaint_id=x.pk, actor=mod)
"""


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A migrated SQLite database of its own (the test database is not visible to children)."""
    var = tmp_path_factory.mktemp("workervar")
    env = {
        **os.environ,
        "TOUSU_LOCAL": "1",
        "TOUSU_VAR_DIR": str(var),
        "DATABASE_URL": "",
        "MEDIA_ROOT": str(var / "media"),
        "LOG_LEVEL": "INFO",
    }
    cli = [sys.executable, "-m", "tousu.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, timeout=120)  # noqa: S603
    return env


def _count(env: dict[str, str], table: str) -> int:
    db = Path(env["TOUSU_VAR_DIR"]) / "tousu.sqlite3"
    with sqlite3.connect(db, timeout=20) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # noqa: S608


def _default_sigint() -> None:
    # a child inherits an ignored SIGINT, and the worker keeps it ignored (as under nohup);
    # the test process may have it ignored (a browser test's driver does): start from default
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "tousu.cli", "worker", "--interval", "0.2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=_default_sigint,
    )


def _wait_for(predicate: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError("timed out")


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_worker_process_runs_tasks_and_stops_cleanly_on_a_signal(
    scratch: dict[str, str], signum: int
) -> None:
    before = _count(scratch, "engagement_notification")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "tousu.cli", "shell", "-c", SETUP.format(n=int(signum))],
        env=scratch,
        check=True,
        timeout=60,
    )
    worker = _start_worker(scratch)
    try:
        _wait_for(lambda: _count(scratch, "engagement_notification") >= before + 2)
        worker.send_signal(signum)
        out, _ = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, out
    assert "tasks and periodic jobs" in out, out
    assert "periodic job sla_sweep done" in out
    assert "tousu worker stopped" in out
    assert _count(scratch, "engagement_notification") == before + 2
    ready = _count(scratch, "django_tasks_database_dbtaskresult WHERE status != 'SUCCESSFUL'")
    assert ready == 0
