"""Pages: the fraud-tip form (signed in), the public "has this been reported" lookup, and the
lead console for authorised regulators and platform staff (list, detail, lifecycle, export)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from tousu.common.errors import DomainError, RateLimited
from tousu.common.ratelimit import client_ip
from tousu.web.views.merchant import ConsoleForm, _user, console_view

from .export import leads_export
from .models import IndicatorKind, LeadKind, LeadStatus, ScamType
from .selectors import (
    fraud_lookup,
    fraud_lookup_throttle,
    lead_detail,
    lead_kinds_for,
    leads_list,
    leads_list_audit,
)
from .services import LIFECYCLE, TipInput, fraud_tip_submit, lead_transition


class TipForm(ConsoleForm):
    scam_type = forms.ChoiceField(
        label=gettext_lazy("诈骗类型"), choices=[("", gettext_lazy("请选择")), *ScamType.choices]
    )
    phone = forms.CharField(label=gettext_lazy("对方电话"), required=False, max_length=30)
    account = forms.CharField(label=gettext_lazy("对方收款账号"), required=False, max_length=60)
    url = forms.CharField(label=gettext_lazy("网址"), required=False, max_length=300)
    app_name = forms.CharField(label=gettext_lazy("App 名称"), required=False, max_length=60)
    amount_lost = forms.DecimalField(
        label=gettext_lazy("损失金额（元）"),
        required=False,
        min_value=0,
        max_digits=14,
        decimal_places=2,
    )
    story = forms.CharField(
        label=gettext_lazy("经过"),
        min_length=10,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "写清楚对方如何联系您、让您做了什么、损失了什么。不要填写您自己的身份证号、银行卡号或密码。"
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def tip_new(request: HttpRequest) -> HttpResponse:
    form = TipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            fraud_tip_submit(
                reporter=_user(request),
                data=TipInput(
                    scam_type=data["scam_type"],
                    story=data["story"],
                    phone=data["phone"],
                    account=data["account"],
                    url=data["url"],
                    app_name=data["app_name"],
                    amount_lost=str(data["amount_lost"])
                    if data["amount_lost"] is not None
                    else None,
                ),
            )
        except DomainError as exc:
            field = (exc.details or {}).get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _(
                    "举报已收到，谢谢您。线索会汇总后移交公安机关；"
                    "如已被骗，请立即拨打 110 或 96110 报警。"
                ),
            )
            return redirect("leads:lookup")
    return render(
        request,
        "leads/tip_new.html",
        {"form": form},
        status=400 if request.method == "POST" else 200,
    )


@require_safe
def lookup(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind") or IndicatorKind.PHONE
    value = (request.GET.get("value") or "").strip()
    result, error, status = None, "", 200
    if value:
        try:
            fraud_lookup_throttle(client_ip(request))
            result = fraud_lookup(kind, value)
        except RateLimited:
            error, status = _("查询过于频繁，请一分钟后再试"), 429
        except DomainError as exc:
            error, status = exc.message, 400
    return render(
        request,
        "leads/lookup.html",
        {
            "kinds": IndicatorKind.choices,
            "kind": kind,
            "value": value,
            "result": result,
            "error": error,
            "scam_labels": dict(ScamType.choices),
        },
        status=status,
    )


@console_view
@require_safe
def console(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    kinds = lead_kinds_for(user)
    kind = request.GET.get("kind") or (kinds[0] if kinds else LeadKind.DEFECT)
    status = request.GET.get("status") or ""
    if status not in LeadStatus.values:
        status = ""
    leads = leads_list(user, kind, status)  # 403 without a grant for this kind
    page = Paginator(leads, 50).get_page(request.GET.get("page"))
    leads_list_audit(user, kind, status, page.object_list, via="page", page=page.number)
    return render(
        request,
        "leads/console.html",
        {
            "kinds": [(k, LeadKind(k).label) for k in kinds],
            "kind": kind,
            "status": status,
            "statuses": LeadStatus.choices,
            "page_obj": page,
        },
    )


class TransitionForm(ConsoleForm):
    note = forms.CharField(label=gettext_lazy("备注（选填）"), required=False, max_length=500)


@console_view
@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, lead_id: int) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        action = request.POST.get("action", "")
        form = TransitionForm(request.POST)
        if form.is_valid():
            try:
                lead_transition(
                    lead_id=lead_id, actor=user, action=action, note=form.cleaned_data["note"]
                )
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("线索状态已更新。"))
        return redirect("leads:detail", lead_id=lead_id)
    found = lead_detail(user, lead_id)  # audited
    actions = [
        (name, label)
        for name, label in (
            ("send", _("移送")),
            ("acknowledge", _("确认接收")),
            ("close", _("办结")),
        )
        if found.lead.status in LIFECYCLE[name][0] and user.role in LIFECYCLE[name][2]
    ]
    return render(
        request,
        "leads/detail.html",
        {"found": found, "lead": found.lead, "actions": actions, "form": TransitionForm()},
    )


@console_view
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    try:
        body, content_type, name = leads_export(
            user=user,
            kind=request.GET.get("kind", ""),
            fmt=request.GET.get("format", "csv"),
            status=request.GET.get("status", "")
            if request.GET.get("status") in LeadStatus.values
            else "",
        )
    except DomainError as exc:
        if exc.status_code == 403:
            raise
        messages.error(request, exc.message)
        return redirect("leads:console")
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
