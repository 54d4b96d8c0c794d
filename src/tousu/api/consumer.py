"""Consumer endpoints: file a complaint, list mine, follow up, confirm, dispute, withdraw."""

from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Form, Status
from ninja.files import UploadedFile
from ninja.pagination import CursorPagination, paginate

from tousu.complaints import services
from tousu.complaints.evidence import prepare_uploads
from tousu.complaints.models import Complaint, EventKind
from tousu.complaints.selectors import complaint_get_for_user, complaints_of_consumer

from .core import AUTH, current_user, router
from .public import complaint_detail_response
from .schemas import (
    ComplaintCreateForm,
    ComplaintPrivateOut,
    ComplaintSummary,
    ConfirmIn,
    ErrorOut,
    MessageIn,
    OptionalMessageIn,
    ResubmitIn,
    detail_dict,
)

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


@router.post(
    "/complaints",
    response={200: ComplaintPrivateOut, 201: ComplaintPrivateOut, **ERRORS, 400: ErrorOut},
    tags=["consumer"],
    auth=AUTH,
)
def create_complaint(
    request: HttpRequest,
    form: Form[ComplaintCreateForm],
    # Not ``File[...] | None``: inside a union ninja loses the File marker and reads a query param.
    evidence: Annotated[list[UploadedFile] | None, File(None)] = None,
) -> Status:
    """File a complaint (multipart form with optional evidence files).

    Send an ``Idempotency-Key`` header to make retries safe: the same key returns the same
    complaint (200) instead of creating a second one (201).
    """
    user = current_user(request)
    files = prepare_uploads(evidence or [])
    complaint, created = services.complaint_submit(
        consumer=user,
        data=services.ComplaintInput(**form.dict()),
        files=files,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if not created:
        return Status(200, complaint_detail_response(request, complaint.public_number))
    return Status(201, _filed_response(request, complaint))


def _filed_response(request: HttpRequest, complaint: Complaint) -> dict[str, Any]:
    """The detail of the complaint just filed, from the objects in hand: the consumer sees it
    privately, and every change of a complaint writes exactly one event, so when its timeline
    is still the one ``submitted`` event (not accepted on commit by the platform, say) the
    complaint in hand is current. Two queries instead of reading everything back."""
    events = list(complaint.events.select_related("actor"))
    if len(events) != 1 or events[0].kind != EventKind.SUBMITTED:
        return complaint_detail_response(request, complaint.public_number)
    return detail_dict(complaint, events, list(complaint.evidence.all()), private=True)


@router.get(
    "/me/complaints",
    response={200: list[ComplaintSummary], 401: ErrorOut},
    tags=["consumer"],
    auth=AUTH,
)
@paginate(CursorPagination, ordering=("-id",), page_size=20, max_page_size=100)
def my_complaints(request: HttpRequest, status: str | None = None) -> QuerySet[Complaint]:
    qs = complaints_of_consumer(current_user(request))
    return qs.filter(status=status) if status else qs


def _act(request: HttpRequest, public_number: str, fn: Any, **kwargs: Any) -> dict[str, Any]:
    user = current_user(request)
    complaint, _ = complaint_get_for_user(user, public_number)
    fn(complaint_id=complaint.pk, actor=user, **kwargs)
    return complaint_detail_response(request, public_number)


@router.post(
    "/complaints/{public_number}/follow-up",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def follow_up(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    """Add information; after a merchant reply this sends the case back to processing."""
    return _act(request, public_number, services.complaint_follow_up, message=body.message)


@router.post(
    "/complaints/{public_number}/confirm",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def confirm(request: HttpRequest, public_number: str, body: ConfirmIn) -> dict[str, Any]:
    """Confirm the completion the merchant requested, with three 1–5 star ratings."""
    return _act(
        request,
        public_number,
        services.complaint_confirm_completion,
        attitude=body.attitude,
        speed=body.speed,
        satisfaction=body.satisfaction,
        comment=body.comment,
    )


@router.post(
    "/complaints/{public_number}/dispute",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def dispute(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    return _act(request, public_number, services.complaint_dispute_completion, message=body.message)


@router.post(
    "/complaints/{public_number}/withdraw",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def withdraw(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    return _act(
        request, public_number, services.complaint_withdraw, message=body.message if body else ""
    )


@router.post(
    "/complaints/{public_number}/reopen",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def reopen(request: HttpRequest, public_number: str, body: MessageIn) -> dict[str, Any]:
    return _act(request, public_number, services.complaint_reopen, message=body.message)


@router.post(
    "/complaints/{public_number}/resubmit",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def resubmit(request: HttpRequest, public_number: str, body: ResubmitIn) -> dict[str, Any]:
    """Edit a rejected complaint and send it back to review."""
    return _act(
        request, public_number, services.complaint_resubmit, title=body.title, details=body.details
    )


@router.post(
    "/complaints/{public_number}/escalate",
    response={200: ComplaintPrivateOut, **ERRORS},
    tags=["consumer"],
    auth=AUTH,
)
def escalate(
    request: HttpRequest, public_number: str, body: OptionalMessageIn | None = None
) -> dict[str, Any]:
    """Ask for mediation by a partner mediation organisation."""
    return _act(
        request, public_number, services.complaint_escalate, message=body.message if body else ""
    )
