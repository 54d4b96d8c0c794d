"""Consumer pages: the submission wizard, my complaints, actions on a complaint, notifications.

The wizard keeps a server-side draft per consumer (``tousu.complaints.drafts`` explains why and
how evidence files are kept); its steps and the final submit report the errors of the same
``complaint_submit`` the API calls, next to the field they name. Actions call the lifecycle
services; an action the state machine refuses changes nothing and says why in Chinese.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tousu.accounts.models import Role, User
from tousu.common.errors import (
    Conflict,
    DomainError,
    NotFound,
    RateLimited,
    ValidationFailed,
)
from tousu.common.ratelimit import hit
from tousu.companies.models import Company, Region
from tousu.companies.services import company_find_by_name
from tousu.complaints import drafts, services
from tousu.complaints.models import (
    Complaint,
    ComplaintDraft,
    ComplaintEvent,
    Demand,
    EventKind,
    ProblemType,
    RejectionReason,
)
from tousu.complaints.selectors import (
    complaint_events_visible,
    complaint_get_for_user,
    complaints_of_consumer,
)
from tousu.complaints.states import Action, Status
from tousu.engagement.services import (
    notification_mark_read,
    notification_unread_count,
    notifications_for,
)
from tousu.privacy import detectors as privacy_preview

from ..forms import (
    ACTION_FORMS,
    CompanyStepForm,
    DescribeStepForm,
    DetailsStepForm,
    action_form,
    add_service_error,
)
from .accounts import safe_next


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _background(request: HttpRequest) -> bool:
    """A request from the page's own script (autosave, upload), not a form submission."""
    return request.headers.get("X-Requested-With") == "XMLHttpRequest" or bool(
        request.headers.get("HX-Request")
    )


def _consumers_only(request: HttpRequest) -> HttpResponse | None:
    if _user(request).role != Role.CONSUMER:
        if _background(request):
            return HttpResponse(
                _("只有消费者账号可以发起投诉"),
                status=403,
                content_type="text/plain; charset=utf-8",
            )
        return render(request, "web/consumer/consumers_only.html", status=403)
    return None


# --- the submission wizard --------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    name: str
    title: Any
    form: type[forms.Form] | None


STEPS = (
    Step("company", gettext_lazy("选择企业"), CompanyStepForm),
    Step("describe", gettext_lazy("描述问题"), DescribeStepForm),
    Step("details", gettext_lazy("金额与订单"), DetailsStepForm),
    Step("evidence", gettext_lazy("上传证据"), None),
    Step("preview", gettext_lazy("预览并提交"), None),
)
STEP_BY_NAME = {s.name: s for s in STEPS}
assert tuple(STEP_BY_NAME) == drafts.STEPS


def _step_url(name: str) -> str:
    return reverse("web:complaint_new_step", args=[name])


