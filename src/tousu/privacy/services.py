"""Computing the public copy of a complaint, and staff changes to it.

``refresh(complaint)`` runs the detectors over the title and details, reconciles the result with
the complaint's existing ``Redaction`` rows (a value staff reverted stays reverted; a staff
redaction follows its text; redactions whose text was edited away are superseded) and stores the
public copy on the complaint. It is called by the in-transaction listener of every timeline event
(``on_event``: a no-op unless the text changed since the copy was made), for bulk-imported
histories (``on_bulk``) and by ``tousu privacy-backfill``. Timeline messages have their own rows
and ``MessageCopy`` (``message_refresh``; ``message_copies`` for bulk-written ones).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, NamedTuple

from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.complaints.models import Complaint

from . import detectors
from .models import REDACTABLE_KINDS, Field, MessageCopy, Redaction

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from tousu.complaints.models import ComplaintEvent

FIELDS = (Field.TITLE, Field.DETAILS)
logger = logging.getLogger(__name__)


def source_hash(title: str, details: str) -> str:
    return hashlib.sha256(f"{title}\x00{details}".encode()).hexdigest()


def _active(r: Redaction) -> bool:
    return r.reverted_at is None and r.superseded_at is None


@lru_cache(maxsize=128)
def _detect(text: str) -> tuple[detectors.Span, ...]:
    """``detectors.detect``, remembered for the last texts (spans are immutable): a submission
    detects before its write transaction (``prepare_text``) and uses the result inside it."""
    return tuple(detectors.detect(text))


def prepare_text(title: str, details: str) -> None:
    """For ``complaints.hooks.register_text_preparer``: run the detectors outside the write
    transaction."""
    _detect(title)
    _detect(details)


def _reconcile(
    complaint: Complaint,
    field: str,
    text: str,
    rows: list[Redaction],
    now: datetime,
    event: ComplaintEvent | None = None,
) -> list[Redaction]:
    """Bring the field's redaction rows in line with ``text``; returns the rows that apply."""
    detected = _detect(text)
    by_value: dict[tuple[str, str], list[Redaction]] = {}
    for r in rows:
        if r.automatic and r.superseded_at is None:
            by_value.setdefault((r.kind, r.original), []).append(r)
    applied: list[Redaction] = []
    for span in detected:
        candidates = by_value.get((span.kind, span.original), [])
        # prefer the row at the same place; else any row for the same value (the text moved)
        match = next((r for r in candidates if r.start == span.start), None) or (
            candidates[0] if candidates else None
        )
        if match is not None:
            candidates.remove(match)
            if (match.start, match.end, match.mask) != (span.start, span.end, span.mask):
                match.start, match.end, match.mask = span.start, span.end, span.mask
                match.save(update_fields=["start", "end", "mask"])
        else:
            match = Redaction.objects.create(
                complaint=complaint,
                event=event,
                field=field,
                start=span.start,
                end=span.end,
                kind=span.kind,
                rule=f"auto:{span.kind}",
                original=span.original,
                mask=span.mask,
                automatic=True,
                created_at=now,
            )
        if match.reverted_at is None:
            applied.append(match)
    for left in by_value.values():  # detected before, not any more: the text changed
        for r in left:
            r.superseded_at = now
            r.save(update_fields=["superseded_at"])
    for r in rows:
        if r.automatic or not _active(r):
            continue
        if text[r.start : r.end] != r.original:
            at = text.find(r.original)
            if at < 0:
                r.superseded_at = now
                r.save(update_fields=["superseded_at"])
                continue
            r.start, r.end = at, at + len(r.original)
            r.save(update_fields=["start", "end"])
        applied.append(r)
    return applied


def _apply(text: str, applied: Iterable[Redaction]) -> str:
    spans: list[tuple[int, int, str]] = []
    for r in sorted(applied, key=lambda r: (r.start, -(r.end - r.start))):
        if spans and r.start < spans[-1][1]:
            # overlapping (a staff redaction over an automatic one): widen the earlier span
            s, e, _m = spans[-1]
            spans[-1] = (s, max(e, r.end), detectors.MANUAL_MASK)
            continue
        spans.append((r.start, r.end, r.mask))
    return detectors.apply(text, spans)


