"""The worker prunes the submission wizard's drafts once a day; running it again changes nothing."""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tousu.accounts.models import Role, User
from tousu.common.jobs import JOBS, Scheduler, job_drafts_prune, run_job
from tousu.complaints.drafts import (
    DRAFT_KEEP_DAYS,
    ORPHAN_MIN_AGE_SECONDS,
    draft_add_files,
    draft_start,
    draft_update,
)
from tousu.complaints.models import ComplaintDraft, ComplaintDraftFile

pytestmark = pytest.mark.django_db

DAY = 86400


def png_upload(color: tuple[int, int, int]) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), color).save(out, "PNG")
    return SimpleUploadedFile("receipt.png", out.getvalue(), content_type="image/png")


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_drafts_prune_is_scheduled_daily() -> None:
    job = next(job for job in JOBS if job.name == "drafts_prune")
    assert job.every_seconds == DAY
    assert job.run is job_drafts_prune
    assert Scheduler().next_run["drafts_prune"] == 0  # the worker's scheduler runs it at start


def test_drafts_prune_job_deletes_old_drafts_and_strays_and_is_idempotent(
    make_user: Callable[..., User],
) -> None:
    media = Path(settings.MEDIA_ROOT)
    old_owner, fresh_owner = make_user(Role.CONSUMER), make_user(Role.CONSUMER)

    old = draft_start(old_owner)
    draft_update(old, {"title": "很久以前的草稿"}, reached="describe")
    (old_file,) = draft_add_files(old, [png_upload((1, 2, 3))])
    fresh = draft_start(fresh_owner)
    (fresh_file,) = draft_add_files(fresh, [png_upload((4, 5, 6))])
    ComplaintDraft.objects.filter(pk=old.pk).update(
        updated_at=timezone.now() - timedelta(days=DRAFT_KEEP_DAYS + 1)
    )
    old_path = media / old_file.file.name
    fresh_path = media / fresh_file.file.name
    stray = fresh_path.with_name("stray.png")  # left by an upload that failed half-way
    young_stray = fresh_path.with_name("young.png")  # its transaction may still be open
    for path in (stray, young_stray):
        path.write_bytes(b"x")
    for path in (old_path, fresh_path, stray):
        age(path, ORPHAN_MIN_AGE_SECONDS + 3600)
    assert old_path.is_file() and fresh_path.is_file()

    job = next(job for job in JOBS if job.name == "drafts_prune")
    assert run_job(job) == {"drafts": 1, "files": 2}
    assert not ComplaintDraft.objects.filter(pk=old.pk).exists()
    assert not old_path.exists() and not stray.exists()
    assert ComplaintDraft.objects.filter(pk=fresh.pk).exists()
    assert ComplaintDraftFile.objects.filter(pk=fresh_file.pk).exists()
    assert fresh_path.is_file() and young_stray.is_file()

    # idempotent: the second run finds nothing and changes nothing
    before = list(ComplaintDraft.objects.values_list("id", "updated_at", "data"))
    assert run_job(job) == {"drafts": 0, "files": 0}
    assert list(ComplaintDraft.objects.values_list("id", "updated_at", "data")) == before
    assert fresh_path.is_file() and young_stray.is_file()
