"""Merchant endpoints: the inbox of the merchant's companies, one complaint with its private
fields, replies, proposed solutions and completion requests.

Each endpoint takes a merchant user (API token or session) or a company API key
(``Authorization: Bearer tsm_…`` or ``X-Api-Key: tsm_…``, docs/api.md "Merchant API"). A key
sees its own company only, needs the ``read`` scope to read and ``reply`` to act, and is rate
limited per key; its writes are recorded as the company admin who created it.
"""

from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import Schema
from ninja.pagination import CursorPagination, paginate

from tousu.common.errors import NotFound
from tousu.complaints import services
from tousu.complaints.models import Complaint, Evidence
from tousu.complaints.selectors import complaint_events_visible, merchant_complaint, merchant_inbox
from tousu.merchants.api_keys import (
    KeyPrincipal,
    api_key_record_action,
    complaint_for_key,
    complaints_for_key,
)
from tousu.merchants.models import ApiScope

from .consumer import ERRORS, _act
from .core import MERCHANT_AUTH, current_user, key_principal, router
from .schemas import (
    ComplaintPrivateOut,
    ComplaintSummary,
    ErrorOut,
    MessageIn,
    OptionalMessageIn,
    detail_dict,
)

KEY_ERRORS = {**ERRORS, 429: ErrorOut}


@router.get(
    "/merchant/complaints",
    response={200: list[ComplaintSummary], 401: ErrorOut, 403: ErrorOut, 429: ErrorOut},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
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
    """Complaints of the merchant's companies (never those still under review); with a
    company key, of that company only (scope ``read``)."""
    filters: dict[str, Any] = {
        "status": status,
        "overdue": overdue,
        "company_id": company_id,
        "since": since,
        "until": until,
    }
    principal = key_principal(request)
    if principal is not None:
        return complaints_for_key(principal, **filters)
    return merchant_inbox(current_user(request), **filters)


def _merchant_detail(complaint: Complaint) -> dict[str, Any]:
    events = list(complaint_events_visible(complaint, private=True))
    evidence = list(complaint.evidence.all())
    data = detail_dict(complaint, events, evidence, private=True)
    for item in data["evidence"]:
        item["url"] = f"/api/v1/merchant/complaints/{complaint.public_number}/evidence/{item['id']}"
    return data


def _find(request: HttpRequest, public_number: str, scope: str) -> Complaint:
    principal = key_principal(request)
    if principal is not None:
        return complaint_for_key(principal, public_number, scope=scope)
    return merchant_complaint(current_user(request), public_number)


@router.get(
    "/merchant/complaints/{public_number}",
    response={200: ComplaintPrivateOut, **KEY_ERRORS},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
)
def merchant_get(request: HttpRequest, public_number: str) -> dict[str, Any]:
    """One complaint of the company with its private fields (order number, purchase date) and
    the full timeline (scope ``read`` for a key)."""
    return _merchant_detail(_find(request, public_number, ApiScope.READ))


@router.get(
    "/merchant/complaints/{public_number}/evidence/{evidence_id}",
    response={**KEY_ERRORS},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
)
def merchant_evidence(request: HttpRequest, public_number: str, evidence_id: int) -> FileResponse:
    """An evidence file of a complaint of the company (scope ``read`` for a key)."""
    complaint = _find(request, public_number, ApiScope.READ)
    evidence = Evidence.objects.filter(pk=evidence_id, complaint=complaint).first()
    if evidence is None:
        raise NotFound("找不到该证据文件", code="evidence_not_found")
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise NotFound("找不到该证据文件", code="evidence_not_found") from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{evidence.pk}.{evidence.ext}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _key_act(
    request: HttpRequest, principal: KeyPrincipal, public_number: str, fn: Any, **kwargs: Any
) -> dict[str, Any]:
    complaint = complaint_for_key(principal, public_number, scope=ApiScope.REPLY)
    fn(complaint_id=complaint.pk, actor=principal.user, **kwargs)
    api_key_record_action(principal=principal, complaint=complaint, action=fn.__name__)
    complaint.refresh_from_db()
    return _merchant_detail(complaint)


def _merchant_act(
    request: HttpRequest, public_number: str, fn: Any, **kwargs: Any
) -> dict[str, Any]:
    principal = key_principal(request)
    if principal is not None:
        return _key_act(request, principal, public_number, fn, **kwargs)
    return _act(request, public_number, fn, **kwargs)


@router.post(
    "/complaints/{public_number}/reply",
    response={200: ComplaintPrivateOut, **KEY_ERRORS},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
)
def reply(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    """Reply publicly (processing → replied; further replies while replied). Scope ``reply``."""
    return _merchant_act(request, public_number, services.complaint_reply, message=body.message)


@router.post(
    "/complaints/{public_number}/propose-solution",
    response={200: ComplaintPrivateOut, **KEY_ERRORS},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
)
def propose_solution(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    """Propose a solution (recorded as a reply of kind ``solution``). Scope ``reply``."""
    return _merchant_act(
        request, public_number, services.complaint_propose_solution, message=body.message
    )


@router.post(
    "/complaints/{public_number}/request-completion",
    response={200: ComplaintPrivateOut, **KEY_ERRORS},
    tags=["merchant"],
    auth=MERCHANT_AUTH,
)
def request_completion(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    """Ask the consumer to confirm completion (replied → completion_requested). Scope
    ``reply``."""
    return _merchant_act(
        request,
        public_number,
        services.complaint_request_completion,
        message=body.message if body else "",
    )


class KeyOut(Schema):
    company_id: int
    company_name: str
    name: str
    scopes: list[str]
    key_prefix: str


@router.get(
    "/merchant/key",
    response={200: KeyOut, 401: ErrorOut, 429: ErrorOut},
    tags=["merchant"],
    auth=MERCHANT_AUTH[:2],
)
def key_info(request: HttpRequest) -> dict[str, Any]:
    """The company API key the request is made with: its company, name and scopes."""
    principal = key_principal(request)
    assert principal is not None  # only the key authentications are accepted here
    key = principal.key
    return {
        "company_id": key.company_id,
        "company_name": key.company.name,
        "name": key.name,
        "scopes": list(key.scopes),
        "key_prefix": key.key_prefix,
    }
