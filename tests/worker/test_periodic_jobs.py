"""The worker's periodic jobs: each is idempotent, the orphan sweep deletes only orphans."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from PIL import Image

from tousu.accounts.models import User
from tousu.common import jobs
from tousu.common.jobs import JOBS, PeriodicJob, Scheduler, run_job
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence
from tousu.engagement.tasks import notify_event

pytestmark = pytest.mark.django_db


def snapshot() -> list[tuple[Any, ...]]:
    return list(
        Complaint.objects.order_by("id").values_list(
            "id", "status", "is_overdue", "closed_at", "completed_at", "updated_at"
        )
    )


@pytest.fixture
def file(consumer: User, complaint_form: dict[str, Any]) -> Callable[..., Complaint]:
    counter = iter(range(1, 100))

    def make(company: Company, days_ago: float) -> Complaint:
        n = next(counter)
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                company_id=company.pk, **{**complaint_form, "title": f"外卖超时第{n}次拒绝退款"}
            ),
            now=timezone.now() - timedelta(days=days_ago),
        )
        return complaint

    return make


def test_sla_sweep_job_changes_nothing_the_second_time(
    file: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    merchant: User,
    moderator: User,
) -> None:
    now = timezone.now()

    def ago(days: float) -> Any:
        return now - timedelta(days=days)

    overdue = file(company, 20)
    services.complaint_accept(complaint_id=overdue.pk, actor=moderator, now=ago(20))
    long_overdue = file(company, 90)
    services.complaint_accept(complaint_id=long_overdue.pk, actor=moderator, now=ago(90))
    ignored = file(company, 12)
    services.complaint_accept(complaint_id=ignored.pk, actor=moderator, now=ago(12))
    services.complaint_reply(complaint_id=ignored.pk, actor=merchant, message="已退款", now=ago(11))
    services.complaint_request_completion(complaint_id=ignored.pk, actor=merchant, now=ago(10))
    stranded = file(other_company, 100)  # nobody answers for other_company
    services.complaint_accept(complaint_id=stranded.pk, actor=moderator, now=ago(100))
    fresh = file(company, 1)
    services.complaint_accept(complaint_id=fresh.pk, actor=moderator, now=ago(1))

    assert jobs.job_sla_sweep() == {
        "overdue": 2,
        "auto_completed": 1,
        "closed_overdue": 1,
        "closed_unassigned": 1,
    }
    statuses = dict(Complaint.objects.values_list("id", "status"))
    assert statuses == {
        overdue.pk: "processing",
        long_overdue.pk: "closed",
        ignored.pk: "auto_completed",
        stranded.pk: "closed",
        fresh.pk: "processing",
    }
    before, events = snapshot(), ComplaintEvent.objects.count()
    assert jobs.job_sla_sweep() == dict.fromkeys(
        ("overdue", "auto_completed", "closed_overdue", "closed_unassigned"), 0
    )
    assert snapshot() == before
    assert ComplaintEvent.objects.count() == events


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_evidence_orphan_sweep_deletes_only_old_orphans(
    consumer: User, company: Company, complaint_form: dict[str, Any]
) -> None:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(company_id=company.pk, **complaint_form),
        files=[prepare_file(_png(), "截图.png")],
    )
    evidence = Evidence.objects.get(complaint=complaint)
    media = Path(settings.MEDIA_ROOT)
    kept = media / evidence.file.name
    assert kept.is_file()
    orphan = media / "evidence/2026/01/ab/abcdef.png"
    nested_orphan = media / "evidence/2025/12/0f/0f0f.pdf"
    young_orphan = media / "evidence/2026/11/cd/cdcdcd.png"  # its transaction may still be open
    outside = media / "exports/daily.csv"  # not evidence: never touched
    for path in (orphan, nested_orphan, young_orphan, outside):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    for path in (kept, orphan, nested_orphan, outside):
        _age(path, 2 * 3600)

    assert jobs.job_evidence_orphans() == {"checked": 3, "deleted": 2}
    assert not orphan.exists() and not nested_orphan.exists()
    assert kept.is_file() and young_orphan.is_file() and outside.is_file()
    assert Evidence.objects.filter(pk=evidence.pk).exists()
    # idempotent: nothing more to delete
    assert jobs.job_evidence_orphans() == {"checked": 1, "deleted": 0}
    assert kept.is_file() and young_orphan.is_file()
    # once old enough, the young orphan goes too; the referenced file never does
    assert jobs.job_evidence_orphans(min_age_seconds=0) == {"checked": 2, "deleted": 1}
    assert kept.is_file() and not young_orphan.exists()


def test_evidence_orphan_sweep_without_a_media_directory() -> None:
    assert not (Path(settings.MEDIA_ROOT) / "evidence").exists()
    assert jobs.job_evidence_orphans() == {"checked": 0, "deleted": 0}


def test_prune_task_results_keeps_recent_and_unfinished_ones() -> None:
    old = notify_event.enqueue(1)
    recent = notify_event.enqueue(2)
    waiting = notify_event.enqueue(3)
    DBTaskResult.objects.filter(id=old.id).update(
        status="SUCCESSFUL", finished_at=timezone.now() - timedelta(days=8)
    )
    DBTaskResult.objects.filter(id=recent.id).update(
        status="FAILED", finished_at=timezone.now() - timedelta(days=1)
    )
    assert jobs.job_prune_task_results() == {"deleted": 1}
    assert jobs.job_prune_task_results() == {"deleted": 0}
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {
        DBTaskResult.objects.get(id=recent.id).id,
        DBTaskResult.objects.get(id=waiting.id).id,
    }


def test_every_registered_job_is_idempotent(
    file: Callable[..., Complaint], company: Company, merchant: User, moderator: User
) -> None:
    c = file(company, 30)
    services.complaint_accept(
        complaint_id=c.pk, actor=moderator, now=timezone.now() - timedelta(days=30)
    )
    assert {job.name for job in JOBS} >= {
        "sla_sweep",
        "evidence_orphans",
        "prune_task_results",
        "drafts_prune",
        "open_data",
        "leads_scan",
        "surge_scan",
        "warning_retries",
        "hotspots",
        "reports",
        "duplicates_prune",
        "webhook_retries",
        "webhook_sla_due_soon",
        "rankings_generate",
        "service_stars",
        "planner_statistics",
    }
    first = {job.name: run_job(job) for job in JOBS}
    assert first["sla_sweep"]["overdue"] == 1
    before, events = snapshot(), ComplaintEvent.objects.count()
    second = {job.name: run_job(job) for job in JOBS}
    assert all(
        not any(
            result.get(k)
            for k in (
                "overdue",
                "auto_completed",
                "closed_overdue",
                "closed_unassigned",
                "deleted",
                "drafts",
                "files",
                "dispatched",
                "created",
            )
        )
        for result in second.values()
    )
    assert snapshot() == before
    assert ComplaintEvent.objects.count() == events


def test_a_failing_job_is_logged_and_does_not_stop_the_others(caplog: Any) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    ran: list[str] = []
    scheduler = Scheduler(
        (PeriodicJob("broken", 60, boom), PeriodicJob("fine", 60, lambda: ran.append("x")))
    )
    assert scheduler.run_due() == 2
    assert ran == ["x"]
    assert "periodic job broken failed" in caplog.text


def test_scheduler_runs_each_job_when_due() -> None:
    runs: list[str] = []
    scheduler = Scheduler(
        (
            PeriodicJob("often", 10, lambda: runs.append("often")),
            PeriodicJob("rarely", 3600, lambda: runs.append("rarely")),
        )
    )
    assert scheduler.run_due() == 2  # everything runs at start
    assert scheduler.run_due() == 0  # nothing is due right after
    assert 9 < scheduler.seconds_until_due() <= 10
    scheduler.next_run["often"] = 0
    assert scheduler.run_due() == 1
    assert runs == ["often", "rarely", "often"]
    stop_now = Scheduler((PeriodicJob("x", 1, lambda: runs.append("x")),))
    assert stop_now.run_due(should_stop=lambda: True) == 0


def test_planner_statistics_are_written(file: Callable[..., Complaint], company: Company) -> None:
    from django.db import connection

    from tousu.common.jobs import job_planner_statistics

    file(company, 30)
    assert job_planner_statistics()["vendor"] == connection.vendor
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = 'search_searchdocument'")
        else:
            cursor.execute(
                "SELECT last_analyze FROM pg_stat_user_tables "
                "WHERE relname = 'complaints_complaint'"
            )
        rows = cursor.fetchall()
    assert rows and all(row[0] for row in rows)