def refresh(complaint: Complaint, *, now: datetime | None = None, new: bool = False) -> Complaint:
    """Recompute the public copy of ``complaint`` (call inside a transaction). ``new``: the
    complaint was created in this transaction and has no redaction rows yet."""
    now = now or timezone.now()
    rows = (
        []
        if new
        else list(
            Redaction.objects.filter(complaint=complaint, evidence__isnull=True, event__isnull=True)
        )
    )
    public: dict[str, str] = {}
    for field in FIELDS:
        text = getattr(complaint, field)
        field_rows = [r for r in rows if r.field == field]
        public[field] = _apply(text, _reconcile(complaint, field, text, field_rows, now))
    complaint.public_title = public[Field.TITLE][:200]
    complaint.public_details = public[Field.DETAILS]
    complaint.public_source_hash = source_hash(complaint.title, complaint.details)
    Complaint.objects.filter(pk=complaint.pk).update(
        public_title=complaint.public_title,
        public_details=complaint.public_details,
        public_source_hash=complaint.public_source_hash,
    )
    from tousu.pagecache.signals import complaint_changed

    complaint_changed(complaint)  # a queryset update sends no post_save
    return complaint


def is_current(complaint: Complaint) -> bool:
    return complaint.public_source_hash == source_hash(complaint.title, complaint.details)


def on_event(event: ComplaintEvent) -> None:
    """In-transaction listener: keep the public copy in step with the text (submission,
    resubmission, edits); acceptance finds it current already unless it was never computed."""
    complaint = event.complaint
    if not is_current(complaint):
        if event.kind == "submitted":
            refresh(complaint, now=event.created_at, new=True)
        else:
            refresh(complaint, now=event.created_at)
    if has_public_message(event):  # a follow-up, a reply, a rating comment …: rows and copy now
        message_refresh(event, complaint=complaint, now=event.created_at, new=True)


def on_evidence_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """``post_save`` of ``complaints.Evidence``: a new image gets its public copy made by the
    worker once the upload has committed (text-only complaints queue nothing)."""
    if created and instance.kind in REDACTABLE_KINDS:
        from .tasks import redact_evidence

        evidence_id = instance.pk
        transaction.on_commit(lambda: redact_evidence.enqueue(evidence_id))


def enqueue_image_redaction(complaint_id: int) -> None:
    """On commit (the evidence rows are written after the event), queue OCR for the
    complaint's images that have no public copy yet."""
    transaction.on_commit(lambda: enqueue_missing_copies(complaint_id))


def enqueue_missing_copies(complaint_id: int) -> list[int]:
    from tousu.complaints.models import Evidence

    from .tasks import redact_evidence

    ids = list(
        Evidence.objects.filter(
            complaint_id=complaint_id, kind__in=REDACTABLE_KINDS, public_copy__isnull=True
        ).values_list("pk", flat=True)
    )
    for evidence_id in ids:
        redact_evidence.enqueue(evidence_id)
    return ids


def on_bulk(complaint_ids: list[int]) -> None:
    """For ``complaints.hooks.register_bulk`` (imports, company merges): set-wise, as
    ``backfill`` — complaints without redaction rows take the bulk path (``_fresh_copies``, the
    same detectors and masks as ``refresh`` with no rows to reconcile), the others are refreshed
    one by one; then the public timeline messages of those complaints that lack a current copy
    (``message_copies``)."""
    now = timezone.now()
    _bulk_complaint_copies(complaint_ids, now)
    from tousu.complaints.models import ComplaintEvent

    # their timeline messages (an imported company reply …): rows and copies now, as the
    # listener writes them for a message posted here
    events = ComplaintEvent.objects.filter(complaint_id__in=complaint_ids)
    message_copies(_message_candidates(events), now)


