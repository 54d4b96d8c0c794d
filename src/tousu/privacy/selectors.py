"""What the public may read of a complaint's text: the one function every public path uses."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from tousu.accounts.models import User
from tousu.common.errors import NotFound
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence
from tousu.complaints.selectors import can_see_private

from . import detectors
from .models import REDACTABLE_KINDS, CopyState, EvidenceCopy, MessageCopy, Redaction
from .services import ensure_message_copy, is_current, message_hash, source_hash


def public_text(complaint: Complaint) -> tuple[str, str]:
    """``(title, details)`` with personal data masked. A complaint whose public copy is missing
    or stale (written before this app, or by a bulk writer not yet backfilled) is redacted on
    the fly with the detectors alone: the original is never the fallback."""
    if complaint.public_source_hash and is_current(complaint):
        return complaint.public_title, complaint.public_details
    return detectors.redact(complaint.title), detectors.redact(complaint.details)


def public_text_of(
    title: str, details: str, public_title: str, public_details: str, public_source_hash: str
) -> tuple[str, str]:
    """``public_text`` over the column values (bulk readers such as ``tousu search-rebuild``
    that do not make model instances): the same rule."""
    if public_source_hash and public_source_hash == source_hash(title, details):
        return public_title, public_details
    return detectors.redact(title), detectors.redact(details)


def public_message(text: str) -> str:
    """Text that has no redaction rows (not a stored message), masked on the fly."""
    return detectors.redact(text) if text else text


def public_messages(events: Iterable[ComplaintEvent]) -> dict[int, str]:
    """Event id → its message as the public reads it: the stored public copy, derived from the
    message's redaction rows (one query for the lot). A message without a current copy (written
    before messages had rows, or by a bulk writer) is masked on the fly with the same detectors:
    a public read never writes (at 30M complaints almost every page view is a first view, and
    SQLite has one writer). Its rows are made when staff first act on it."""
    out: dict[int, str] = {}
    wanted = []
    for e in events:
        if e.is_public and e.message:
            wanted.append(e)
        elif e.message:  # a private entry has no public copy: never the original
            out[e.pk] = public_message(e.message)
    if not wanted:
        return out
    copies: dict[int, MessageCopy] = {}
    descriptor = ComplaintEvent.public_copy  # loaded with the events (select_related) or not
    unloaded = [e.pk for e in wanted if not descriptor.is_cached(e)]
    for e in wanted:
        if descriptor.is_cached(e):
            with contextlib.suppress(MessageCopy.DoesNotExist):  # loaded: none yet
                copies[e.pk] = e.public_copy
    if unloaded:
        copies.update((c.event_id, c) for c in MessageCopy.objects.filter(event_id__in=unloaded))
    for e in wanted:
        copy = copies.get(e.pk)
        if copy is not None and copy.source_hash == message_hash(e.message):
            out[e.pk] = copy.message
        else:
            out[e.pk] = public_message(e.message)
    return out


def public_comment(comment: str, message: str, public: str) -> str:
    """A rating comment is its event's message (``Rating.comment`` is written from it, cut to
    500 characters): the public copy of the message, or, if they differ, masked on the fly."""
    if not comment:
        return comment
    return public if comment == message else public_message(comment)


@dataclass
class MessageRedactions:
    event: ComplaintEvent
    public_message: str
    redactions: list[Redaction]


def message_redactions_for(
    user: User | None, complaint: Complaint, event_id: int
) -> MessageRedactions:
    """A timeline message's public copy and redaction records (with the originals): only for
    private viewers (others get 404 as for a private complaint)."""
    if not can_see_private(user, complaint):
        raise NotFound("找不到该投诉", code="complaint_not_found")
    event = (
        ComplaintEvent.objects.filter(pk=event_id, complaint=complaint, is_public=True)
        .exclude(message="")
        .first()
    )
    if event is None:
        raise NotFound("找不到该留言", code="message_not_found")
    public = ensure_message_copy(event)
    rows = list(Redaction.objects.filter(event=event).select_related("created_by", "reverted_by"))
    return MessageRedactions(event, public, rows)


def public_title(complaint: Complaint) -> str:
    return public_text(complaint)[0]


def text_for(user: User | None, complaint: Complaint) -> tuple[str, str]:
    """The original for those who may see private data (the consumer, the company's merchants,
    staff), else the public copy."""
    if can_see_private(user, complaint):
        return complaint.title, complaint.details
    return public_text(complaint)


def preview(title: str, details: str) -> tuple[str, str]:
    """The public copy of text not yet submitted (the wizard's preview step)."""
    return detectors.redact(title), detectors.redact(details)


def redactions_for(user: User | None, complaint: Complaint) -> QuerySet[Redaction]:
    """The redaction records (they hold the originals): only for private viewers."""
    if not can_see_private(user, complaint):
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return Redaction.objects.filter(complaint=complaint, event__isnull=True).select_related(
        "created_by", "reverted_by"
    )


def redaction_rows(complaint: Complaint) -> list[dict[str, object]]:
    """The redactions of a complaint for the moderation console (staff only: they show the
    originals), newest state first: applied, then reverted or superseded."""
    rows = [
        _console_row(r)
        for r in Redaction.objects.filter(complaint=complaint, event__isnull=True).select_related(
            "created_by", "reverted_by"
        )
    ]
    rows.sort(key=lambda row: (not row["active"], str(row["field"])))
    return rows


def message_redaction_rows(complaint: Complaint) -> list[dict[str, object]]:
    """The public timeline messages of a complaint for the moderation console (staff only):
    each with its original, its public copy and its redactions (copies made now if missing)."""
    events = list(
        ComplaintEvent.objects.filter(complaint=complaint, is_public=True)
        .exclude(message="")
        .select_related("actor")
        .order_by("id")
    )
    public = public_messages(events)
    by_event: dict[int, list[dict[str, object]]] = {}
    for r in Redaction.objects.filter(complaint=complaint, event__isnull=False).select_related(
        "created_by", "reverted_by"
    ):
        assert r.event_id is not None  # filtered
        by_event.setdefault(r.event_id, []).append(_console_row(r))
    return [
        {
            "id": e.pk,
            "at": e.created_at,
            "actor_role": e.actor_role,
            "author": e.actor.display_name if e.actor else "",
            "original": e.message,
            "public": public.get(e.pk, ""),
            "redactions": sorted(by_event.get(e.pk, []), key=lambda row: not row["active"]),
        }
        for e in events
    ]


def _console_row(r: Redaction) -> dict[str, object]:
    return {
        "id": r.pk,
        "field": r.get_field_display(),
        "kind": detectors.KIND_LABELS.get(r.kind, r.kind),
        "original": r.original,
        "mask": r.mask,
        "automatic": r.automatic,
        "by": r.created_by.display_name if r.created_by else "",
        "created_at": r.created_at,
        "active": r.is_active,
        "reverted_at": r.reverted_at,
        "reverted_by": r.reverted_by.display_name if r.reverted_by else "",
        "superseded": r.superseded_at is not None,
    }


def evidence_is_public_kind(evidence: Evidence) -> bool:
    """Images and PDFs get a redacted public copy; videos (which we cannot redact) never
    become public: only the consumer, the company's members and staff see them."""
    return evidence.kind in REDACTABLE_KINDS


def public_evidence_file(evidence: Evidence) -> FieldFile | None:
    """The redacted public copy of an evidence image or PDF, or ``None`` while there is none
    (OCR pending or unavailable, or a kind that is never public): the caller must then serve
    nothing, never the original."""
    if not evidence_is_public_kind(evidence):
        return None
    copy = EvidenceCopy.objects.filter(evidence=evidence, state=CopyState.DONE).first()
    if copy is None or not copy.file:
        return None
    return copy.file
