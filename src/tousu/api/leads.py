"""Fraud tips, the public fraud lookup, and defect / police leads for authorised accounts."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Query, Schema, Status

from tousu.common.errors import DomainError
from tousu.common.ratelimit import client_ip
from tousu.leads.export import leads_export
from tousu.leads.models import Lead
from tousu.leads.selectors import (
    fraud_lookup,
    fraud_lookup_throttle,
    lead_detail,
    leads_list,
    leads_list_audit,
)
from tousu.leads.services import TipInput, fraud_tip_submit, lead_transition
from tousu.privacy.selectors import public_title

from .core import AUTH, current_user, error_response, router
from .schemas import ErrorOut

ERRORS = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


class TipIn(Schema):
    scam_type: str
    story: str
    phone: str = ""
    account: str = ""
    url: str = ""
    app_name: str = ""
    amount_lost: Decimal | None = None


class TipOut(Schema):
    id: int
    scam_type: str
    created_at: datetime


@router.post("/fraud/tips", response={201: TipOut, **ERRORS}, tags=["fraud"], auth=AUTH)
def tip_create(request: HttpRequest, body: TipIn) -> Status:
    """Report a scam: at least one of the scammer's phone, account, web address or app."""
    tip = fraud_tip_submit(
        reporter=current_user(request),
        data=TipInput(
            scam_type=body.scam_type,
            story=body.story,
            phone=body.phone,
            account=body.account,
            url=body.url,
            app_name=body.app_name,
            amount_lost=str(body.amount_lost) if body.amount_lost is not None else None,
        ),
    )
    return Status(201, tip)


class LookupOut(Schema):
    kind: str
    value: str
    reports: int
    scam_types: dict[str, int]
    first_reported: datetime | None
    last_reported: datetime | None


@router.get("/fraud/lookup", response={200: LookupOut, **ERRORS}, tags=["fraud"])
def lookup(request: HttpRequest, kind: str, value: str) -> Any:
    """Has this phone number, web address (domain), app or account been reported? Counts and
    scam types only; 20 lookups a minute per address (``LOOKUPS_PER_MINUTE``, shared with the
    lookup page), then 429 ``rate_limited``."""
    fraud_lookup_throttle(client_ip(request))
    return fraud_lookup(kind, value)


class LeadOut(Schema):
    id: int
    kind: str
    category: str
    title: str
    company_id: int | None
    brand_name: str
    product_model: str
    status: str
    complaint_count: int
    tip_count: int
    amount_total: Decimal
    first_seen_at: datetime
    last_seen_at: datetime


class LeadItemOut(Schema):
    public_number: str
    title: str
    amount: Decimal | None
    submitted_at: datetime
    terms: list[str]


class LeadDetailOut(LeadOut):
    complaints: list[LeadItemOut]


class LeadsQuery(Schema):
    kind: str
    status: str = ""


@router.get("/leads", response={200: list[LeadOut], **ERRORS}, tags=["leads"], auth=AUTH)
def leads(request: HttpRequest, query: Query[LeadsQuery]) -> list[Lead]:
    """Defect or police leads (authorised regulators and platform staff), largest first; the
    listing is audited."""
    user = current_user(request)
    found = list(leads_list(user, query.kind, query.status)[:500])
    leads_list_audit(user, query.kind, query.status, found, via="api")
    return found


@router.get("/leads/export", response={200: None, **ERRORS}, tags=["leads"], auth=AUTH)
def export(request: HttpRequest, kind: str, format: str = "json", status: str = "") -> Any:
    """The leads in the fixed format tousu-leads/1 (csv, xlsx or json); audited."""
    try:
        body, content_type, name = leads_export(
            user=current_user(request), kind=kind, fmt=format, status=status
        )
    except DomainError as exc:
        return error_response(request, exc.status_code, exc.code, exc.message, exc.details)
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@router.get("/leads/{lead_id}", response={200: LeadDetailOut, **ERRORS}, tags=["leads"], auth=AUTH)
def lead(request: HttpRequest, lead_id: int) -> dict[str, Any]:
    """One lead with its complaints; the view is audited."""
    found = lead_detail(current_user(request), lead_id)
    data = LeadOut.from_orm(found.lead).dict()
    data["complaints"] = [
        {
            "public_number": i.complaint.public_number,
            "title": public_title(i.complaint),
            "amount": i.complaint.amount,
            "submitted_at": i.complaint.submitted_at,
            "terms": i.terms,
        }
        for i in found.items
    ]
    return data


class TransitionIn(Schema):
    note: str = ""


@router.post(
    "/leads/{lead_id}/{action}", response={200: LeadOut, **ERRORS}, tags=["leads"], auth=AUTH
)
def transition(
    request: HttpRequest, lead_id: int, action: str, body: TransitionIn | None = None
) -> Lead:
    """send (staff: draft → sent), acknowledge (regulator: sent → acknowledged), close."""
    return lead_transition(
        lead_id=lead_id, actor=current_user(request), action=action, note=body.note if body else ""
    )