def _bulk_complaint_copies(complaint_ids: list[int], now: datetime) -> None:
    todo = [
        c
        for c in Complaint.objects.filter(pk__in=complaint_ids)
        .order_by("pk")
        .only("pk", "title", "details", "public_source_hash")
        if not is_current(c)
    ]
    if not todo:
        return
    has_rows = set(
        Redaction.objects.filter(complaint__in=[c.pk for c in todo])
        .values_list("complaint_id", flat=True)
        .distinct()
    )
    _fresh_copies([c for c in todo if c.pk not in has_rows], now)
    for complaint in todo:
        if complaint.pk in has_rows:
            refresh(complaint, now=now)


def _auto_row(
    complaint_id: int, event_id: int | None, field: str, x: detectors.Span, now: datetime
) -> dict[str, Any]:
    """The column values of one automatic redaction (bulk-inserted)."""
    row: dict[str, Any] = {
        "complaint_id": complaint_id,
        "field": field,
        "start": x.start,
        "end": x.end,
        "kind": x.kind,
        "rule": f"auto:{x.kind}",
        "original": x.original,
        "mask": x.mask,
        "automatic": True,
        "created_at": now,
    }
    if event_id is not None:
        row["event_id"] = event_id
    return row


def _fresh_copies(complaints: list[Complaint], now: datetime) -> None:
    """The fast path for complaints that have no redaction rows yet (bulk-written histories):
    detect, insert the rows and update the copies in bulk, a few queries per batch."""
    from tousu.common.bulk import BulkTable, reserve_ids

    values: list[dict[str, Any]] = []
    for complaint in complaints:
        public: dict[str, str] = {}
        for field in FIELDS:
            text = getattr(complaint, field)
            spans = detectors.detect(text)
            public[field] = detectors.apply(text, [(x.start, x.end, x.mask) for x in spans])
            values.extend(_auto_row(complaint.pk, None, field, x, now) for x in spans)
        complaint.public_title = public[Field.TITLE][:200]
        complaint.public_details = public[Field.DETAILS]
        complaint.public_source_hash = source_hash(complaint.title, complaint.details)
    # the rows ``Redaction.objects.bulk_create`` wrote, under reserved ids with ``COPY`` or one
    # ``executemany`` (the ORM's statement building was most of this function's database time)
    table = BulkTable(Redaction)
    ids = reserve_ids(Redaction, len(values))
    table.write([table.row({"id": pk, **v}) for pk, v in zip(ids, values, strict=True)])
    # one prepared UPDATE run for every row (Django's bulk_update builds a CASE per field and
    # row, which was 80 % of the time here)
    qn = connection.ops.quote_name
    # identifiers are the model's own, quoted; every value is a parameter
    sql = (
        f"UPDATE {qn(Complaint._meta.db_table)} SET {qn('public_title')} = %s, "  # noqa: S608
        f"{qn('public_details')} = %s, {qn('public_source_hash')} = %s WHERE {qn('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [(c.public_title, c.public_details, c.public_source_hash, c.pk) for c in complaints],
        )


@dataclass
class Backfilled:
    complaints: int  # public copies of complaints computed
    messages: int  # public copies of timeline messages computed


def backfill(*, batch: int = 500, all_: bool = False, messages: bool = True) -> Backfilled:
    """Compute the public copy of every complaint, then of every public timeline message, that
    lacks a current one (``all_``: of every one); each batch is one transaction, so an
    interrupted run keeps what it committed and the next run skips it."""
    return Backfilled(
        complaints=complaints_backfill(batch=batch, all_=all_),
        messages=messages_backfill(batch=batch, all_=all_) if messages else 0,
    )


def complaints_backfill(*, batch: int = 500, all_: bool = False) -> int:
    """Compute the public copy of every complaint that lacks a current one; returns how many.
    Complaints without redaction rows take a bulk path; the others are reconciled one by one
    (their staff reverts and additions are kept)."""
    done = 0
    last = 0
    now = timezone.now()
    while True:
        chunk = list(
            Complaint.objects.filter(pk__gt=last)
            .order_by("pk")
            .only("pk", "title", "details", "public_source_hash")[:batch]
        )
        if not chunk:
            return done
        todo = [c for c in chunk if all_ or not is_current(c)]
        if todo:
            with transaction.atomic():
                has_rows = set(
                    Redaction.objects.filter(complaint__in=todo)
                    .values_list("complaint_id", flat=True)
                    .distinct()
                )
                _fresh_copies([c for c in todo if c.pk not in has_rows], now)
                for complaint in todo:
                    if complaint.pk in has_rows:
                        refresh(complaint, now=now)
            done += len(todo)
        last = chunk[-1].pk


