"""Periodic jobs run by the worker's scheduler. Every job is idempotent."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("tousu.jobs")


def job_sla_sweep() -> dict[str, int]:
    from tousu.complaints.services import sla_sweep

    return sla_sweep()


def job_evidence_orphans() -> dict[str, int]:
    """Delete evidence files with no database row, left by a submission that rolled back."""
    from tousu.complaints.models import Evidence

    root = settings.MEDIA_ROOT / "evidence"
    if not root.exists():
        return {"deleted": 0}
    cutoff = time.time() - 3600  # leave files of transactions that may still be open
    known = set(Evidence.objects.values_list("file", flat=True))
    deleted = 0
    for path in root.rglob("*"):
        if path.is_file() and path.stat().st_mtime < cutoff:
            rel = os.path.relpath(path, settings.MEDIA_ROOT)
            if rel not in known:
                path.unlink()
                deleted += 1
    return {"deleted": deleted}


def job_prune_task_results() -> dict[str, int]:
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=7)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return {"deleted": deleted}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], Any]


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sla_sweep", 300, job_sla_sweep),
    PeriodicJob("evidence_orphans", 3600, job_evidence_orphans),
    PeriodicJob("prune_task_results", 86400, job_prune_task_results),
)


def run_job(job: PeriodicJob) -> Any:
    started = time.monotonic()
    try:
        result = job.run()
    except Exception:
        logger.exception("periodic job %s failed", job.name)
        return None
    logger.info("periodic job %s done in %.2fs: %s", job.name, time.monotonic() - started, result)
    return result
