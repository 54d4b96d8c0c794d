"""Screening suggestions: for moderators (a complaint's screening, duplicate groups) and for
the consumer filing a complaint (sector and problem types suggested from the text)."""

from typing import Any

from django.http import HttpRequest
from ninja import Schema

from tousu.common.errors import ValidationFailed
from tousu.companies.models import Sector
from tousu.complaints.models import ProblemType
from tousu.moderation import selectors
from tousu.moderation.models import ScreeningResult
from tousu.moderation.screening import complaint_text, suggest_labels

from .core import AUTH, current_user, router
from .schemas import ErrorOut


class ChoiceSuggestion(Schema):
    code: str
    label: str


class ScreeningOut(Schema):
    public_number: str
    decision: str
    reason: str
    reason_label: str
    confidence: float
    top_terms: list[str]
    rule: str
    scores: dict[str, float]
    duplicate_of: str | None
    suggested_sector: ChoiceSuggestion | None
    sector_confidence: float
    suggested_problem_types: list[ChoiceSuggestion]
    group_id: int | None
    group_size: int
    mass_filing: dict[str, Any]
    auto_accepted: bool
    model_version: str


class GroupOut(Schema):
    group_id: int
    size: int
    company_id: int
    company_name: str
    first_public_number: str
    first_title: str


class SuggestIn(Schema):
    title: str = ""
    details: str


class SuggestOut(Schema):
    sector: ChoiceSuggestion | None
    sector_confidence: float
    problem_types: list[ChoiceSuggestion]


def _choice(choices: Any, code: str) -> dict[str, str] | None:
    if code not in choices.values:
        return None
    return {"code": code, "label": str(choices(code).label)}


def _problems(codes: list[str]) -> list[dict[str, str]]:
    return [c for c in (_choice(ProblemType, code) for code in codes) if c]


def _screening_out(result: ScreeningResult) -> dict[str, Any]:
    sizes = selectors.group_sizes([result.group_root] if result.group_root else [])
    return {
        "public_number": result.complaint.public_number,
        "decision": result.decision,
        "reason": result.reason,
        "reason_label": selectors.reason_label(result.reason) if result.reason else "",
        "confidence": result.confidence,
        "top_terms": result.top_terms,
        "rule": result.rule,
        "scores": result.scores,
        "duplicate_of": result.duplicate_of.public_number if result.duplicate_of else None,
        "suggested_sector": _choice(Sector, result.suggested_sector),
        "sector_confidence": result.sector_confidence,
        "suggested_problem_types": _problems(result.suggested_problem_types),
        "group_id": result.group_root,
        "group_size": sizes.get(result.group_root or 0, 0),
        "mass_filing": result.mass_filing,
        "auto_accepted": result.auto_accepted,
        "model_version": result.model_version,
    }


@router.get(
    "/moderation/complaints/{public_number}/screening",
    response={200: ScreeningOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
def screening(request: HttpRequest, public_number: str) -> dict[str, Any]:
    """The screening suggestion for a complaint, with the words that drove it."""
    return _screening_out(selectors.screening_by_number(current_user(request), public_number))


@router.get(
    "/moderation/groups",
    response={200: list[GroupOut], 401: ErrorOut, 403: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
def groups(request: HttpRequest) -> list[dict[str, Any]]:
    """Near-identical complaints by different consumers against one company, biggest first."""
    return [
        {
            "group_id": g["root"].pk,
            "size": g["size"],
            "company_id": g["root"].company_id,
            "company_name": g["root"].company.name,
            "first_public_number": g["root"].public_number,
            "first_title": g["root"].title,
        }
        for g in selectors.groups(current_user(request))
    ]


@router.post(
    "/complaint-suggestions",
    response={200: SuggestOut, 401: ErrorOut, 422: ErrorOut},
    tags=["consumer"],
    auth=AUTH,
)
def suggestions(request: HttpRequest, body: SuggestIn) -> dict[str, Any]:
    """Sector and problem types suggested from a complaint's text; the consumer may change
    them. Nothing is stored."""
    current_user(request)
    details = body.details.strip()
    if not details:
        raise ValidationFailed("请填写投诉详情", code="required", details={"field": "details"})
    labels = suggest_labels(complaint_text(body.title.strip()[:80], details[:5000]))
    return {
        "sector": _choice(Sector, labels.sector) if labels.sector else None,
        "sector_confidence": labels.sector_confidence,
        "problem_types": _problems(labels.problem_types),
    }