class _Message(NamedTuple):
    """A public timeline message as the backfill needs it (plain rows: batches of hundreds)."""

    pk: int
    complaint_id: int
    message: str
    copy_hash: str | None  # ``MessageCopy.source_hash``, None without a copy


def _message_candidates(
    events: QuerySet[ComplaintEvent], limit: int | None = None
) -> list[_Message]:
    """The public entries with text among ``events`` (the first ``limit`` by id), with the hash
    of their copy (one query)."""
    rows = (
        events.filter(is_public=True)
        .exclude(message="")
        .order_by("pk")
        .values_list("pk", "complaint_id", "message", "public_copy__source_hash")
    )
    return [_Message(*r) for r in (rows[:limit] if limit is not None else rows)]


def message_copies(candidates: list[_Message], now: datetime, *, all_: bool = False) -> int:
    """Make the redaction rows and public copy of every message in ``candidates`` whose copy is
    missing or stale (``all_``: of every one); returns how many. Messages with neither rows nor
    a copy (bulk-written: imports, generated data, messages from before ADR 0012's amendment)
    take a bulk path — the same detectors and masks as ``message_refresh``, a few queries per
    batch; the others are reconciled one by one (staff reverts and additions are kept). Call
    inside a transaction."""
    todo = [m for m in candidates if all_ or m.copy_hash != message_hash(m.message)]
    if not todo:
        return 0
    has_rows = set(
        Redaction.objects.filter(event_id__in=[m.pk for m in todo])
        .values_list("event_id", flat=True)
        .distinct()
    )
    fresh = [m for m in todo if m.copy_hash is None and m.pk not in has_rows]
    _fresh_message_copies(fresh, now)
    fresh_ids = {m.pk for m in fresh}
    slow = [m.pk for m in todo if m.pk not in fresh_ids]
    if slow:
        from tousu.complaints.models import ComplaintEvent

        for event in ComplaintEvent.objects.filter(pk__in=slow).select_related("complaint"):
            message_refresh(event, complaint=event.complaint, now=now)
    return len(todo)


def _fresh_message_copies(messages: list[_Message], now: datetime) -> None:
    """The bulk path of ``message_copies``: rows and copies of messages that have neither.
    The copy is exactly what the public already read (``public_messages`` masked such a message
    on the fly with the same detectors), so no cached page changes."""
    if not messages:
        return
    from tousu.common.bulk import BulkTable, reserve_ids

    values: list[dict[str, Any]] = []
    copies: list[dict[str, Any]] = []
    for m in messages:
        spans = detectors.detect(m.message)
        values.extend(_auto_row(m.complaint_id, m.pk, Field.MESSAGE, x, now) for x in spans)
        copies.append(
            {
                "event_id": m.pk,
                "message": detectors.apply(m.message, [(x.start, x.end, x.mask) for x in spans]),
                "source_hash": message_hash(m.message),
                "updated_at": now,
            }
        )
    rows = BulkTable(Redaction)
    ids = reserve_ids(Redaction, len(values))
    rows.write([rows.row({"id": pk, **v}) for pk, v in zip(ids, values, strict=True)])
    copy_table = BulkTable(MessageCopy)
    copy_table.write([copy_table.row(c) for c in copies])


def messages_backfill(*, batch: int = 500, all_: bool = False) -> int:
    """Make the redaction rows and public copy of every public timeline message that lacks a
    current one (``message_copies``), in batches of ``batch`` events by id, one transaction
    each; returns how many."""
    from tousu.complaints.models import ComplaintEvent

    done = 0
    last = 0
    now = timezone.now()
    while True:
        chunk = _message_candidates(ComplaintEvent.objects.filter(pk__gt=last), limit=batch)
        if not chunk:
            return done
        with transaction.atomic():
            done += message_copies(chunk, now, all_=all_)
        last = chunk[-1].pk


