"""Merchant onboarding endpoints: claim a company, staff approve / reject / revoke."""

from datetime import datetime
from typing import Annotated

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja import File, Form, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate
from pydantic import Field

from tousu.common.errors import NotFound
from tousu.companies.models import Company
from tousu.merchants import onboarding
from tousu.merchants.models import CompanyClaim

from .consumer import ERRORS
from .core import AUTH, current_user, optional_user, router
from .schemas import CompanyOut, ErrorOut, MessageIn, OptionalMessageIn


class ClaimForm(Schema):
    uscc: str = ""
    contact_name: str = ""
    contact_title: str = ""
    note: str = ""


class ClaimOut(Schema):
    id: int
    company_id: int
    company_name: str
    uscc: str
    contact_name: str
    contact_title: str
    note: str
    state: str
    state_label: str
    created_at: datetime
    reviewed_at: datetime | None
    review_message: str
    licence_url: str
    licence_content_type: str

    @staticmethod
    def resolve_company_name(obj: CompanyClaim) -> str:
        return obj.company.name

    @staticmethod
    def resolve_state_label(obj: CompanyClaim) -> str:
        return str(obj.get_state_display())

    @staticmethod
    def resolve_licence_url(obj: CompanyClaim) -> str:
        return f"/api/v1/claims/{obj.pk}/licence"


class ClaimStaffOut(ClaimOut):
    claimant_id: int
    claimant_name: str
    company_uscc: str | None
    company_is_verified: bool

    @staticmethod
    def resolve_claimant_name(obj: CompanyClaim) -> str:
        return obj.claimant.display_name

    @staticmethod
    def resolve_company_uscc(obj: CompanyClaim) -> str | None:
        return obj.company.uscc

    @staticmethod
    def resolve_company_is_verified(obj: CompanyClaim) -> bool:
        return obj.company.is_verified


class RevokeIn(Schema):
    reason: str = Field(..., max_length=500)


@router.post(
    "/companies/{company_id}/claims",
    response={201: ClaimOut, **ERRORS, 400: ErrorOut},
    tags=["onboarding"],
    auth=AUTH,
)
def claim_company(
    request: HttpRequest,
    company_id: int,
    form: Form[ClaimForm],
    licence: Annotated[UploadedFile | None, File(None)] = None,
) -> Status:
    """Claim a company (multipart): USCC, contact, business licence (JPEG/PNG/WebP or PDF).

    The logged-in account needs a verified phone or e-mail. Staff review the claim; on approval
    the account becomes the company's admin (a consumer account becomes a merchant account)."""
    user = current_user(request)
    prepared = onboarding.prepare_licence_upload(licence)
    claim = onboarding.claim_submit(
        claimant=user,
        company_id=company_id,
        uscc=form.uscc,
        contact_name=form.contact_name,
        contact_title=form.contact_title,
        note=form.note,
        licence=prepared,
    )
    return Status(201, claim)


@router.get("/me/claims", response={200: list[ClaimOut], 401: ErrorOut}, tags=["onboarding"],
            auth=AUTH)
def my_claims(request: HttpRequest) -> QuerySet[CompanyClaim]:
    return onboarding.claims_of_user(current_user(request))


@router.get("/claims/{claim_id}/licence", response={404: ErrorOut}, tags=["onboarding"])
def claim_licence(request: HttpRequest, claim_id: int) -> FileResponse:
    """The business licence of a claim: to its claimant and to staff only."""
    claim = onboarding.claim_licence_for(optional_user(request), claim_id)
    return licence_response(claim)


def licence_response(claim: CompanyClaim) -> FileResponse:
    try:
        handle = claim.licence.open("rb")
    except FileNotFoundError:
        raise NotFound("找不到该文件", code="licence_not_found") from None
    response = FileResponse(handle, content_type=claim.licence_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="licence-{claim.pk}.{claim.licence_ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/moderation/claims",
    response={200: list[ClaimStaffOut], 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("id",), page_size=20, max_page_size=100)
def claim_queue(request: HttpRequest, state: str = "pending") -> QuerySet[CompanyClaim]:
    """Company claims by state (``pending`` by default), for moderators."""
    return onboarding.claim_queue(current_user(request), state=state or None)


@router.post(
    "/moderation/claims/{claim_id}/approve",
    response={200: ClaimStaffOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def approve_claim(
    request: HttpRequest, claim_id: int, body: OptionalMessageIn | None = None
) -> CompanyClaim:
    """Approve: the claimant becomes the company's admin, the company is verified and its
    unassigned complaints go to processing."""
    claim = onboarding.claim_approve(
        actor=current_user(request), claim_id=claim_id, message=body.message if body else ""
    )
    return onboarding.claim_for_staff(current_user(request), claim.pk)


@router.post(
    "/moderation/claims/{claim_id}/reject",
    response={200: ClaimStaffOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def reject_claim(request: HttpRequest, claim_id: int, body: MessageIn) -> CompanyClaim:
    """Reject with a reason the claimant reads."""
    claim = onboarding.claim_reject(
        actor=current_user(request), claim_id=claim_id, message=body.message
    )
    return onboarding.claim_for_staff(current_user(request), claim.pk)


@router.post(
    "/companies/{company_id}/revoke-verification",
    response={200: CompanyOut, **ERRORS},
    tags=["staff"],
    auth=AUTH,
)
def revoke_verification(request: HttpRequest, company_id: int, body: RevokeIn) -> Company:
    """Revoke a company's verification: the badge goes, and with it the team's memberships,
    pending invitations, API keys and webhooks (moderators)."""
    return onboarding.company_verification_revoke(
        actor=current_user(request), company_id=company_id, reason=body.reason
    )