def _posted_values(request: HttpRequest, step: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, owner in drafts.FIELD_STEPS.items():
        if owner != step or name in ("brand_id", "evidence"):
            continue
        if name in drafts.LIST_FIELDS:
            values[name] = request.POST.getlist(name)
        elif name in drafts.BOOL_FIELDS:
            values[name] = bool(request.POST.get(name))
        else:
            values[name] = request.POST.get(name, "")
    return values


def _bound_with_error(step: str, draft: ComplaintDraft, exc: DomainError) -> forms.Form | None:
    """The step's form filled from the draft, with a service error next to its field."""
    form_class = STEP_BY_NAME[step].form
    if form_class is None:
        return None
    form = form_class(data=draft.data)
    form.is_valid()
    add_service_error(form, exc)
    return form


def _check_upto(draft: ComplaintDraft, step: str) -> tuple[str, DomainError] | None:
    """Run the submission rules on the draft; report an error of this step or an earlier one.

    Errors of later steps are left for when the consumer gets there.
    """
    try:
        drafts.draft_check(draft)
    except ValidationFailed as exc:
        owner = drafts.FIELD_STEPS.get(str(exc.details.get("field") or ""), step)
        if drafts.step_index(owner) <= drafts.step_index(step):
            return owner, exc
    except DomainError as exc:  # a duplicate of an open complaint, a role problem
        return step, exc
    return None


def _error_links(exc: DomainError) -> dict[str, Any]:
    """A link to the open complaint that a duplicate repeats."""
    number = exc.details.get("public_number")
    if isinstance(exc, Conflict) and number:
        return {"duplicate_url": reverse("web:my_complaint", args=[number])}
    return {}


def _labels(values: list[str], choices: Any) -> list[str]:
    known = dict(choices)
    return [str(known[v]) for v in values if v in known]


def _preview(draft: ComplaintDraft, user: User) -> dict[str, Any]:
    """What will be public and what only the company and staff see, as the draft stands."""
    data = draft.data or {}
    company: Company | None = None
    brand = None
    raw_id = str(data.get("company_id") or "")
    if raw_id.isdigit():
        company = Company.objects.filter(pk=int(raw_id)).first()
    if company is None and data.get("company_name"):
        found = company_find_by_name(str(data["company_name"]))
        if found:
            company, brand = found
    region = None
    if data.get("consumer_region"):
        region = Region.objects.filter(code=data["consumer_region"]).first()
    amount = None
    try:
        amount = services.validate_amount(str(data.get("amount") or "").strip() or None)
    except ValidationFailed:
        amount = None
    show_nickname = bool(data.get("show_nickname")) and bool(user.nickname)
    title, details = str(data.get("title", "")), str(data.get("details", ""))
    # the public copy as review will publish it (tousu.privacy), and what it hides
    hidden = [*privacy_preview.detect(title), *privacy_preview.detect(details)]
    return {
        "company": company,
        "brand": brand,
        "company_name": data.get("company_name", ""),
        "title": privacy_preview.redact(title),
        "details": privacy_preview.redact(details),
        "hidden": sorted({privacy_preview.KIND_LABELS[s.kind] for s in hidden}),
        "problem_types": _labels(data.get("problem_types") or [], ProblemType.choices),
        "problem_other": data.get("problem_other", ""),
        "demands": _labels(data.get("demands") or [], Demand.choices),
        "demand_other": data.get("demand_other", ""),
        "amount": amount,
        "order_number": data.get("order_number", ""),
        "purchase_date": data.get("purchase_date", ""),
        "region": region,
        "public_name": user.nickname if show_nickname else user.pseudonym,
    }


def _render_step(
    request: HttpRequest,
    draft: ComplaintDraft,
    step: str,
    form: forms.Form | None = None,
    *,
    error: str = "",
    status: int = 200,
    **extra: Any,
) -> HttpResponse:
    spec = STEP_BY_NAME[step]
    if form is None and spec.form is not None:
        form = spec.form(initial=draft.data)
    reached = drafts.step_index(draft.step)
    index = drafts.step_index(step)
    context: dict[str, Any] = {
        "step": step,
        "spec": spec,
        "steps": [
            {
                "name": s.name,
                "title": s.title,
                "number": i + 1,
                "url": _step_url(s.name),
                "current": s.name == step,
                "done": i < index,
                "reachable": i <= reached,
            }
            for i, s in enumerate(STEPS)
        ],
        "step_number": index + 1,
        "step_count": len(STEPS),
        "previous": STEPS[index - 1].name if index else "",
        "form": form,
        "draft": draft,
        "files": list(draft.files.all()),
        "error": error,
        "max_files": settings.TOUSU["EVIDENCE_MAX_FILES"],
        "review_days": settings.TOUSU["REVIEW_SLA_WORKING_DAYS"],
        **extra,
    }
    if step == "company":
        company_id = str((draft.data or {}).get("company_id") or "")
        context["picked"] = (
            Company.objects.filter(pk=int(company_id)).first() if company_id.isdigit() else None
        )
    if step == "preview":
        context["preview"] = _preview(draft, _user(request))
    if step in ("describe", "preview"):
        context["label_suggestion"] = _label_suggestion(draft)
    return render(request, "web/consumer/wizard.html", context, status=status)


def _label_suggestion(draft: ComplaintDraft) -> dict[str, Any] | None:
    """Problem types (and, for a company typed by name, its sector) suggested from the text the
    consumer wrote; shown as a hint, the consumer chooses."""
    from tousu.companies.models import Sector
    from tousu.moderation.screening import complaint_text, suggest_labels

    data = draft.data or {}
    details = str(data.get("details") or "").strip()
    if len(details) < 10:
        return None
    labels = suggest_labels(complaint_text(str(data.get("title") or ""), details))
    new_company = not str(data.get("company_id") or "") and bool(data.get("company_name"))
    sector = labels.sector if new_company and labels.sector in Sector.values else ""
    problems = _labels(labels.problem_types, ProblemType.choices)
    if not problems and not sector:
        return None
    return {
        "problems": problems,
        "problem_codes": labels.problem_types,
        "sector": str(Sector(sector).label) if sector else "",
    }


@login_required
def complaint_new(request: HttpRequest) -> HttpResponse:
    """Start (or resume) the wizard at the furthest step the draft reached."""
    refused = _consumers_only(request)
    if refused:
        return refused
    draft = drafts.draft_start(_user(request))
    return redirect(_step_url(draft.step))


@login_required
@require_http_methods(["GET", "POST"])
def complaint_new_step(request: HttpRequest, step: str) -> HttpResponse:
    if step not in STEP_BY_NAME:
        raise Http404
    refused = _consumers_only(request)
    if refused:
        return refused
    user = _user(request)
    if step == "preview" and request.method == "POST":
        return _submit(request, user)
    draft = drafts.draft_start(user)
    if drafts.step_index(step) > drafts.step_index(draft.step):
        return redirect(_step_url(draft.step))
    if request.method == "GET":
        if step == "preview":
            found = _check_upto(draft, "preview")
            if found:
                owner, exc = found
                return _render_step(
                    request,
                    draft,
                    step,
                    error=exc.message,
                    error_url=_step_url(owner) if owner != step else "",
                    **_error_links(exc),
                )
        return _render_step(request, draft, step)
    if step == "evidence":
        return _evidence_post(request, draft)
    op = request.POST.get("op", "next")
    drafts.draft_update(draft, _posted_values(request, step))
    if op == "save":
        if _background(request):
            return HttpResponse(status=204)
        messages.success(request, _("草稿已保存。"))
        return redirect(_step_url(step))
    index = drafts.step_index(step)
    if op == "back" and index:
        return redirect(_step_url(STEPS[index - 1].name))
    form_class = STEP_BY_NAME[step].form
    assert form_class is not None
    form = form_class(request.POST)
    if not form.is_valid():
        return _render_step(request, draft, step, form)
    if step == "details":  # keep the date as the service reads it (2025-06-01)
        day = form.cleaned_data.get("purchase_date")
        drafts.draft_update(draft, {"purchase_date": day.isoformat() if day else ""})
    if step != "company":
        found = _check_upto(draft, step)
        if found:
            owner, exc = found
            if owner == step:
                if not isinstance(exc, ValidationFailed):
                    return _render_step(
                        request, draft, step, form, error=exc.message, **_error_links(exc)
                    )
                add_service_error(form, exc)
                return _render_step(request, draft, step, form)
            return _render_step(request, draft, owner, _bound_with_error(owner, draft, exc))
    following = STEPS[index + 1].name
    drafts.draft_update(draft, {}, reached=following)
    return redirect(_step_url(following))


def _evidence_post(request: HttpRequest, draft: ComplaintDraft) -> HttpResponse:
    """Without JavaScript: upload the chosen files, remove one, go back or on."""
    error = ""
    remove = request.POST.get("remove")
    if remove:
        try:
            drafts.draft_remove_file(draft, int(remove))
        except (NotFound, ValueError):
            messages.error(request, _("找不到该文件，可能已经删除。"))
    uploads = request.FILES.getlist("evidence")
    if uploads:
        try:
            hit(f"draft-upload:{draft.user_id}", limit=60, window=3600)
            drafts.draft_add_files(draft, uploads)
        except (ValidationFailed, RateLimited) as exc:
            error = exc.message
    if error:
        return _render_step(request, draft, "evidence", error=error)
    op = request.POST.get("op", "")
    if op == "back":
        return redirect(_step_url("details"))
    if op == "next":
        drafts.draft_update(draft, {}, reached="preview")
        return redirect(_step_url("preview"))
    if uploads and not remove:
        messages.success(request, _("文件已上传。"))
    return redirect(_step_url("evidence"))


def _submit(request: HttpRequest, user: User) -> HttpResponse:
    key = request.POST.get("idempotency_key", "")
    try:
        complaint, _created = drafts.draft_submit(user=user, idempotency_key=key)
    except DomainError as exc:
        draft = drafts.draft_start(user)
        if isinstance(exc, ValidationFailed):
            owner = drafts.FIELD_STEPS.get(str(exc.details.get("field") or ""), "preview")
            if owner not in ("preview", "evidence"):
                return _render_step(request, draft, owner, _bound_with_error(owner, draft, exc))
            return _render_step(request, draft, owner, error=exc.message)
        return _render_step(request, draft, "preview", error=exc.message, **_error_links(exc))
    messages.success(
        request,
        _("投诉已提交，编号 %(number)s。平台将在 %(days)s 个工作日内审核，结果会通知您。")
        % {"number": complaint.public_number, "days": settings.TOUSU["REVIEW_SLA_WORKING_DAYS"]},
    )
    return redirect("web:my_complaint", number=complaint.public_number)


@login_required
@require_POST
def wizard_discard(request: HttpRequest) -> HttpResponse:
    refused = _consumers_only(request)
    if refused:
        return refused
    drafts.draft_discard(_user(request))
    messages.success(request, _("草稿已清空，可以重新填写。"))
    return redirect("web:complaint_new")


@login_required
@require_POST
def wizard_upload(request: HttpRequest) -> HttpResponse:
    """The page's script uploads each file here (with a progress bar); returns its list item."""
    refused = _consumers_only(request)
    if refused:
        return refused
    draft = drafts.draft_start(_user(request))
    try:
        hit(f"draft-upload:{draft.user_id}", limit=60, window=3600)
        rows = drafts.draft_add_files(draft, request.FILES.getlist("evidence"))
    except DomainError as exc:
        return HttpResponse(
            exc.message, status=exc.status_code, content_type="text/plain; charset=utf-8"
        )
    if not rows:
        return HttpResponse(
            _("请选择要上传的文件"), status=422, content_type="text/plain; charset=utf-8"
        )
    return render(request, "web/consumer/_evidence_items.html", {"files": rows})


@login_required
@require_POST
def wizard_file_delete(request: HttpRequest, file_id: int) -> HttpResponse:
    draft = drafts.draft_get(_user(request))
    try:
        if draft is None:
            raise NotFound("找不到该文件")
        drafts.draft_remove_file(draft, file_id)
    except NotFound:
        if _background(request):
            return HttpResponse(status=404)
        messages.error(request, _("找不到该文件，可能已经删除。"))
    if _background(request):
        return HttpResponse(status=204)
    return redirect(_step_url("evidence"))


@login_required
def wizard_file(request: HttpRequest, file_id: int) -> HttpResponseBase:
    """A draft's file, for its owner only (the preview thumbnails)."""
    try:
        row = drafts.draft_file_for(_user(request), file_id)
    except NotFound as exc:
        raise Http404 from exc
    try:
        handle = row.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    inline = row.kind == "image"
    response = FileResponse(
        handle,
        content_type=row.content_type,
        as_attachment=not inline,
        filename=row.original_name or f"evidence.{row.ext}",
    )
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- my complaints --------------------------------------------------------------------------


@login_required
def my_complaints(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    status = request.GET.get("status", "")
    qs = complaints_of_consumer(user).order_by("-id")
    if status in Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = Paginator(qs, 20).get_page(request.GET.get("page"))
    draft = drafts.draft_get(user) if user.role == Role.CONSUMER else None
    return render(
        request,
        "web/consumer/my_complaints.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "draft": draft if draft and draft.data else None,
        },
    )


def _own_complaint(request: HttpRequest, number: str) -> Complaint:
    try:
        complaint, _private = complaint_get_for_user(_user(request), number)
    except NotFound as exc:
        raise Http404 from exc
    if complaint.consumer_id != request.user.pk:
        raise Http404
    return complaint


ACTOR_NAMES = {
    "consumer": gettext_lazy("我"),
    "merchant": gettext_lazy("商家"),
    "moderator": gettext_lazy("平台审核"),
    "mediator": gettext_lazy("调解组织"),
    "system": gettext_lazy("平台"),
}


def _timeline(complaint: Complaint) -> list[dict[str, Any]]:
    rows = []
    event: ComplaintEvent
    for event in complaint_events_visible(complaint, private=True):
        if event.kind == EventKind.TRANSITION and event.action:
            what = Action(event.action).label
        else:
            what = EventKind(event.kind).label
        rows.append(
            {
                "what": what,
                "role": event.actor_role,
                "actor": ACTOR_NAMES.get(event.actor_role, event.actor_role),
                "to_status": Status(event.to_status).label if event.to_status else "",
                "reason": (
                    RejectionReason(event.reason).label
                    if event.action == Action.REJECT and event.reason in RejectionReason.values
                    else ""
                ),
                "message": event.message,
                "rating": getattr(event, "rating", None)
                if event.action == Action.CONFIRM
                else None,
                "at": event.created_at,
            }
        )
    return rows


def _render_detail(
    request: HttpRequest, complaint: Complaint, status: int = 200, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "web/consumer/complaint.html",
        {
            "complaint": complaint,
            "problem_types": _labels(complaint.problem_types, ProblemType.choices),
            "demands": _labels(complaint.demands, Demand.choices),
            "timeline": _timeline(complaint),
            "evidence": list(complaint.evidence.all()),
            "rejection_label": (
                RejectionReason(complaint.rejection_reason).label
                if complaint.rejection_reason in RejectionReason.values
                else ""
            ),
            **extra,
        },
        status=status,
    )


@login_required
def my_complaint(request: HttpRequest, number: str) -> HttpResponse:
    """The consumer's own view of a complaint: private fields, the whole timeline, actions."""
    return _render_detail(request, _own_complaint(request, number))


ActionCall = Callable[..., Any]
ACTION_CALLS: dict[str, tuple[ActionCall, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "follow_up": (services.complaint_follow_up, lambda d: {"message": d["message"]}),
    "confirm": (
        services.complaint_confirm_completion,
        lambda d: {
            "attitude": d["attitude"],
            "speed": d["speed"],
            "satisfaction": d["satisfaction"],
            "comment": d["comment"],
        },
    ),
    "dispute": (services.complaint_dispute_completion, lambda d: {"message": d["message"]}),
    "reopen": (services.complaint_reopen, lambda d: {"message": d["message"]}),
    "resubmit": (
        services.complaint_resubmit,
        lambda d: {"title": d["title"], "details": d["details"]},
    ),
    "escalate": (services.complaint_escalate, lambda d: {"message": d["message"]}),
    "withdraw": (services.complaint_withdraw, lambda d: {"message": d["message"]}),
}
assert set(ACTION_CALLS) == set(ACTION_FORMS)
DONE_MESSAGES = {
    "follow_up": gettext_lazy("补充内容已提交，商家会收到通知。"),
    "confirm": gettext_lazy("感谢您的评价，投诉已完成。"),
    "dispute": gettext_lazy("已提交异议，投诉回到处理中。"),
    "reopen": gettext_lazy("投诉已重新打开，商家会收到通知。"),
    "resubmit": gettext_lazy("投诉已重新提交，等待平台审核。"),
    "escalate": gettext_lazy("已申请调解，调解组织会联系您。"),
    "withdraw": gettext_lazy("投诉已撤销。"),
}


@login_required
@require_http_methods(["GET", "POST"])
def complaint_action(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """POST one consumer action; errors return to the form with what was typed."""
    if action not in ACTION_CALLS:
        raise Http404
    user = _user(request)
    try:
        complaint, _private = complaint_get_for_user(user, number)
    except NotFound as exc:
        raise Http404 from exc
    own = complaint.consumer_id == user.pk
    back = safe_next(
        request,
        default=reverse("web:my_complaint", args=[complaint.public_number])
        if own
        else reverse("web:complaint_detail", args=[complaint.public_number]),
    )
    if request.method == "GET":
        return redirect(back)
    form = action_form(action, request.POST, complaint)
    if not form.is_valid():
        if own:
            return _render_detail(request, complaint, failed_action=action, failed_form=form)
        messages.error(request, _("您无权对该投诉执行此操作"))
        return redirect(back)
    if action == "withdraw" and request.POST.get("confirm") != "yes":
        return render(
            request,
            "web/consumer/withdraw_confirm.html",
            {"complaint": complaint, "form": form, "back": back},
        )
    call, arguments = ACTION_CALLS[action]
    try:
        call(complaint_id=complaint.pk, actor=user, **arguments(form.cleaned_data))
    except ValidationFailed as exc:
        if own:
            add_service_error(form, exc)
            return _render_detail(request, complaint, failed_action=action, failed_form=form)
        messages.error(request, exc.message)
        return redirect(back)
    except DomainError as exc:  # illegal now, not allowed for this user: nothing changed
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, DONE_MESSAGES[action])
    return redirect(back)


# --- notifications ------------------------------------------------------------------------


def _notification_link(user: User, complaint: Complaint | None) -> str:
    if complaint is None:
        return ""
    number = complaint.public_number
    if complaint.consumer_id == user.pk:
        return reverse("web:my_complaint", args=[number])
    if user.role == Role.MERCHANT:
        return reverse("web:merchant_complaint", args=[number])
    if user.role == Role.MODERATOR:
        return reverse("web:moderation_complaint", args=[number])
    return reverse("web:complaint_detail", args=[number])


@login_required
@require_http_methods(["GET", "POST"])
def notifications(request: HttpRequest) -> HttpResponse:
    """The in-site notifications, newest first; POST marks one (``id``) or all read."""
    user = _user(request)
    if request.method == "POST":
        raw = request.POST.get("id", "")
        try:
            notification_mark_read(user=user, notification_id=int(raw) if raw else None)
        except (NotFound, ValueError):
            messages.error(request, _("找不到该通知。"))
        else:
            if not raw:
                messages.success(request, _("已全部标为已读。"))
        page_no = request.POST.get("page", "")
        url = reverse("web:notifications") + (f"?page={page_no}" if page_no.isdigit() else "")
        return redirect(url)
    page = Paginator(notifications_for(user), 20).get_page(request.GET.get("page"))
    items = [(n, _notification_link(user, n.complaint)) for n in page.object_list]
    return render(
        request,
        "web/consumer/notifications.html",
        {"page": page, "items": items, "unread": notification_unread_count(user)},
    )
