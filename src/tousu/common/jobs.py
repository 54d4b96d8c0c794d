"""Periodic jobs run by the worker's scheduler (``tousu worker``). Every job is idempotent:
running it twice in a row changes nothing the second time, so two schedulers do no harm."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

logger = logging.getLogger("tousu.jobs")

# Files younger than this may belong to a submission whose transaction is still open.
ORPHAN_MIN_AGE_SECONDS = 3600
TASK_RESULTS_KEPT_DAYS = 7


def job_sla_sweep() -> dict[str, int]:
    """Mark overdue replies, auto-complete, close long-overdue and long-unassigned complaints."""
    from tousu.complaints.services import sla_sweep

    return sla_sweep()


def _old_files(root: Path, cutoff: float) -> Iterator[Path]:
    for path in root.rglob("*"):
        try:
            if path.is_file() and path.stat().st_mtime < cutoff:
                yield path
        except FileNotFoundError:  # deleted meanwhile
            continue


def job_evidence_orphans(*, min_age_seconds: int = ORPHAN_MIN_AGE_SECONDS) -> dict[str, int]:
    """Delete evidence files that no ``Evidence`` row points at (left by a submission that
    rolled back). Files younger than ``min_age_seconds`` are left alone."""
    from tousu.complaints.models import Evidence
    from tousu.privacy.models import EvidenceCopy

    media = Path(settings.MEDIA_ROOT)
    root = media / "evidence"
    if not root.exists():
        return {"checked": 0, "deleted": 0}
    cutoff = time.time() - min_age_seconds
    checked = deleted = 0
    batch: list[Path] = []

    def flush() -> None:
        nonlocal deleted
        names = {p.relative_to(media).as_posix(): p for p in batch}
        known = set(Evidence.objects.filter(file__in=list(names)).values_list("file", flat=True))
        # public copies of images (tousu.privacy.ocr) live next to their originals
        known |= set(
            EvidenceCopy.objects.filter(file__in=list(names)).values_list("file", flat=True)
        )
        for name, path in names.items():
            if name not in known:
                path.unlink(missing_ok=True)
                deleted += 1
        batch.clear()

    for path in _old_files(root, cutoff):
        checked += 1
        batch.append(path)
        if len(batch) >= 500:
            flush()
    if batch:
        flush()
    return {"checked": checked, "deleted": deleted}


def job_prune_task_results() -> dict[str, int]:
    """Delete finished background-task results older than a week."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - timedelta(days=TASK_RESULTS_KEPT_DAYS)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return {"deleted": deleted}


def job_drafts_prune() -> dict[str, int]:
    """Delete submission-wizard drafts untouched for a month and draft files no row points at."""
    from tousu.complaints.drafts import drafts_prune

    return drafts_prune()


def job_open_data() -> dict[str, int | str]:
    """Publish today's open-data release (public complaints, CSV and JSON Lines)."""
    from tousu.opendata.jobs import job_open_data as run

    return run()


def job_leads_scan() -> dict[str, int]:
    """File newly accepted complaints into defect and police leads."""
    from tousu.leads.services import leads_scan

    return leads_scan()


def job_surge_scan() -> dict[str, Any]:
    """Detect yesterday's complaint surges once a day."""
    from tousu.insights.services import surge_scan_due

    return surge_scan_due()


def job_hotspots() -> dict[str, Any]:
    """Publish last week's 消费热点 once (Mondays)."""
    from tousu.insights.hotspots import hotspots_due

    return hotspots_due()


def job_reports() -> dict[str, Any]:
    """Draft last month's (and last quarter's) data report once."""
    from tousu.insights.reports import reports_due

    return reports_due()


def job_duplicates_prune() -> dict[str, int]:
    """Drop near-duplicate signatures of old closed complaints (the index stays months long)."""
    from tousu.moderation.duplicates import prune

    return {"pruned": prune()}


def job_screening_catch_up() -> dict[str, int]:
    """Screen submitted complaints still without their suggestion (background screening whose
    task was lost: RQ, or a crash between commit and enqueue). A no-op otherwise."""
    from tousu.moderation.listeners import screen_missing

    return {"screened": screen_missing()}


def job_warning_retries() -> dict[str, int]:
    """Retry early warnings to regulators whose e-mail or webhook delivery failed."""
    from tousu.insights.warnings import warnings_retry

    return warnings_retry()


def job_webhook_retries() -> dict[str, int]:
    """Send webhook deliveries whose next attempt is due (retries with backoff)."""
    from tousu.merchants.webhooks import webhook_retries

    return webhook_retries()


def job_webhook_sla_due_soon() -> dict[str, int]:
    """``complaint.sla_due_soon`` webhooks for replies due within one working day."""
    from tousu.merchants.webhooks import webhooks_sla_due_soon

    return {"created": webhooks_sla_due_soon()}


def job_sla_due_soon_reminders() -> dict[str, int]:
    """In-site reminders to the company's merchants for replies due within one working day."""
    from tousu.engagement.services import notify_sla_due_soon

    return {"created": notify_sla_due_soon()}


def job_rankings_generate() -> dict[str, int]:
    """Publish the 红黑榜 of the latest complete week, month, quarter and overall (once each)."""
    from tousu.metrics.rankings import rankings_generate

    return rankings_generate()


def job_service_stars() -> dict[str, int]:
    """Nominate 消费者服务之星 for the latest complete quarter and year (once each)."""
    from tousu.metrics.stars import stars_nominate

    return {f"nominated_{k}": v for k, v in stars_nominate().items()}


