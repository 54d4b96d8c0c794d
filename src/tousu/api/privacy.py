"""Redactions of a complaint's public copy: read by its parties and staff, changed by staff."""

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Schema

from tousu.complaints.selectors import complaint_get_for_user
from tousu.privacy import services
from tousu.privacy.detectors import KIND_LABELS
from tousu.privacy.models import Redaction
from tousu.privacy.selectors import message_redactions_for, public_text, redactions_for

from .consumer import ERRORS
from .core import AUTH, current_user, router


class RedactionOut(Schema):
    id: int
    field: str
    start: int
    end: int
    kind: str
    kind_label: str
    rule: str
    original: str
    mask: str
    automatic: bool
    created_by: str | None
    created_at: datetime
    reverted_by: str | None
    reverted_at: datetime | None
    active: bool


class RedactionsOut(Schema):
    public_title: str
    public_details: str
    redactions: list[RedactionOut]


class RedactionIn(Schema):
    field: str = Field("details", description="title 或 details")
    text: str = Field("", max_length=200, description="要隐藏的文字（每一处都隐藏）")
    start: int | None = Field(None, ge=0, description="或者：字符范围的起点")
    end: int | None = Field(None, ge=0, description="字符范围的终点（不含）")
    message: str = Field("", max_length=500, description="给消费者的说明")


class RevertIn(Schema):
    message: str = Field("", max_length=500)


def _row(r: Redaction) -> dict[str, Any]:
    return {
        "id": r.pk,
        "field": r.field,
        "start": r.start,
        "end": r.end,
        "kind": r.kind,
        "kind_label": KIND_LABELS.get(r.kind, r.kind),
        "rule": r.rule,
        "original": r.original,
        "mask": r.mask,
        "automatic": r.automatic,
        "created_by": r.created_by.display_name if r.created_by else None,
        "created_at": r.created_at,
        "reverted_by": r.reverted_by.display_name if r.reverted_by else None,
        "reverted_at": r.reverted_at,
        "active": r.is_active,
    }


def _response(request: HttpRequest, public_number: str) -> dict[str, Any]:
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    rows = redactions_for(user, complaint)  # 404 unless the caller may see the original
    title, details = public_text(complaint)
    return {
        "public_title": title,
        "public_details": details,
        "redactions": [_row(r) for r in rows],
    }


@router.get(
    "/complaints/{public_number}/redactions",
    response={200: RedactionsOut, **ERRORS},
    tags=["privacy"],
    auth=AUTH,
)
def redactions(request: HttpRequest, public_number: str) -> dict[str, Any]:
    """The public copy and every redaction with its original: for the consumer, the company's
    merchants and staff only (others get 404, as for a private complaint)."""
    return _response(request, public_number)


@router.post(
    "/complaints/{public_number}/redactions",
    response={200: RedactionsOut, **ERRORS},
    tags=["privacy", "staff"],
    auth=AUTH,
)
def add_redaction(request: HttpRequest, public_number: str, body: RedactionIn) -> dict[str, Any]:
    """Staff hide more text in the public copy (every occurrence of ``text``, or the span
    ``start``–``end``); the consumer is notified."""
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    services.redaction_add(
        complaint_id=complaint.pk,
        actor=user,
        field=body.field,
        text=body.text,
        start=body.start,
        end=body.end,
        message=body.message,
    )
    return _response(request, public_number)


@router.post(
    "/complaints/{public_number}/redactions/{redaction_id}/revert",
    response={200: RedactionsOut, **ERRORS},
    tags=["privacy", "staff"],
    auth=AUTH,
)
def revert_redaction(
    request: HttpRequest, public_number: str, redaction_id: int, body: RevertIn | None = None
) -> dict[str, Any]:
    """Staff show a masked piece in public again; the consumer is notified."""
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    services.redaction_revert(
        complaint_id=complaint.pk,
        redaction_id=redaction_id,
        actor=user,
        message=body.message if body else "",
    )
    return _response(request, public_number)


# --- timeline messages (follow-ups, merchant replies, rating comments) ------------------------


class MessageRedactionsOut(Schema):
    event_id: int
    public_message: str
    redactions: list[RedactionOut]


class MessageRedactionIn(Schema):
    text: str = Field("", max_length=200, description="要隐藏的文字（每一处都隐藏）")
    start: int | None = Field(None, ge=0, description="或者：留言中字符范围的起点")
    end: int | None = Field(None, ge=0, description="字符范围的终点（不含）")
    message: str = Field("", max_length=500, description="给留言作者的说明")


def _message_response(request: HttpRequest, public_number: str, event_id: int) -> dict[str, Any]:
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    found = message_redactions_for(user, complaint, event_id)  # 404 unless a private viewer
    return {
        "event_id": found.event.pk,
        "public_message": found.public_message,
        "redactions": [_row(r) for r in found.redactions],
    }


@router.get(
    "/complaints/{public_number}/events/{event_id}/redactions",
    response={200: MessageRedactionsOut, **ERRORS},
    tags=["privacy"],
    auth=AUTH,
)
def message_redactions(request: HttpRequest, public_number: str, event_id: int) -> dict[str, Any]:
    """A timeline message's public copy and every redaction with its original: for the
    consumer, the company's merchants and staff only (others get 404)."""
    return _message_response(request, public_number, event_id)


@router.post(
    "/complaints/{public_number}/events/{event_id}/redactions",
    response={200: MessageRedactionsOut, **ERRORS},
    tags=["privacy", "staff"],
    auth=AUTH,
)
def add_message_redaction(
    request: HttpRequest, public_number: str, event_id: int, body: MessageRedactionIn
) -> dict[str, Any]:
    """Staff hide more of a timeline message in public (every occurrence of ``text``, or the
    span ``start``–``end``); the message's author is notified."""
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    services.message_redaction_add(
        complaint_id=complaint.pk,
        event_id=event_id,
        actor=user,
        text=body.text,
        start=body.start,
        end=body.end,
        message=body.message,
    )
    return _message_response(request, public_number, event_id)


@router.post(
    "/complaints/{public_number}/events/{event_id}/redactions/{redaction_id}/revert",
    response={200: MessageRedactionsOut, **ERRORS},
    tags=["privacy", "staff"],
    auth=AUTH,
)
def revert_message_redaction(
    request: HttpRequest,
    public_number: str,
    event_id: int,
    redaction_id: int,
    body: RevertIn | None = None,
) -> dict[str, Any]:
    """Staff show a masked piece of a timeline message in public again; its author is
    notified."""
    user = current_user(request)
    complaint, _private = complaint_get_for_user(user, public_number)
    services.message_redaction_revert(
        complaint_id=complaint.pk,
        event_id=event_id,
        redaction_id=redaction_id,
        actor=user,
        message=body.message if body else "",
    )
    return _message_response(request, public_number, event_id)
