"""Moderator and mediator endpoints: review queue, accept, reject, hide, mediation outcome."""

from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import CursorPagination, paginate

from tousu.accounts.models import Role
from tousu.common.errors import PermissionDenied
from tousu.companies.models import Company
from tousu.companies.services import company_verify
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import mediation_queue, review_queue

from .consumer import ERRORS, _act
from .core import AUTH, current_user, router
from .schemas import (
    CompanyOut,
    ComplaintPrivateOut,
    ComplaintSummary,
    ErrorOut,
    HideIn,
    MediationOutcomeIn,
    OptionalMessageIn,
    ProblemTypesIn,
    RejectIn,
)


@router.get(
    "/moderation/queue",
    response={200: list[ComplaintSummary], 401: ErrorOut, 403: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("id",), page_size=20, max_page_size=100)
def queue(request: HttpRequest) -> QuerySet[Complaint]:
    """Complaints waiting for review, oldest first."""
    return review_queue(current_user(request))


@router.post(
    "/complaints/{public_number}/accept",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def accept(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    return _act(
        request, public_number, services.complaint_accept, message=body.message if body else ""
    )


@router.post(
    "/complaints/{public_number}/reject",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def reject(request: HttpRequest, public_number: str, body: RejectIn) -> dict[str, Any]:
    return _act(
        request, public_number, services.complaint_reject, reason=body.reason, message=body.message
    )


@router.post(
    "/complaints/{public_number}/hide",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def hide(request: HttpRequest, public_number: str, body: HideIn) -> dict[str, Any]:
    return _act(
        request, public_number, services.complaint_hide, reason=body.reason, message=body.message
    )


@router.post(
    "/complaints/{public_number}/unhide",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def unhide(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    return _act(
        request, public_number, services.complaint_unhide, message=body.message if body else ""
    )


@router.post(
    "/complaints/{public_number}/problem-types",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def set_problem_types(
    request: HttpRequest, public_number: str, body: ProblemTypesIn
) -> dict[str, Any]:
    """Correct a complaint's problem types (moderators): codes from ``ProblemType``; an unknown
    code is a 422 ``invalid_choice`` and changes nothing. Audited on the complaint's timeline
    (not public); the company's metric counters follow in the same transaction."""
    user = current_user(request)
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以修改投诉问题类型", code="moderators_only")
    return _act(
        request,
        public_number,
        services.complaint_set_problem_types,
        problem_types=body.problem_types,
        note=body.note,
    )


@router.post(
    "/complaints/{public_number}/close",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def close_unassigned(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    """Close a complaint whose company cannot be reached (moderators)."""
    user = current_user(request)
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以关闭投诉", code="moderators_only")
    return _act(
        request,
        public_number,
        services.complaint_close_unassigned,
        message=body.message if body else "",
    )


@router.get(
    "/mediation/queue",
    response={200: list[ComplaintSummary], 401: ErrorOut, 403: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("id",), page_size=20, max_page_size=100)
def mediation(request: HttpRequest) -> QuerySet[Complaint]:
    return mediation_queue(current_user(request))


@router.post(
    "/complaints/{public_number}/mediation-outcome",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def mediation_outcome(
    request: HttpRequest, public_number: str, body: MediationOutcomeIn
) -> dict[str, Any]:
    return _act(
        request,
        public_number,
        services.complaint_record_mediation,
        succeeded=body.succeeded,
        message=body.message,
    )


@router.post(
    "/companies/{company_id}/verify",
    response={200: CompanyOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def verify_company(request: HttpRequest, company_id: int) -> Company:
    """Mark a company verified; its unassigned complaints go to processing (moderators)."""
    user = current_user(request)
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以认证企业", code="moderators_only")
    return company_verify(company_id=company_id, actor=user)