# --- staff changes ----------------------------------------------------------------------------


def _check_revertable(r: Redaction | None) -> None:
    if r is None:
        raise NotFound("找不到该隐藏记录", code="redaction_not_found")
    if r.reverted_at is not None:
        raise Conflict("该隐藏已撤销", code="already_reverted")
    if r.superseded_at is not None:
        raise Conflict("该隐藏对应的内容已被修改，无需撤销", code="redaction_superseded")


def _spans_to_hide(
    source: str, text: str, start: int | None, end: int | None, not_found: str
) -> list[tuple[int, int]]:
    """The spans staff asked to hide: ``start``–``end``, or every occurrence of ``text``."""
    spans: list[tuple[int, int]] = []
    if start is not None or end is not None:
        if start is None or end is None or not 0 <= start < end <= len(source):
            raise ValidationFailed(
                "隐藏范围不正确", code="invalid_span", details={"field": "start"}
            )
        return [(start, end)]
    needle = (text or "").strip()
    if not needle:
        raise ValidationFailed(
            "请填写要隐藏的文字", code="text_required", details={"field": "text"}
        )
    at = source.find(needle)
    while at >= 0:
        spans.append((at, at + len(needle)))
        at = source.find(needle, at + len(needle))
    if not spans:
        raise ValidationFailed(not_found, code="text_not_found", details={"field": "text"})
    return spans


def _require_staff(actor: User) -> None:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以调整个人信息隐藏", code="moderators_only")


