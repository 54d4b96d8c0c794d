"""Flags, contests, decisions and appeals (docs/adr/0017-flags-contests-appeals.md)."""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import File, Form, Schema, Status
from ninja.files import UploadedFile

from tousu.complaints.evidence import prepare_uploads
from tousu.disputes import services
from tousu.disputes.models import Appeal, Contest, Decision, Flag

from .core import AUTH, current_user, router
from .schemas import ErrorOut

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class FlagIn(Schema):
    reason: str
    text: str = ""


class ContestForm(Schema):
    reason: str
    text: str


class DecideIn(Schema):
    outcome: str
    reason: str


class AppealIn(Schema):
    text: str


class FlagOut(Schema):
    id: int
    public_number: str
    reason: str
    text: str
    state: str
    created_at: datetime


class ContestOut(Schema):
    id: int
    public_number: str
    company_id: int
    reason: str
    text: str
    state: str
    evidence_count: int
    created_at: datetime


class DecisionOut(Schema):
    id: int
    kind: str
    target_id: int
    outcome: str
    reason: str
    hid_complaint: bool
    created_at: datetime


class AppealOut(Schema):
    id: int
    decision_id: int
    text: str
    state: str
    reason: str
    created_at: datetime


class QueueOut(Schema):
    flags: list[FlagOut]
    contests: list[ContestOut]
    appeals: list[AppealOut]


def _flag(f: Flag) -> dict[str, Any]:
    return {
        "id": f.pk,
        "public_number": f.complaint.public_number,
        "reason": f.reason,
        "text": f.text,
        "state": f.state,
        "created_at": f.created_at,
    }


def _contest(c: Contest) -> dict[str, Any]:
    return {
        "id": c.pk,
        "public_number": c.complaint.public_number,
        "company_id": c.company_id,
        "reason": c.reason,
        "text": c.text,
        "state": c.state,
        "evidence_count": c.evidence.count(),
        "created_at": c.created_at,
    }


def _decision(d: Decision) -> dict[str, Any]:
    return {
        "id": d.pk,
        "kind": d.target_kind,
        "target_id": d.flag_id or d.contest_id,
        "outcome": d.outcome,
        "reason": d.reason,
        "hid_complaint": d.hid_complaint,
        "created_at": d.created_at,
    }


def _appeal(a: Appeal) -> dict[str, Any]:
    return {
        "id": a.pk,
        "decision_id": a.decision_id,
        "text": a.text,
        "state": a.state,
        "reason": a.reason,
        "created_at": a.created_at,
    }


@router.post(
    "/complaints/{public_number}/flags",
    response={201: FlagOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def flag_create(request: HttpRequest, public_number: str, body: FlagIn) -> Status:
    """Report a public complaint (reason: privacy, abuse, false_info, spam, duplicate, other)."""
    flag = services.flag_create(
        user=current_user(request), public_number=public_number, reason=body.reason, text=body.text
    )
    return Status(201, _flag(flag))


@router.post(
    "/complaints/{public_number}/contests",
    response={201: ContestOut, **ERRORS},
    tags=["merchant"],
    auth=AUTH,
)
def contest_create(
    request: HttpRequest,
    public_number: str,
    form: Form[ContestForm],
    evidence: Annotated[list[UploadedFile] | None, File(None)] = None,
) -> Status:
    """The company contests a complaint (multipart form; optional evidence files). Reasons:
    not_customer, fake, defamatory, resolved."""
    user = current_user(request)
    files = prepare_uploads(evidence or [])
    contest = services.contest_create(
        user=user, public_number=public_number, reason=form.reason, text=form.text, files=files
    )
    return Status(201, _contest(contest))


@router.get(
    "/moderation/disputes",
    response={200: QueueOut, 401: ErrorOut, 403: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
def queue(request: HttpRequest) -> dict[str, Any]:
    """Open flags, contests and appeals, oldest first."""
    found = services.open_queue(current_user(request))
    return {
        "flags": [_flag(f) for f in found["flags"]],
        "contests": [_contest(c) for c in found["contests"]],
        "appeals": [_appeal(a) for a in found["appeals"]],
    }


@router.post(
    "/moderation/disputes/{kind}/{target_id}/decide",
    response={201: DecisionOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def decide(request: HttpRequest, kind: str, target_id: int, body: DecideIn) -> Status:
    """Uphold or dismiss an open flag or contest (kind: flag or contest) with a reason."""
    decision = services.decide(
        moderator=current_user(request),
        kind=kind,
        target_id=target_id,
        outcome=body.outcome,
        reason=body.reason,
    )
    return Status(201, _decision(decision))


@router.post(
    "/disputes/decisions/{decision_id}/appeal",
    response={201: AppealOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def appeal_create(request: HttpRequest, decision_id: int, body: AppealIn) -> Status:
    """The affected party's one appeal against a decision."""
    appeal = services.appeal_create(
        user=current_user(request), decision_id=decision_id, text=body.text
    )
    return Status(201, _appeal(appeal))


@router.post(
    "/moderation/appeals/{appeal_id}/decide",
    response={200: AppealOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def appeal_decide(request: HttpRequest, appeal_id: int, body: DecideIn) -> dict[str, Any]:
    """Another moderator decides the appeal; upholding reverses the decision."""
    appeal = services.appeal_decide(
        moderator=current_user(request),
        appeal_id=appeal_id,
        outcome=body.outcome,
        reason=body.reason,
    )
    return _appeal(appeal)
