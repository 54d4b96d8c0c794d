"""Moderator console: the review queue (oldest first, with the review SLA), accept, reject with a
reason code, hide and unhide with a reason, correct the problem types, and a complaint's full
audit timeline (non-public events too, with the names of the staff who acted).

The selectors (``review_queue``, ``moderation_complaint``) refuse everyone but moderators and the
services re-check the actor and the state machine, exactly as for the staff API. Every action is
a plain POST form; ``web/moderation.js`` adds keyboard shortcuts (j/k, a, r, h) on top.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tousu.common.errors import DomainError
from tousu.complaints import services
from tousu.complaints.models import (
    Complaint,
    Demand,
    HideReason,
    ProblemType,
    RejectionReason,
    Visibility,
)
from tousu.complaints.selectors import (
    complaint_events_visible,
    moderation_complaint,
    review_queue,
    review_queue_neighbours,
)
from tousu.complaints.states import Status
from tousu.moderation import selectors as moderation_selectors
from tousu.moderation.models import ScreeningResult
from tousu.moderation.spam_rules import rule_label as spam_rule_label
from tousu.privacy import services as privacy_services
from tousu.privacy.selectors import message_redaction_rows, public_text, redaction_rows

from .merchant import ConsoleForm, _user, choice_labels, console_view, timeline_entries

PAGE_SIZE = 50
NUMBER_RE = re.compile(r"^[A-Za-z0-9]{4,12}$")


class RejectForm(ConsoleForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("驳回原因"),
        choices=[("", gettext_lazy("请选择原因")), *RejectionReason.choices],
        error_messages={"required": gettext_lazy("请选择驳回原因")},
        widget=forms.Select(attrs={"id": "reject-reason"}),
    )
    message = forms.CharField(
        label=gettext_lazy("给消费者的说明"),
        required=False,
        max_length=500,
        help_text=gettext_lazy("消费者会看到这段说明；不填写时显示驳回原因。"),
        widget=forms.Textarea(attrs={"id": "reject-message", "rows": 3}),
    )


class HideForm(ConsoleForm):
    reason = forms.ChoiceField(
        label=gettext_lazy("隐藏原因"),
        choices=[("", gettext_lazy("请选择原因")), *HideReason.choices],
        error_messages={"required": gettext_lazy("请选择隐藏原因")},
        widget=forms.Select(attrs={"id": "hide-reason"}),
    )
    message = forms.CharField(
        label=gettext_lazy("说明（选填）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "hide-message"}),
    )


class UnhideForm(ConsoleForm):
    message = forms.CharField(
        label=gettext_lazy("说明（选填）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "unhide-message"}),
    )


class ProblemTypesForm(ConsoleForm):
    problem_types = forms.MultipleChoiceField(
        label=gettext_lazy("投诉问题"),
        choices=ProblemType.choices,
        required=False,  # none at all is refused by the service, with its reason
        error_messages={
            "invalid_choice": gettext_lazy("投诉问题不在可选范围内：%(value)s"),
        },
        widget=forms.CheckboxSelectMultiple(attrs={"class": "choice-list"}),
    )
    note = forms.CharField(
        label=gettext_lazy("说明（选填，仅平台可见）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"id": "problem-types-note"}),
    )


class RedactForm(ConsoleForm):
    field = forms.ChoiceField(
        label=gettext_lazy("位置"),
        choices=[("details", gettext_lazy("详情")), ("title", gettext_lazy("标题"))],
        widget=forms.Select(attrs={"id": "redact-field"}),
    )
    text = forms.CharField(
        label=gettext_lazy("要在公开版本中隐藏的文字"),
        max_length=200,
        error_messages={"required": gettext_lazy("请填写要隐藏的文字")},
        help_text=gettext_lazy("原文中每一处相同的文字都会隐藏；消费者会收到通知。"),
        widget=forms.TextInput(attrs={"id": "redact-text"}),
    )


@console_view
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pending = review_queue(user)  # 403 for everyone but moderators
    number = (request.GET.get("number") or "").strip()
    if number:
        if NUMBER_RE.match(number):
            return redirect("web:moderation_complaint", number=number.upper())
        messages.error(request, _("投诉编号格式不正确"))
    page = Paginator(
        pending.select_related("screening", "screening__duplicate_of"), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    results = {c.pk: getattr(c, "screening", None) for c in rows}
    sizes = moderation_selectors.group_sizes(
        [r.group_root for r in results.values() if r is not None and r.group_root]
    )
    for c in rows:
        c.suggestion = _suggestion(results[c.pk], sizes)
    return render(
        request,
        "web/moderation/queue.html",
        {"page_obj": page, "rows": rows, "number": number},
    )


def _suggestion(result: ScreeningResult | None, sizes: dict[int, int]) -> dict[str, Any] | None:
    """What the queue and the review page show of a screening result."""
    if result is None:
        return None
    return {
        "accept": result.decision == "accept",
        "reason": moderation_selectors.reason_label(result.reason) if result.reason else "",
        "reason_code": result.reason,
        "percent": round(result.confidence * 100),
        "terms": result.top_terms,
        "rule": result.rule,
        "rule_label": spam_rule_label(result.rule),
        "group_root": result.group_root,
        "group_size": sizes.get(result.group_root or 0, 0),
        "mass_filing": result.mass_filing,
        "sector": moderation_selectors.sector_label(result.suggested_sector),
        "sector_percent": round(result.sector_confidence * 100),
        "problems": choice_labels(ProblemType, result.suggested_problem_types),
        "duplicate_of": result.duplicate_of,
        "auto_accepted": result.auto_accepted,
    }


@console_view
def groups(request: HttpRequest) -> HttpResponse:
    found = moderation_selectors.groups(_user(request))  # 403 for everyone but moderators
    return render(request, "web/moderation/groups.html", {"groups": found})


@console_view
def group(request: HttpRequest, root: int) -> HttpResponse:
    members = list(moderation_selectors.group_members(_user(request), root))
    return render(
        request,
        "web/moderation/group.html",
        {"members": members, "root": members[0], "companies": {m.company for m in members}},
    )


def _page(
    request: HttpRequest,
    complaint: Complaint,
    *,
    reject_form: RejectForm | None = None,
    hide_form: HideForm | None = None,
    unhide_form: UnhideForm | None = None,
    redact_form: RedactForm | None = None,
    problem_types_form: ProblemTypesForm | None = None,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    user = _user(request)
    pending = complaint.status == Status.PENDING_REVIEW
    previous, following = review_queue_neighbours(user, complaint) if pending else (None, None)
    events = complaint_events_visible(complaint, private=True)
    public = public_text(complaint)
    result = moderation_selectors.screening_for(user, complaint)
    sizes = moderation_selectors.group_sizes(
        [result.group_root] if result and result.group_root else []
    )
    suggestion = _suggestion(result, sizes)
    if reject_form is None and suggestion and not suggestion["accept"]:
        # the suggested reason is preselected; the moderator decides
        reject_form = RejectForm(initial={"reason": suggestion["reason_code"]})
    return render(
        request,
        "web/moderation/complaint.html",
        {
            "complaint": complaint,
            "entries": timeline_entries(complaint, events, staff_names=True),
            "evidence": list(complaint.evidence.all()),
            "problem_labels": choice_labels(ProblemType, complaint.problem_types),
            "demand_labels": choice_labels(Demand, complaint.demands),
            "pending": pending,
            "previous": previous,
            "following": following,
            "can_hide": complaint.visibility == Visibility.PUBLIC,
            "can_unhide": complaint.visibility == Visibility.HIDDEN,
            "reject_form": reject_form or RejectForm(),
            "hide_form": hide_form or HideForm(),
            "unhide_form": unhide_form or UnhideForm(),
            "redact_form": redact_form or RedactForm(),
            "problem_types_form": problem_types_form
            or ProblemTypesForm(initial={"problem_types": complaint.problem_types}),
            "redactions": redaction_rows(complaint),
            "message_redactions": message_redaction_rows(complaint),
            "public_title": public[0],
            "public_details": public[1],
            "error": error,
            "suggestion": suggestion,
        },
        status=status,
    )


def _after_review(request: HttpRequest, complaint: Complaint) -> HttpResponse:
    """Back to the queue, or on to the next complaint waiting for review."""
    if request.POST.get("return") != "queue":
        _, following = review_queue_neighbours(_user(request), complaint)
        if following is not None:
            return redirect("web:moderation_complaint", number=following.public_number)
    return redirect("web:moderation_queue")


@console_view
@require_http_methods(["GET", "POST"])
def complaint(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    found = moderation_complaint(user, number)  # 403 for everyone but moderators, 404 if unknown
    if request.method == "GET":
        return _page(request, found)
    op = request.POST.get("op", "")
    forms_: dict[str, Any] = {}
    try:
        if op == "accept":
            services.complaint_accept(
                complaint_id=found.pk, actor=user, message=request.POST.get("message", "")[:500]
            )
            messages.success(request, _("已通过：%(number)s") % {"number": found.public_number})
            return _after_review(request, found)
        if op == "reject":
            form = forms_["reject_form"] = RejectForm(request.POST)
            if form.is_valid():
                services.complaint_reject(
                    complaint_id=found.pk,
                    actor=user,
                    reason=form.cleaned_data["reason"],
                    message=form.cleaned_data["message"],
                )
                messages.success(request, _("已驳回：%(number)s") % {"number": found.public_number})
                return _after_review(request, found)
        elif op == "hide":
            hide = forms_["hide_form"] = HideForm(request.POST)
            if hide.is_valid():
                services.complaint_hide(
                    complaint_id=found.pk,
                    actor=user,
                    reason=hide.cleaned_data["reason"],
                    message=hide.cleaned_data["message"],
                )
                messages.success(request, _("已隐藏，公众不再能看到该投诉"))
                return redirect("web:moderation_complaint", number=found.public_number)
        elif op == "unhide":
            unhide = forms_["unhide_form"] = UnhideForm(request.POST)
            if unhide.is_valid():
                services.complaint_unhide(
                    complaint_id=found.pk, actor=user, message=unhide.cleaned_data["message"]
                )
                messages.success(request, _("已取消隐藏"))
                return redirect("web:moderation_complaint", number=found.public_number)
        elif op == "redact":
            redact = forms_["redact_form"] = RedactForm(request.POST)
            if redact.is_valid():
                privacy_services.redaction_add(
                    complaint_id=found.pk,
                    actor=user,
                    field=redact.cleaned_data["field"],
                    text=redact.cleaned_data["text"],
                )
                messages.success(request, _("已在公开版本中隐藏，并已通知消费者"))
                return redirect("web:moderation_complaint", number=found.public_number)
        elif op == "problem_types":
            types = forms_["problem_types_form"] = ProblemTypesForm(request.POST)
            if types.is_valid():
                services.complaint_set_problem_types(
                    complaint_id=found.pk,
                    actor=user,
                    problem_types=types.cleaned_data["problem_types"],
                    note=types.cleaned_data["note"],
                )
                messages.success(request, _("已更新投诉问题"))
                return redirect("web:moderation_complaint", number=found.public_number)
        elif op == "redact_message":
            raw = request.POST.get("event", "")
            if not raw.isdigit():
                return _page(request, found, error=_("请选择要处理的留言"), status=422)
            privacy_services.message_redaction_add(
                complaint_id=found.pk,
                event_id=int(raw),
                actor=user,
                text=request.POST.get("text", "")[:200],
            )
            messages.success(request, _("已在公开版本中隐藏，并已通知留言作者"))
            return redirect("web:moderation_complaint", number=found.public_number)
        elif op == "unredact":
            raw = request.POST.get("redaction", "")
            if not raw.isdigit():
                return _page(request, found, error=_("请选择要撤销的隐藏"), status=422)
            reverted = privacy_services.redaction_revert(
                complaint_id=found.pk, redaction_id=int(raw), actor=user
            )
            if reverted.event_id is not None:
                messages.success(request, _("已撤销隐藏，并已通知留言作者"))
            else:
                messages.success(request, _("已撤销隐藏，并已通知消费者"))
            return redirect("web:moderation_complaint", number=found.public_number)
        else:
            return _page(request, found, error=_("未知操作"), status=400)
    except DomainError as exc:
        found.refresh_from_db()
        return _page(request, found, error=exc.message, status=exc.status_code, **forms_)
    return _page(request, found, status=422, **forms_)
