"""Merchant endpoints: the inbox of the merchant's companies, replies and completion requests."""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja.pagination import CursorPagination, paginate

from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import merchant_inbox

from .consumer import ERRORS, _act
from .core import AUTH, current_user, router
from .schemas import ComplaintPrivateOut, ComplaintSummary, ErrorOut, MessageIn, OptionalMessageIn


@router.get(
    "/merchant/complaints",
    response={200: list[ComplaintSummary], 401: ErrorOut, 403: ErrorOut},
    tags=["merchant"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("-id",), page_size=20, max_page_size=100)
def inbox(
    request: HttpRequest,
    status: str | None = None,
    overdue: bool | None = None,
    company_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Complaint]:
    """Complaints of the companies the merchant belongs to (never those still under review)."""
    return merchant_inbox(
        current_user(request),
        status=status,
        overdue=overdue,
        company_id=company_id,
        since=since,
        until=until,
    )


@router.post(
    "/complaints/{public_number}/reply",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["merchant"],
    auth=AUTH,
)
def reply(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    return _act(request, public_number, services.complaint_reply, message=body.message)


@router.post(
    "/complaints/{public_number}/propose-solution",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["merchant"],
    auth=AUTH,
)
def propose_solution(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    return _act(request, public_number, services.complaint_propose_solution, message=body.message)


@router.post(
    "/complaints/{public_number}/request-completion",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["merchant"],
    auth=AUTH,
)
def request_completion(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    return _act(
        request,
        public_number,
        services.complaint_request_completion,
        message=body.message if body else "",
    )
