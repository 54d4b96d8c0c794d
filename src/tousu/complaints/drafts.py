"""Drafts of the web submission wizard: one per consumer, kept on the server.

Design (the wizard at ``/complaints/new/``):

- **Text.** Every step saves the fields exactly as typed (valid or not) into
  ``ComplaintDraft.data``; with JavaScript the page also autosaves while typing. A reload, a lost
  connection or another device shows the same draft, and nothing typed is lost to an error.
- **Evidence.** A file is checked and re-encoded by ``evidence.prepare_file`` (type by content,
  size limits, EXIF/GPS stripped) the moment it is uploaded, so the consumer learns about a bad
  file at once and a reload keeps the good ones. The cleaned bytes are stored under a random name
  in ``MEDIA_ROOT/drafts/`` (never under ``evidence/``, whose orphan sweep would delete them),
  which is not served directly: only the draft's owner can fetch them through a view that checks
  ownership. On the final submit they are handed to ``complaint_submit`` as ``PreparedFile``s,
  which copies them into evidence storage inside its transaction; the draft and its files are
  deleted once that transaction commits. Removing a file or discarding a draft deletes the bytes
  after commit too. ``drafts_prune`` deletes drafts untouched for ``DRAFT_KEEP_DAYS`` and any
  file under ``drafts/`` that no row points at.
- **Rules.** The wizard does not copy the submission rules: ``draft_check`` runs the real
  ``complaint_submit`` in a transaction that is always rolled back, so every step reports the
  same errors (with ``details.field``) that the final submit and the API would.
- **Exactly once.** The idempotency key is made when the draft starts and sent as a hidden field
  with the final submit; ``draft_submit`` locks the draft row, so a double click or a retry gets
  the complaint that the first click filed.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import time
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from . import services
from .evidence import PreparedFile, prepare_uploads
from .models import Complaint, ComplaintDraft, ComplaintDraftFile, IdempotencyKey

logger = logging.getLogger(__name__)

STEPS = ("company", "describe", "details", "evidence", "preview")
# which step each form field (and each ``details.field`` of a service error) belongs to
FIELD_STEPS: dict[str, str] = {
    "company_name": "company",
    "company_id": "company",
    "brand_id": "company",
    "title": "describe",
    "details": "describe",
    "problem_types": "describe",
    "problem_other": "describe",
    "demands": "describe",
    "demand_other": "describe",
    "amount": "details",
    "order_number": "details",
    "purchase_date": "details",
    "consumer_region": "details",
    "show_nickname": "details",
    "evidence": "evidence",
}
LIST_FIELDS = frozenset({"problem_types", "demands"})
BOOL_FIELDS = frozenset({"show_nickname"})
MAX_TEXT = 10_000  # what a draft keeps of one typed field (the rules allow at most 5,000)
DRAFT_KEEP_DAYS = 30
ORPHAN_MIN_AGE_SECONDS = 24 * 3600


def _new_key() -> str:
    return secrets.token_hex(16)


def _require_consumer(user: User) -> None:
    if user.role != Role.CONSUMER:
        raise PermissionDenied("只有消费者账号可以发起投诉", code="consumers_only")


def draft_get(user: User) -> ComplaintDraft | None:
    return ComplaintDraft.objects.filter(user=user).first()


def draft_start(user: User) -> ComplaintDraft:
    """The consumer's draft, started (with a fresh idempotency key) if there is none."""
    _require_consumer(user)
    draft, _created = ComplaintDraft.objects.get_or_create(
        user=user, defaults={"idempotency_key": _new_key()}
    )
    return draft


def step_index(step: str) -> int:
    return STEPS.index(step) if step in STEPS else 0