def _locked(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def redaction_revert(
    *, complaint_id: int, redaction_id: int, actor: User, message: str = ""
) -> Redaction:
    """Staff show a masked piece in public again (the row stays, marked reverted). A box on an
    evidence image goes to ``image_redaction_revert``."""
    from tousu.complaints.services import complaint_record_redaction

    _require_staff(actor)
    if Redaction.objects.filter(
        pk=redaction_id, complaint_id=complaint_id, evidence__isnull=False
    ).exists():
        return image_redaction_revert(redaction_id=redaction_id, actor=actor, message=message)
    event_id = (
        Redaction.objects.filter(pk=redaction_id, complaint_id=complaint_id)
        .values_list("event_id", flat=True)
        .first()
    )
    if event_id is not None:  # a timeline message's redaction
        return message_redaction_revert(
            complaint_id=complaint_id,
            event_id=event_id,
            redaction_id=redaction_id,
            actor=actor,
            message=message,
        )
    with transaction.atomic():
        complaint = _locked(complaint_id)
        r = Redaction.objects.filter(
            pk=redaction_id, complaint=complaint, event__isnull=True
        ).first()
        _check_revertable(r)
        assert r is not None  # checked
        now = timezone.now()
        r.reverted_at, r.reverted_by = now, actor
        r.save(update_fields=["reverted_at", "reverted_by"])
        refresh(complaint, now=now)
        label = detectors.KIND_LABELS.get(r.kind, r.kind)
        complaint_record_redaction(
            complaint=complaint,
            actor=actor,
            message=(message or "").strip() or f"平台撤销了对{label}的隐藏，该内容将公开显示",
            payload={"redaction": r.pk, "change": "revert", "field": r.field, "kind": r.kind},
        )
    return r


def image_redaction_revert(*, redaction_id: int, actor: User, message: str = "") -> Redaction:
    """Staff show a blacked-out box of an evidence image in public again: the row stays, marked
    reverted, and the public copy is redrawn from the remaining boxes."""
    from tousu.complaints.services import complaint_record_redaction

    from .models import EvidenceCopy
    from .ocr import write_copy

    _require_staff(actor)
    with transaction.atomic():
        r = Redaction.objects.filter(pk=redaction_id, evidence__isnull=False).first()
        if r is None:
            raise NotFound("找不到该隐藏记录", code="redaction_not_found")
        complaint = _locked(r.complaint_id)
        r = Redaction.objects.select_for_update().get(pk=r.pk)
        if r.reverted_at is not None:
            raise Conflict("该隐藏已撤销", code="already_reverted")
        now = timezone.now()
        r.reverted_at, r.reverted_by = now, actor
        r.save(update_fields=["reverted_at", "reverted_by"])
        assert r.evidence_id is not None  # filtered above
        copy = EvidenceCopy.objects.select_related("evidence").get(evidence_id=r.evidence_id)
        write_copy(copy)
        label = detectors.KIND_LABELS.get(r.kind, r.kind)
        complaint_record_redaction(
            complaint=complaint,
            actor=actor,
            message=(message or "").strip()
            or f"平台撤销了对证据图片中{label}的遮挡，该内容将公开显示",
            payload={"redaction": r.pk, "change": "revert", "field": r.field, "kind": r.kind},
        )
    return r


def redaction_add(
    *,
    complaint_id: int,
    actor: User,
    field: str,
    text: str = "",
    start: int | None = None,
    end: int | None = None,
    message: str = "",
) -> list[Redaction]:
    """Staff hide a piece of the title or details: every occurrence of ``text``, or the span
    ``start``–``end``."""
    from tousu.complaints.services import complaint_record_redaction

    _require_staff(actor)
    if field not in FIELDS:
        raise ValidationFailed("请选择标题或详情", code="invalid_field", details={"field": "field"})
    with transaction.atomic():
        complaint = _locked(complaint_id)
        source: str = getattr(complaint, field)
        spans = _spans_to_hide(source, text, start, end, "投诉内容中找不到这段文字")
        now = timezone.now()
        created = [
            Redaction.objects.create(
                complaint=complaint,
                field=field,
                start=s,
                end=e,
                kind="manual",
                rule="staff",
                original=source[s:e],
                mask=detectors.MANUAL_MASK,
                automatic=False,
                created_by=actor,
                created_at=now,
            )
            for s, e in spans
        ]
        refresh(complaint, now=now)
        complaint_record_redaction(
            complaint=complaint,
            actor=actor,
            message=(message or "").strip() or "平台隐藏了您投诉中的部分内容，公开页面将不再显示",
            payload={"redactions": [r.pk for r in created], "change": "add", "field": field},
        )
    return created


# --- timeline messages (ADR 0012, amendment "timeline messages") ------------------------------
# A later message on the timeline is its event's ``message`` (a rating comment is the confirming
# event's message: ``Rating.comment`` is written from it). Its redactions are ``Redaction`` rows
# with ``event`` set and ``field = "message"``; its public copy is a ``MessageCopy``.


def message_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def has_public_message(event: ComplaintEvent) -> bool:
    """Only public entries with text have a public copy (private ones are never shown)."""
    return bool(event.is_public and event.message)


def message_refresh(
    event: ComplaintEvent,
    *,
    complaint: Complaint | None = None,
    now: datetime | None = None,
    new: bool = False,
) -> MessageCopy:
    """Reconcile the message's rows with the detectors and store its public copy, derived from
    the rows that apply (call inside a transaction). ``new``: no rows and no copy exist yet."""
    now = now or timezone.now()
    complaint = complaint or event.complaint
    rows = [] if new else list(Redaction.objects.filter(event=event))
    applied = _reconcile(complaint, Field.MESSAGE, event.message, rows, now, event=event)
    public = _apply(event.message, applied)
    digest = message_hash(event.message)
    copy = None if new else MessageCopy.objects.filter(event=event).first()
    if copy is None:
        # a plain INSERT: two first readers racing make one fail (and its rows roll back)
        copy = MessageCopy.objects.create(
            event=event, message=public, source_hash=digest, updated_at=now
        )
    elif (copy.message, copy.source_hash) != (public, digest):
        copy.message, copy.source_hash, copy.updated_at = public, digest, now
        copy.save(update_fields=["message", "source_hash", "updated_at"])
        from tousu.pagecache.signals import complaint_changed

        complaint_changed(complaint)
    return copy


def ensure_message_copy(event: ComplaintEvent) -> str:
    """The public copy of ``event.message``, made now when missing or stale (messages written
    before their redactions were rows: computed lazily on first read). If it cannot be written
    the message is redacted on the fly: the original is never the fallback."""
    from tousu.complaints.models import ComplaintEvent

    try:
        with transaction.atomic():
            locked = (
                ComplaintEvent.objects.select_for_update()
                .select_related("complaint")
                .get(pk=event.pk)
            )
            copy = MessageCopy.objects.filter(event=locked).first()
            if copy is not None and copy.source_hash == message_hash(locked.message):
                return copy.message
            return message_refresh(locked, complaint=locked.complaint).message
    except DatabaseError:  # a racing first reader wrote it, or a read-only database
        copy = MessageCopy.objects.filter(event_id=event.pk).first()
        if copy is not None and copy.source_hash == message_hash(event.message):
            return copy.message
        logger.warning("no public copy for event %s: redacted on the fly", event.pk)
        return detectors.redact(event.message)


def _message_event(complaint: Complaint, event_id: int) -> ComplaintEvent:
    from tousu.complaints.models import ComplaintEvent

    event = (
        ComplaintEvent.objects.filter(pk=event_id, complaint=complaint, is_public=True)
        .exclude(message="")
        .first()
    )
    if event is None:
        raise NotFound("找不到该留言", code="message_not_found")
    return event


def _message_copy_current(event: ComplaintEvent, complaint: Complaint) -> None:
    copy = MessageCopy.objects.filter(event=event).first()
    if copy is None or copy.source_hash != message_hash(event.message):
        message_refresh(event, complaint=complaint)


def _message_payload(event: ComplaintEvent, **extra: Any) -> dict[str, Any]:
    # ``author``: engagement tells the message's author (the consumer or a merchant)
    return {"event": event.pk, "author": event.actor_id, "field": Field.MESSAGE, **extra}


def message_redaction_revert(
    *, complaint_id: int, event_id: int, redaction_id: int, actor: User, message: str = ""
) -> Redaction:
    """Staff show a masked piece of a timeline message in public again; its author is told."""
    from tousu.complaints.services import complaint_record_redaction

    _require_staff(actor)
    with transaction.atomic():
        complaint = _locked(complaint_id)
        event = _message_event(complaint, event_id)
        _message_copy_current(event, complaint)
        r = Redaction.objects.filter(pk=redaction_id, event=event).first()
        _check_revertable(r)
        assert r is not None  # checked
        now = timezone.now()
        r.reverted_at, r.reverted_by = now, actor
        r.save(update_fields=["reverted_at", "reverted_by"])
        message_refresh(event, complaint=complaint, now=now)
        label = detectors.KIND_LABELS.get(r.kind, r.kind)
        complaint_record_redaction(
            complaint=complaint,
            actor=actor,
            message=(message or "").strip()
            or f"平台撤销了对您留言中{label}的隐藏，该内容将公开显示",
            payload=_message_payload(event, redaction=r.pk, change="revert", kind=r.kind),
        )
    return r


def message_redaction_add(
    *,
    complaint_id: int,
    event_id: int,
    actor: User,
    text: str = "",
    start: int | None = None,
    end: int | None = None,
    message: str = "",
) -> list[Redaction]:
    """Staff hide a piece of a timeline message (every occurrence of ``text``, or the span
    ``start``–``end`` of the message); its author is told."""
    from tousu.complaints.services import complaint_record_redaction

    _require_staff(actor)
    with transaction.atomic():
        complaint = _locked(complaint_id)
        event = _message_event(complaint, event_id)
        _message_copy_current(event, complaint)
        spans = _spans_to_hide(event.message, text, start, end, "留言中找不到这段文字")
        now = timezone.now()
        created = [
            Redaction.objects.create(
                complaint=complaint,
                event=event,
                field=Field.MESSAGE,
                start=s,
                end=e,
                kind="manual",
                rule="staff",
                original=event.message[s:e],
                mask=detectors.MANUAL_MASK,
                automatic=False,
                created_by=actor,
                created_at=now,
            )
            for s, e in spans
        ]
        message_refresh(event, complaint=complaint, now=now)
        complaint_record_redaction(
            complaint=complaint,
            actor=actor,
            message=(message or "").strip() or "平台隐藏了您留言中的部分内容，公开页面将不再显示",
            payload=_message_payload(event, redactions=[r.pk for r in created], change="add"),
        )
    return created
