"""Merchant onboarding pages: claim a company (/merchant/claim/) and the staff review of claims
(/moderation/claims/). The services in ``tousu.merchants.onboarding`` decide who may do what;
their ``NotFound`` / ``PermissionDenied`` become 404 / 403 pages through ``console_view``."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from tousu.accounts.models import Role
from tousu.common.errors import DomainError, NotFound
from tousu.companies.models import Company
from tousu.companies.selectors import company_search
from tousu.merchants import onboarding
from tousu.merchants.models import ClaimState

from .merchant import ConsoleForm, _int_or_none, _service_error, _user, console_view


class ClaimForm(ConsoleForm):
    uscc = forms.CharField(
        label=gettext_lazy("统一社会信用代码"),
        max_length=40,
        help_text=gettext_lazy("营业执照上的18位代码"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    contact_name = forms.CharField(label=gettext_lazy("联系人姓名"), max_length=40)
    contact_title = forms.CharField(label=gettext_lazy("职务"), max_length=40, required=False)
    note = forms.CharField(
        label=gettext_lazy("补充说明（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    licence = forms.FileField(
        label=gettext_lazy("营业执照"),
        help_text=gettext_lazy("JPEG、PNG、WebP 图片或 PDF，最大 10 MB；只有平台工作人员可以查看"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp,.pdf"}),
    )


@console_view
@require_http_methods(["GET", "POST"])
def claim(request: HttpRequest) -> HttpResponse:
    """Search a company, file a claim with the business licence, see one's claims."""
    user = _user(request)
    company_id = _int_or_none(request.POST.get("company") or request.GET.get("company"))
    company = Company.objects.filter(pk=company_id).first() if company_id else None
    if company_id and company is None:
        raise NotFound(_("找不到该企业"))
    query = request.GET.get("q", "").strip()
    results = company_search(query, limit=20) if query and company is None else []
    form = ClaimForm()
    status = 200
    if request.method == "POST":
        form = ClaimForm(request.POST, request.FILES)
        if company is None:
            form.add_error(None, _("请先选择要认领的企业"))
        elif form.is_valid():
            data = form.cleaned_data
            try:
                prepared = onboarding.prepare_licence_upload(data["licence"])
                onboarding.claim_submit(
                    claimant=user,
                    company_id=company.pk,
                    uscc=data["uscc"],
                    contact_name=data["contact_name"],
                    contact_title=data["contact_title"],
                    note=data["note"],
                    licence=prepared,
                )
            except DomainError as exc:
                _service_error(form, exc)
            else:
                messages.success(request, _("认证申请已提交，平台审核后会通知您"))
                return redirect("web:merchant_claim")
        status = 422
    return render(
        request,
        "web/merchant/claim.html",
        {
            "company": company,
            "query": query,
            "results": results,
            "form": form,
            "claims": list(onboarding.claims_of_user(user)),
            "is_consumer": user.role == Role.CONSUMER,
            "eligible": user.role in (Role.CONSUMER, Role.MERCHANT),
            "unverified": not (user.phone_verified_at or user.email_verified_at),
        },
        status=status,
    )


@never_cache
@login_required
def claim_licence(request: HttpRequest, pk: int) -> FileResponse:
    """The licence file, to its claimant and to staff (404 for anyone else)."""
    try:
        found = onboarding.claim_licence_for(_user(request), pk)
        handle = found.licence.open("rb")
    except (NotFound, FileNotFoundError) as exc:
        raise Http404(_("找不到该文件")) from exc
    response = FileResponse(handle, content_type=found.licence_content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="licence-{found.pk}.{found.licence_ext}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- staff -----------------------------------------------------------------------------------

STATE_TABS = [
    (ClaimState.PENDING, gettext_lazy("待审核")),
    (ClaimState.APPROVED, gettext_lazy("已通过")),
    (ClaimState.REJECTED, gettext_lazy("未通过")),
    (ClaimState.REVOKED, gettext_lazy("已撤销认证")),
]


@console_view
def claim_queue(request: HttpRequest) -> HttpResponse:
    state = request.GET.get("state") or ClaimState.PENDING
    if state not in ClaimState.values:
        state = ClaimState.PENDING
    claims = onboarding.claim_queue(_user(request), state=state)  # 403 for non-staff
    page = Paginator(claims, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/moderation/claims.html",
        {"page_obj": page, "state": state, "tabs": STATE_TABS},
    )


class DecisionForm(ConsoleForm):
    message = forms.CharField(
        label=gettext_lazy("说明"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@console_view
@require_http_methods(["GET", "POST"])
def claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    found = onboarding.claim_for_staff(user, pk)  # 403 for non-staff, 404 if missing
    error = ""
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        text = request.POST.get("message", "")
        try:
            if op == "approve":
                onboarding.claim_approve(actor=user, claim_id=found.pk, message=text)
                messages.success(request, _("已通过认证，申请人已成为企业管理员"))
            elif op == "reject":
                onboarding.claim_reject(actor=user, claim_id=found.pk, message=text)
                messages.success(request, _("已驳回申请，申请人会收到通知"))
            elif op == "revoke":
                onboarding.company_verification_revoke(
                    actor=user, company_id=found.company_id, reason=text
                )
                messages.success(request, _("已撤销该企业的认证"))
            else:
                raise NotFound(_("未知操作"))
        except NotFound:
            raise
        except DomainError as exc:
            error, status = exc.message, exc.status_code
        else:
            return redirect("web:moderation_claim", pk=found.pk)
        found = onboarding.claim_for_staff(user, pk)
    context: dict[str, Any] = {
        "claim": found,
        "company": found.company,
        "uscc_matches": found.company.uscc in (None, "", found.uscc),
        "other_claims": list(
            found.company.claims.exclude(pk=found.pk).select_related("claimant")[:10]
        ),
        "is_image": found.licence_content_type.startswith("image/"),
        "error": error,
        "form": DecisionForm(),
    }
    return render(request, "web/moderation/claim.html", context, status=status)
