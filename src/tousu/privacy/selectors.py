"""What the public may read of a complaint's text: the one function every public path uses."""

from __future__ import annotations

from django.db.models import QuerySet
from django.db.models.fields.files import FieldFile

from tousu.accounts.models import User
from tousu.common.errors import NotFound
from tousu.complaints.models import Complaint, Evidence
from tousu.complaints.selectors import can_see_private

from . import detectors
from .models import REDACTABLE_KINDS, CopyState, EvidenceCopy, Redaction
from .services import is_current, source_hash


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
    """A timeline message (a follow-up, a reply, a rating comment) as the public reads it: masked
    on the fly with the detectors (no records: these are not part of the complaint's text)."""
    return detectors.redact(text) if text else text


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
    return Redaction.objects.filter(complaint=complaint).select_related("created_by", "reverted_by")


def redaction_rows(complaint: Complaint) -> list[dict[str, object]]:
    """The redactions of a complaint for the moderation console (staff only: they show the
    originals), newest state first: applied, then reverted or superseded."""
    rows = []
    for r in Redaction.objects.filter(complaint=complaint).select_related(
        "created_by", "reverted_by"
    ):
        rows.append(
            {
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
        )
    rows.sort(key=lambda row: (not row["active"], str(row["field"])))
    return rows


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