def clean_values(values: dict[str, Any]) -> dict[str, Any]:
    """Keep only wizard fields, as strings, lists of strings or booleans, within size limits."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in FIELD_STEPS or name == "evidence":
            continue
        if name in LIST_FIELDS:
            items = value if isinstance(value, list | tuple) else [value]
            out[name] = [str(v)[:100] for v in items if v not in (None, "")][:50]
        elif name in BOOL_FIELDS:
            out[name] = bool(value) and value not in ("0", "false", "off")
        else:
            out[name] = "" if value is None else str(value)[:MAX_TEXT]
    return out


def draft_update(
    draft: ComplaintDraft, values: dict[str, Any], *, reached: str | None = None
) -> ComplaintDraft:
    """Merge typed values into the draft; ``reached`` moves the furthest step forward."""
    draft.data = {**(draft.data or {}), **clean_values(values)}
    if reached and step_index(reached) > step_index(draft.step):
        draft.step = reached
    draft.updated_at = timezone.now()
    draft.save(update_fields=["data", "step", "updated_at"])
    return draft


def draft_discard(user: User) -> None:
    """Delete the draft and its files (e.g. to start over)."""
    with transaction.atomic():
        draft = ComplaintDraft.objects.select_for_update().filter(user=user).first()
        if draft is None:
            return
        names = list(draft.files.values_list("file", flat=True))
        draft.delete()
        transaction.on_commit(lambda: _delete_files(names))


# --- evidence files ------------------------------------------------------------------


def draft_add_files(draft: ComplaintDraft, uploads: Iterable[Any]) -> list[ComplaintDraftFile]:
    """Check, re-encode and keep uploaded files; all or none are added."""
    uploads = list(uploads)
    if not uploads:
        return []
    max_files = int(settings.TOUSU["EVIDENCE_MAX_FILES"])
    present = draft.files.count()
    if present + len(uploads) > max_files:
        raise ValidationFailed(
            f"最多上传{max_files}个证据文件，已上传{present}个",
            code="too_many_files",
            details={"field": "evidence", "max": max_files},
        )
    prepared = prepare_uploads(uploads)  # raises ValidationFailed(field="evidence")
    added: list[ComplaintDraftFile] = []
    written: list[str] = []
    try:
        with transaction.atomic():
            for item in prepared:
                row = ComplaintDraftFile(
                    draft=draft,
                    kind=item.kind,
                    content_type=item.content_type,
                    ext=item.ext,
                    size=len(item.content),
                    sha256=item.sha256,
                    original_name=item.original_name,
                    width=item.width,
                    height=item.height,
                )
                row.file.save(f"{item.sha256}.{item.ext}", ContentFile(item.content), save=False)
                written.append(row.file.name)
                row.save()
                added.append(row)
            ComplaintDraft.objects.filter(pk=draft.pk).update(updated_at=timezone.now())
    except Exception:
        _delete_files(written)
        raise
    return added


def draft_remove_file(draft: ComplaintDraft, file_id: int) -> None:
    row = draft.files.filter(pk=file_id).first()
    if row is None:
        raise NotFound("找不到该文件，可能已经删除", code="draft_file_not_found")
    name = row.file.name
    with transaction.atomic():
        row.delete()
        transaction.on_commit(lambda: _delete_files([name]))


def draft_file_for(user: User, file_id: int) -> ComplaintDraftFile:
    """A file of ``user``'s own draft (404 for anybody else's)."""
    row = (
        ComplaintDraftFile.objects.select_related("draft")
        .filter(pk=file_id, draft__user=user)
        .first()
    )
    if row is None:
        raise NotFound("找不到该文件", code="draft_file_not_found")
    return row


def _prepared(draft: ComplaintDraft) -> list[PreparedFile]:
    files = []
    for row in draft.files.all():
        try:
            with row.file.open("rb") as fh:
                content = fh.read()
        except OSError as exc:
            raise ValidationFailed(
                f"证据文件「{row.original_name}」已丢失，请删除后重新上传",
                code="draft_file_missing",
                details={"field": "evidence", "file": row.original_name},
            ) from exc
        if hashlib.sha256(content).hexdigest() != row.sha256:
            raise ValidationFailed(
                f"证据文件「{row.original_name}」已损坏，请删除后重新上传",
                code="draft_file_damaged",
                details={"field": "evidence", "file": row.original_name},
            )
        files.append(
            PreparedFile(
                content=content,
                kind=row.kind,
                content_type=row.content_type,
                ext=row.ext,
                original_name=row.original_name,
                sha256=row.sha256,
                width=row.width,
                height=row.height,
            )
        )
    return files


def _delete_files(names: Iterable[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:  # already gone, or a transient error: the prune sweep retries
            logger.warning("could not delete draft file %s", name)


# --- the typed values as a submission --------------------------------------------------


def draft_input(draft: ComplaintDraft) -> services.ComplaintInput:
    """Turn the typed values into a ``ComplaintInput``; unparsable ones raise with the field."""
    data = draft.data or {}
    raw_id = str(data.get("company_id") or "").strip()
    company_id = None
    if raw_id:
        if not raw_id.isdigit():
            raise ValidationFailed(
                "请重新选择被投诉企业", code="invalid_company", details={"field": "company_id"}
            )
        company_id = int(raw_id)
    raw_date = str(data.get("purchase_date") or "").strip()
    purchase_date = None
    if raw_date:
        try:
            purchase_date = date.fromisoformat(raw_date)
        except ValueError as exc:
            raise ValidationFailed(
                "购买日期格式不正确，例如 2025-06-01",
                code="invalid_date",
                details={"field": "purchase_date"},
            ) from exc
    return services.ComplaintInput(
        title=str(data.get("title") or ""),
        details=str(data.get("details") or ""),
        company_id=company_id,
        company_name=str(data.get("company_name") or ""),
        problem_types=list(data.get("problem_types") or []),
        problem_other=str(data.get("problem_other") or ""),
        demands=list(data.get("demands") or []),
        demand_other=str(data.get("demand_other") or ""),
        amount=str(data.get("amount") or "").strip() or None,
        order_number=str(data.get("order_number") or ""),
        purchase_date=purchase_date,
        consumer_region=str(data.get("consumer_region") or "").strip() or None,
        show_nickname=bool(data.get("show_nickname")),
    )


class _RollBack(Exception):
    pass


def draft_check(draft: ComplaintDraft) -> None:
    """Run the real submission on the draft's text and roll it back.

    Raises what ``complaint_submit`` would (``ValidationFailed`` with ``details.field``,
    ``Conflict`` for a duplicate open complaint); returns None when the text would be accepted.
    Nothing is kept: a company named for the first time is not created.
    """
    data = draft_input(draft)
    try:
        with transaction.atomic():
            services.complaint_submit(consumer=draft.user, data=data)
            raise _RollBack
    except _RollBack:
        return


def draft_submit(
    *, user: User, idempotency_key: str, now: datetime | None = None
) -> tuple[Complaint, bool]:
    """File the draft as a complaint, exactly once per idempotency key.

    Returns ``(complaint, created)``; a second click returns the first complaint with
    ``created=False``. A key that is neither the current draft's nor an already used one
    raises ``Conflict`` (the draft was submitted or restarted elsewhere).
    """
    _require_consumer(user)
    key = (idempotency_key or "").strip()[:64]
    with transaction.atomic():
        # the lock serializes double clicks: the second waits and then finds the key used
        draft = ComplaintDraft.objects.select_for_update().filter(user=user).first()
        if key:
            used = (
                IdempotencyKey.objects.select_related("complaint")
                .filter(user=user, key=key)
                .first()
            )
            if used is not None:
                return used.complaint, False
        if draft is None or not key or draft.idempotency_key != key:
            raise Conflict(
                "草稿已经提交，或已在其他页面重新开始，请检查后再提交",
                code="draft_stale",
            )
        files = _prepared(draft)
        complaint, created = services.complaint_submit(
            consumer=user,
            data=draft_input(draft),
            files=files,
            idempotency_key=key,
            now=now,
        )
        names = list(draft.files.values_list("file", flat=True))
        draft.delete()
        transaction.on_commit(lambda: _delete_files(names))
    return complaint, created


# --- housekeeping ------------------------------------------------------------------------


def drafts_prune(
    *, keep_days: int = DRAFT_KEEP_DAYS, orphan_min_age_seconds: int = ORPHAN_MIN_AGE_SECONDS
) -> dict[str, int]:
    """Delete drafts untouched for ``keep_days`` and draft files no row points at.

    Idempotent; meant for the worker's daily schedule.
    """
    cutoff = timezone.now() - timedelta(days=keep_days)
    drafts = deleted_files = 0
    for draft in ComplaintDraft.objects.filter(updated_at__lt=cutoff):
        names = list(draft.files.values_list("file", flat=True))
        draft.delete()
        _delete_files(names)
        drafts += 1
        deleted_files += len(names)
    media = Path(settings.MEDIA_ROOT)
    root = media / "drafts"
    if root.exists():
        old = time.time() - orphan_min_age_seconds
        candidates = {
            p.relative_to(media).as_posix(): p
            for p in root.rglob("*")
            if p.is_file() and p.stat().st_mtime < old
        }
        known = set(
            ComplaintDraftFile.objects.filter(file__in=list(candidates)).values_list(
                "file", flat=True
            )
        )
        for name, path in candidates.items():
            if name not in known:
                path.unlink(missing_ok=True)
                deleted_files += 1
    return {"drafts": drafts, "files": deleted_files}
