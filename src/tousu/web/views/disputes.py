"""Flags, contests and appeals on the site (docs/adr/0017-flags-contests-appeals.md).

The 举报 form sits on the public complaint page (signed-in visitors), the 异议 form on the
merchant's complaint page, the moderators' queue at /moderation/disputes/ and the appeal form at
/disputes/decisions/<id>/appeal/ (linked from the decision's notification). Every write goes
through ``tousu.disputes.services``, which checks the actor and the state."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from tousu.common.errors import DomainError
from tousu.complaints.evidence import prepare_uploads
from tousu.disputes import services
from tousu.disputes.models import ContestReason, FlagReason, Outcome

from .merchant import _user, console_view


@console_view
@require_POST
def flag(request: HttpRequest, number: str) -> HttpResponse:
    try:
        services.flag_create(
            user=_user(request),
            public_number=number,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("举报已提交，平台审核员会尽快处理，处理结果会通知您。"))
    return redirect("web:complaint_detail", number)


@console_view
@require_POST
def contest(request: HttpRequest, number: str) -> HttpResponse:
    try:
        files = prepare_uploads(request.FILES.getlist("evidence"))
        services.contest_create(
            user=_user(request),
            public_number=number,
            reason=request.POST.get("reason", ""),
            text=request.POST.get("text", ""),
            files=files,
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("异议已提交，平台审核员处理后会通知您。"))
    return redirect("web:merchant_complaint", number)


@console_view
@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    found = services.open_queue(user)  # moderators only (403 otherwise)
    return render(
        request,
        "web/moderation/disputes.html",
        {
            **found,
            "outcomes": Outcome.choices,
            "flag_reasons": dict(FlagReason.choices),
            "contest_reasons": dict(ContestReason.choices),
        },
    )


@console_view
@require_POST
def decide(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    try:
        services.decide(
            moderator=_user(request),
            kind=kind,
            target_id=pk,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已处理，相关当事人会收到通知。"))
    return redirect("web:moderation_disputes")


@console_view
@require_POST
def appeal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.appeal_decide(
            moderator=_user(request),
            appeal_id=pk,
            outcome=request.POST.get("outcome", ""),
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status_code == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("复核已处理，相关当事人会收到通知。"))
    return redirect("web:moderation_disputes")


@console_view
@require_http_methods(["GET", "POST"])
def appeal(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    decision = services.decision_get(user, pk)  # 404 / 403 for anyone but the parties
    error, text = "", ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            services.appeal_create(user=user, decision_id=pk, text=text)
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            error = exc.message
        else:
            messages.success(request, _("复核申请已提交，将由另一位审核员处理。"))
            return redirect("web:dispute_appeal", pk)
    target = decision.flag or decision.contest
    assert target is not None
    existing = getattr(decision, "appeal", None)
    return render(
        request,
        "web/disputes/appeal.html",
        {
            "decision": decision,
            "complaint": target.complaint,
            "kind_label": _("举报") if decision.flag_id else _("异议"),
            "target_reason": target.get_reason_display(),
            "appeal": existing,
            "can_appeal": existing is None and services.may_appeal(user, decision),
            "error": error,
            "text": text,
        },
        status=422 if error else 200,
    )