def job_import_catch_up() -> dict[str, int]:
    """Read models of imported complaints an interrupted ``tousu import`` left marked (ADR 0025);
    at most 20,000 per run."""
    from tousu.imports.services import read_models_catch_up

    return {"caught_up": read_models_catch_up(limit=20_000).complaints}


def job_planner_statistics() -> dict[str, Any]:
    """Refresh the query planner's statistics. SQLite keeps none until ``ANALYZE`` runs, and
    without them it guesses: at 1M complaints it read a rare sector's search count through the
    ``is_public`` index (700,000 rows, 0.46 s) instead of the sector's (16 ms; ADR 0027).
    PostgreSQL's autovacuum analyses too; one more pass is cheap there (it samples)."""
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"vendor": connection.vendor, "seconds": round(time.monotonic() - started, 3)}


def job_page_versions_prune() -> dict[str, int]:
    """Versions of the page cache not bumped for longer than a kept page lives (ADR 0028)."""
    from tousu.pagecache.cache import prune

    return {"deleted": prune()}


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every_seconds: int
    run: Callable[[], Any]


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("sla_sweep", 300, job_sla_sweep),
    PeriodicJob("evidence_orphans", 3600, job_evidence_orphans),
    PeriodicJob("prune_task_results", 86400, job_prune_task_results),
    PeriodicJob("drafts_prune", 86400, job_drafts_prune),
    PeriodicJob("open_data", 3600, job_open_data),  # builds once a day, cheap no-op otherwise
    PeriodicJob("leads_scan", 600, job_leads_scan),
    PeriodicJob("surge_scan", 600, job_surge_scan),  # scans yesterday once
    PeriodicJob("warning_retries", 300, job_warning_retries),
    PeriodicJob("hotspots", 3600, job_hotspots),  # builds last week once
    PeriodicJob("reports", 3600, job_reports),  # drafts last month once
    PeriodicJob("duplicates_prune", 86400, job_duplicates_prune),
    PeriodicJob("screening_catch_up", 60, job_screening_catch_up),
    PeriodicJob("webhook_retries", 30, job_webhook_retries),
    PeriodicJob("webhook_sla_due_soon", 300, job_webhook_sla_due_soon),
    PeriodicJob("sla_due_soon_reminders", 300, job_sla_due_soon_reminders),
    PeriodicJob("rankings_generate", 3600, job_rankings_generate),  # publishes once a period
    PeriodicJob("service_stars", 86400, job_service_stars),
    PeriodicJob("import_catch_up", 300, job_import_catch_up),
    PeriodicJob("planner_statistics", 86400, job_planner_statistics),
    PeriodicJob("page_versions_prune", 3600, job_page_versions_prune),
)


def run_job(job: PeriodicJob) -> Any:
    """Run one job, logging its result; a failing job is logged and does not stop the worker."""
    started = time.monotonic()
    try:
        result = job.run()
    except Exception:
        logger.exception("periodic job %s failed", job.name)
        return None
    logger.info("periodic job %s done in %.2fs: %s", job.name, time.monotonic() - started, result)
    return result


class PeriodicClaims:
    """Once per period across many workers: before running a due job, a scheduler claims it in
    Redis (``SET key owner NX PX period``). The first claim wins; the others skip the job until
    the claim expires, so each job runs once per ``every_seconds`` whatever the number of
    workers, and another worker takes over when one dies. Jobs are idempotent, so the rare
    double run (a job slower than its period, Redis lost) costs work, not correctness."""

    def __init__(self, url: str, *, owner: str, prefix: str = "tousu:periodic:") -> None:
        import redis

        self.redis = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.owner = owner
        self.prefix = prefix

    def claim(self, job: PeriodicJob) -> float | None:
        """None when this worker may run the job now, else seconds until another may try."""
        import redis

        key = self.prefix + job.name
        try:
            if self.redis.set(key, self.owner, nx=True, px=job.every_seconds * 1000):
                return None
            remaining_ms = int(self.redis.pttl(key))
        except redis.RedisError:
            logger.warning("cannot reach Redis to claim %s; running it here", job.name)
            return None
        return max(remaining_ms, 0) / 1000 + 0.05 if remaining_ms >= 0 else 0.05


def periodic_claims(owner: str) -> PeriodicClaims | None:
    """Claims in Redis when ``REDIS_URL`` is set (several workers share it), else None."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return None
    prefix = settings.TOUSU.get("PERIODIC_CLAIM_PREFIX", "tousu:periodic:")
    return PeriodicClaims(url, owner=owner, prefix=prefix)


class Scheduler:
    """Runs each job when due: at start, then every ``every_seconds`` after it last finished.
    With ``claims`` (several workers), a due job runs only where its claim succeeds."""

    def __init__(
        self, jobs: tuple[PeriodicJob, ...] = JOBS, claims: PeriodicClaims | None = None
    ) -> None:
        self.jobs = jobs
        self.claims = claims
        self.next_run = {job.name: 0.0 for job in jobs}

    def run_due(self, should_stop: Callable[[], bool] = lambda: False) -> int:
        ran = 0
        for job in self.jobs:
            if should_stop():
                break
            if time.monotonic() >= self.next_run[job.name]:
                wait = self.claims.claim(job) if self.claims is not None else None
                if wait is not None:  # another worker ran it this period
                    self.next_run[job.name] = time.monotonic() + wait
                    continue
                run_job(job)
                self.next_run[job.name] = time.monotonic() + job.every_seconds
                ran += 1
        return ran

    def seconds_until_due(self) -> float:
        return max(0.0, min(self.next_run.values()) - time.monotonic()) if self.jobs else 3600.0
