"""Request and response schemas of API v1."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ninja import Schema
from pydantic import Field

from tousu.companies.models import Company
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence
from tousu.complaints.states import Status


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any] = {}


class CompanyBrief(Schema):
    id: int
    name: str
    sector: str
    is_verified: bool


class BrandOut(Schema):
    id: int
    name: str


class CompanyOut(Schema):
    id: int
    name: str
    sector: str
    sector_label: str
    region_code: str | None
    uscc: str | None
    is_verified: bool
    is_confirmed: bool
    website: str
    brands: list[BrandOut]
    aliases: list[str]

    @staticmethod
    def resolve_sector_label(obj: Company) -> str:
        return str(obj.get_sector_display())

    @staticmethod
    def resolve_region_code(obj: Company) -> str | None:
        return obj.region_id

    @staticmethod
    def resolve_brands(obj: Company) -> list[Any]:
        return list(obj.brands.all())

    @staticmethod
    def resolve_aliases(obj: Company) -> list[str]:
        return [a.alias for a in obj.aliases.all()]


class EvidenceOut(Schema):
    id: int
    kind: str
    content_type: str
    size: int
    width: int | None
    height: int | None
    url: str | None
    withheld: bool
    notice: str


class RatingOut(Schema):
    attitude: int
    speed: int
    satisfaction: int
    comment: str


class EventOut(Schema):
    id: int
    kind: str
    action: str
    actor_role: str
    actor_name: str | None
    from_status: str
    to_status: str
    reason: str
    message: str
    created_at: datetime
    rating: RatingOut | None = None


class ComplaintSummary(Schema):
    public_number: str
    title: str
    status: str
    status_label: str
    company: CompanyBrief
    brand: BrandOut | None
    amount: Decimal | None
    submitted_at: datetime
    is_overdue: bool
    reply_due_at: datetime | None

    @staticmethod
    def resolve_status_label(obj: Complaint | dict[str, Any]) -> str:
        status = obj["status"] if isinstance(obj, dict) else obj.status
        return str(Status(status).label)


class ComplaintPublicSummary(ComplaintSummary):
    """A row of a public list: the title is the redacted public copy (tousu.privacy)."""

    @staticmethod
    def resolve_title(obj: Complaint) -> str:
        from tousu.privacy.selectors import public_title

        return public_title(obj)


class ComplaintPublicOut(ComplaintSummary):
    details: str
    problem_types: list[str]
    problem_other: str
    demands: list[str]
    demand_other: str
    consumer_name: str
    visibility: str
    accepted_at: datetime | None
    first_reply_at: datetime | None
    completion_requested_at: datetime | None
    confirm_due_at: datetime | None
    completed_at: datetime | None
    closed_at: datetime | None
    events: list[EventOut]
    evidence: list[EvidenceOut]


class ComplaintPrivateOut(ComplaintPublicOut):
    order_number: str
    purchase_date: date | None
    consumer_region: str | None
    rejection_reason: str
    rejection_message: str
    hidden_reason: str
    review_due_at: datetime | None


def event_dict(
    e: ComplaintEvent, private: bool, public: dict[int, str] | None = None
) -> dict[str, Any]:
    """``public``: the public copies of the messages (``privacy.selectors.public_messages``),
    for a non-private caller."""
    actor_name = None
    if e.actor_role == "consumer":
        actor_name = e.actor.display_name if (private and e.actor) else "投诉人"
    elif e.actor_role == "merchant":
        actor_name = "商家"
    else:
        actor_name = "平台"
    rating = getattr(e, "rating", None) if e.action == "confirm" else None
    message, comment = e.message, (rating.comment if rating else "")
    if not private:  # the public copy, derived from the message's redaction rows
        from tousu.privacy.selectors import public_comment, public_messages

        if public is None:
            public = public_messages([e])
        public_text = public.get(e.pk, "")
        message, comment = public_text, public_comment(comment, e.message, public_text)
    return {
        "id": e.pk,
        "kind": e.kind,
        "action": e.action,
        "actor_role": e.actor_role,
        "actor_name": actor_name,
        "from_status": e.from_status,
        "to_status": e.to_status,
        "reason": e.reason,
        "message": message,
        "created_at": e.created_at,
        "rating": (
            {
                "attitude": rating.attitude,
                "speed": rating.speed,
                "satisfaction": rating.satisfaction,
                "comment": comment,
            }
            if rating
            else None
        ),
    }


EVIDENCE_WITHHELD = "为保护个人隐私，该附件不公开显示"


def evidence_dict(ev: Evidence, number: str, private: bool) -> dict[str, Any]:
    """An evidence file as listed. The public gets no link to a kind that never becomes public
    (a video: ``tousu.privacy.selectors.evidence_is_public_kind``) — listed, withheld, with the
    page's notice; an image or PDF link serves only its redacted copy."""
    from tousu.privacy.selectors import evidence_is_public_kind

    withheld = not private and not evidence_is_public_kind(ev)
    return {
        "id": ev.pk,
        "kind": ev.kind,
        "content_type": ev.content_type,
        "size": ev.size,
        "width": ev.width,
        "height": ev.height,
        "url": None if withheld else f"/api/v1/complaints/{number}/evidence/{ev.pk}",
        "withheld": withheld,
        "notice": EVIDENCE_WITHHELD if withheld else "",
    }


