"""Public endpoints: anyone may read public complaints and companies."""

import logging
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest
from ninja.pagination import CursorPagination, paginate

from tousu.accounts.models import User
from tousu.common.errors import NotFound
from tousu.companies.models import Company, Sector
from tousu.complaints.models import (
    Complaint,
    Demand,
    Evidence,
    HideReason,
    ProblemType,
    RejectionReason,
)
from tousu.complaints.selectors import (
    complaint_events_visible,
    complaint_get_for_user,
    complaint_search_filter,
    complaints_public,
)
from tousu.complaints.states import Status

from .core import optional_user, public_cached, router
from .schemas import (
    CompanyOut,
    ComplaintPrivateOut,
    ComplaintPublicOut,
    ComplaintPublicSummary,
    ErrorOut,
    TaxonomiesOut,
    detail_dict,
)

logger = logging.getLogger(__name__)


def complaint_detail_response(request: HttpRequest, public_number: str) -> dict[str, Any]:
    # an endpoint with auth=AUTH has authenticated the caller already: do not do it twice
    auth = getattr(request, "auth", None)
    user = auth if isinstance(auth, User) else optional_user(request)
    complaint, private = complaint_get_for_user(user, public_number)
    events = list(complaint_events_visible(complaint, private))
    evidence = list(complaint.evidence.all())
    return detail_dict(complaint, events, evidence, private)


@router.get("/complaints", response=list[ComplaintPublicSummary], tags=["public"])
@paginate(CursorPagination, ordering=("-id",), page_size=20, max_page_size=100)
def list_public_complaints(
    request: HttpRequest,
    status: str | None = None,
    company_id: int | None = None,
    sector: str | None = None,
) -> QuerySet[Complaint]:
    return complaint_search_filter(
        complaints_public(), status=status, company_id=company_id, sector=sector
    )


@router.get(
    "/complaints/{public_number}",
    response={200: ComplaintPrivateOut | ComplaintPublicOut, 404: ErrorOut},
    tags=["public"],
)
def get_complaint(request: HttpRequest, public_number: str) -> dict[str, Any]:
    """One complaint: the public copy, or with private fields for its parties and staff.
    Anonymous callers get the public copy from the page cache (``X-Page-Cache``, a weak
    ``ETag``: ``If-None-Match`` answers 304)."""
    from tousu.pagecache.deps import complaint_deps

    return public_cached(
        request,
        "api-complaint",
        get_complaint,
        lambda: complaint_detail_response(request, public_number),
        lambda: complaint_deps(public_number),
    )


@router.get(
    "/complaints/{public_number}/evidence/{evidence_id}", response={404: ErrorOut}, tags=["public"]
)
def get_evidence(request: HttpRequest, public_number: str, evidence_id: int) -> FileResponse:
    """An evidence file, served only to those who may see the complaint. The public gets an
    image or a PDF only as its redacted copy; 404 ``evidence_processing`` until the worker has
    made it; a video never (404 ``evidence_not_public``)."""
    from tousu.privacy.selectors import evidence_is_public_kind, public_evidence_file

    complaint, private = complaint_get_for_user(optional_user(request), public_number)
    evidence = Evidence.objects.filter(pk=evidence_id, complaint=complaint).first()
    if evidence is None:
        raise NotFound("找不到该证据文件", code="evidence_not_found")
    stored = evidence.file
    if not private and not evidence_is_public_kind(evidence):
        raise NotFound("为保护个人隐私，该附件不公开显示", code="evidence_not_public")
    if not private:
        copy_file = public_evidence_file(evidence)
        if copy_file is None:
            raise NotFound("文件正在处理中，隐去个人信息后公开显示", code="evidence_processing")
        stored = copy_file
    try:
        handle = stored.open("rb")
    except FileNotFoundError:
        logger.error("evidence %s of %s has no file %s", evidence.pk, public_number, evidence.file)
        raise NotFound("找不到该证据文件", code="evidence_not_found") from None
    response = FileResponse(handle, content_type=evidence.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="{evidence.pk}.{evidence.ext}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _companies() -> QuerySet[Company]:
    return Company.objects.prefetch_related("brands", "aliases")


@router.get("/companies", response=list[CompanyOut], tags=["public"])
@paginate(CursorPagination, ordering=("id",), page_size=20, max_page_size=100)
def list_companies(
    request: HttpRequest, sector: str | None = None, verified: bool | None = None
) -> QuerySet[Company]:
    qs = _companies().filter(is_confirmed=True)
    if sector:
        qs = qs.filter(sector=sector)
    if verified is not None:
        qs = qs.filter(is_verified=verified)
    return qs


@router.get("/companies/{company_id}", response={200: CompanyOut, 404: ErrorOut}, tags=["public"])
def get_company(request: HttpRequest, company_id: int) -> Company:
    company = _companies().filter(pk=company_id).first()
    if company is None:
        raise NotFound("找不到该企业", code="company_not_found")
    return company


@router.get("/taxonomies", response=TaxonomiesOut, tags=["public"])
def taxonomies(request: HttpRequest) -> dict[str, Any]:
    """Codes and Chinese labels of sectors, problem types, demands, reasons and statuses."""

    def pairs(choices: Any) -> list[dict[str, str]]:
        return [{"code": c.value, "label": str(c.label)} for c in choices]

    return {
        "sectors": pairs(Sector),
        "problem_types": pairs(ProblemType),
        "demands": pairs(Demand),
        "rejection_reasons": pairs(RejectionReason),
        "hide_reasons": pairs(HideReason),
        "statuses": pairs(Status),
    }