def detail_dict(
    c: Complaint, events: list[ComplaintEvent], evidence: list[Evidence], private: bool
) -> dict[str, Any]:
    messages: dict[int, str] | None = None
    if private:
        title, details = c.title, c.details
    else:
        from tousu.privacy.selectors import public_messages, public_text

        title, details = public_text(c)
        messages = public_messages(events)
    data: dict[str, Any] = {
        "public_number": c.public_number,
        "title": title,
        "status": c.status,
        "status_label": str(Status(c.status).label),
        "company": c.company,
        "brand": c.brand,
        "amount": c.amount,
        "submitted_at": c.submitted_at,
        "is_overdue": c.is_overdue,
        "reply_due_at": c.reply_due_at,
        "details": details,
        "problem_types": c.problem_types,
        "problem_other": c.problem_other,
        "demands": c.demands,
        "demand_other": c.demand_other,
        "consumer_name": (c.consumer.nickname or c.consumer.pseudonym)
        if c.show_nickname
        else c.consumer.pseudonym,
        "visibility": c.visibility,
        "accepted_at": c.accepted_at,
        "first_reply_at": c.first_reply_at,
        "completion_requested_at": c.completion_requested_at,
        "confirm_due_at": c.confirm_due_at,
        "completed_at": c.completed_at,
        "closed_at": c.closed_at,
        "events": [event_dict(e, private, messages) for e in events],
        "evidence": [evidence_dict(ev, c.public_number, private) for ev in evidence],
    }
    if private:
        data.update(
            {
                "order_number": c.order_number,
                "purchase_date": c.purchase_date,
                "consumer_region": c.consumer_region_id,
                "rejection_reason": c.rejection_reason,
                "rejection_message": c.rejection_message,
                "hidden_reason": c.hidden_reason,
                "review_due_at": c.review_due_at,
            }
        )
    return data


class MessageIn(Schema):
    message: str = Field(..., max_length=5000)


class OptionalMessageIn(Schema):
    message: str = Field("", max_length=5000)


class ConfirmIn(Schema):
    attitude: int
    speed: int
    satisfaction: int
    comment: str = Field("", max_length=500)


class RejectIn(Schema):
    reason: str
    message: str = Field("", max_length=500)


class HideIn(Schema):
    reason: str
    message: str = Field("", max_length=200)


class ProblemTypesIn(Schema):
    problem_types: list[str]
    note: str = ""


class ResubmitIn(Schema):
    title: str | None = None
    details: str | None = None


class MediationOutcomeIn(Schema):
    succeeded: bool
    message: str = Field("", max_length=2000)


class ComplaintCreateForm(Schema):
    title: str = ""
    details: str = ""
    company_id: int | None = None
    company_name: str = ""
    brand_id: int | None = None
    problem_types: list[str] = []
    problem_other: str = ""
    demands: list[str] = []
    demand_other: str = ""
    amount: str | None = None
    order_number: str = ""
    purchase_date: date | None = None
    consumer_region: str | None = None
    show_nickname: bool = False


class NotificationOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    complaint_number: str | None
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_complaint_number(obj: Any) -> str | None:
        return obj.complaint.public_number if obj.complaint_id else None


class ChoiceOut(Schema):
    code: str
    label: str


class TaxonomiesOut(Schema):
    sectors: list[ChoiceOut]
    problem_types: list[ChoiceOut]
    demands: list[ChoiceOut]
    rejection_reasons: list[ChoiceOut]
    hide_reasons: list[ChoiceOut]
    statuses: list[ChoiceOut]
