"""Merchant console, developer pages: company API keys (/merchant/api-keys/) and webhooks
(/merchant/webhooks/…): endpoints, their delivery log with every attempt, replay, test events.

Only a company's owners (管理员) see and manage them: the services in ``tousu.merchants``
check it (403 for anyone else). A new key's secret is shown once, on the page that created it.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tousu.accounts.models import Role, User
from tousu.common.errors import DomainError, NotFound, PermissionDenied
from tousu.companies import services as companies
from tousu.companies.models import CompanyMembership, MemberRole
from tousu.merchants import api_keys, webhooks
from tousu.merchants.models import ApiScope, WebhookEventType

from .merchant import ConsoleForm, _int_or_none, _service_error, _user, console_view


def _owned_memberships(user: User) -> list[CompanyMembership]:
    if user.role != Role.MERCHANT:
        raise PermissionDenied(_("只有企业管理员可以使用此页面"))
    owned = [m for m in companies.merchant_memberships(user) if m.role == MemberRole.OWNER]
    if not owned:
        raise PermissionDenied(_("只有企业管理员可以使用此页面"))
    return owned


def _chosen_company(request: HttpRequest, owned: list[CompanyMembership]) -> int:
    company_id = _int_or_none(request.POST.get("company") or request.GET.get("company"))
    return company_id if company_id is not None else owned[0].company_id


# --- API keys ------------------------------------------------------------------------------


class KeyForm(ConsoleForm):
    name = forms.CharField(label=gettext_lazy("密钥名称"), max_length=60)
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("权限"),
        choices=ApiScope.choices,
        initial=[ApiScope.READ],
        widget=forms.CheckboxSelectMultiple,
    )


@console_view
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    owned = _owned_memberships(user)
    company_id = _chosen_company(request, owned)
    form = KeyForm()
    new_raw = ""
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op == "revoke":
            api_keys.api_key_revoke(actor=user, key_id=_int_or_none(request.POST.get("key")) or 0)
            messages.success(request, _("密钥已撤销，使用它的请求会立即失败"))
            return redirect(f"{reverse('web:merchant_keys')}?company={company_id}")
        form = KeyForm(request.POST)
        if form.is_valid():
            try:
                _key, new_raw = api_keys.api_key_create(
                    actor=user,
                    company_id=company_id,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                _service_error(form, exc)
                status = exc.status_code
            else:
                form = KeyForm()
        else:
            status = 422
    return render(
        request,
        "web/merchant/api_keys.html",
        {
            "keys": list(api_keys.api_keys_of_company(user, company_id)),  # 403 if not owner
            "company_id": company_id,
            "owned": owned,
            "form": form,
            "new_raw": new_raw,  # shown once, never stored
        },
        status=status,
    )


# --- webhooks ------------------------------------------------------------------------------


class EndpointForm(ConsoleForm):
    url = forms.CharField(
        label=gettext_lazy("接收地址"),
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://", "spellcheck": "false"}),
    )
    description = forms.CharField(label=gettext_lazy("备注"), max_length=100, required=False)
    event_types = forms.MultipleChoiceField(
        label=gettext_lazy("事件"),
        choices=WebhookEventType.choices,
        widget=forms.CheckboxSelectMultiple,
    )


@console_view
@require_http_methods(["GET", "POST"])
def webhook_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    owned = _owned_memberships(user)
    company_id = _chosen_company(request, owned)
    form = EndpointForm(initial={"event_types": WebhookEventType.values})
    status = 200
    if request.method == "POST":
        form = EndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint = webhooks.webhook_endpoint_create(
                    actor=user,
                    company_id=company_id,
                    url=form.cleaned_data["url"],
                    event_types=form.cleaned_data["event_types"],
                    description=form.cleaned_data["description"],
                )
            except (NotFound, PermissionDenied):
                raise
            except DomainError as exc:
                _service_error(form, exc)
                status = exc.status_code
            else:
                messages.success(request, _("Webhook 已添加。请用签名密钥校验每个请求。"))
                return redirect("web:merchant_webhook", pk=endpoint.pk)
        else:
            status = 422
    return render(
        request,
        "web/merchant/webhooks.html",
        {
            "endpoints": list(webhooks.webhook_endpoints_of_company(user, company_id)),
            "company_id": company_id,
            "owned": owned,
            "form": form,
        },
        status=status,
    )


@console_view
@require_http_methods(["GET", "POST"])
def webhook_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    endpoint = webhooks.webhook_endpoint_for_owner(user, pk)  # 403 / 404
    form = EndpointForm(
        initial={
            "url": endpoint.url,
            "description": endpoint.description,
            "event_types": endpoint.event_types,
        }
    )
    status = 200
    if request.method == "POST":
        op = request.POST.get("op", "")
        here = reverse("web:merchant_webhook", kwargs={"pk": endpoint.pk})
        try:
            if op == "update":
                form = EndpointForm(request.POST)
                if form.is_valid():
                    webhooks.webhook_endpoint_update(
                        actor=user,
                        endpoint_id=endpoint.pk,
                        url=form.cleaned_data["url"],
                        event_types=form.cleaned_data["event_types"],
                        description=form.cleaned_data["description"],
                    )
                    messages.success(request, _("设置已保存"))
                    return redirect(here)
                status = 422
            elif op in ("enable", "disable"):
                webhooks.webhook_endpoint_set_active(
                    actor=user, endpoint_id=endpoint.pk, active=op == "enable"
                )
                messages.success(request, _("已启用") if op == "enable" else _("已停用"))
                return redirect(here)
            elif op == "rotate":
                webhooks.webhook_endpoint_rotate_secret(actor=user, endpoint_id=endpoint.pk)
                messages.success(request, _("已生成新的签名密钥，请更新您的接收程序"))
                return redirect(here)
            elif op == "test":
                webhooks.webhook_send_test(actor=user, endpoint_id=endpoint.pk)
                messages.success(request, _("测试事件已排队发送，稍后刷新查看结果"))
                return redirect(here)
            elif op == "delete":
                company_id = endpoint.company_id
                webhooks.webhook_endpoint_delete(actor=user, endpoint_id=endpoint.pk)
                messages.success(request, _("Webhook 已删除"))
                return redirect(f"{reverse('web:merchant_webhooks')}?company={company_id}")
            else:
                messages.error(request, _("未知操作"))
                status = 400
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            if op == "update":
                _service_error(form, exc)
            else:
                messages.error(request, exc.message)
            status = exc.status_code
        endpoint.refresh_from_db()
    deliveries = webhooks.webhook_deliveries(user, endpoint.pk)
    page = Paginator(deliveries, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "web/merchant/webhook.html",
        {"endpoint": endpoint, "form": form, "page_obj": page},
        status=status,
    )


@console_view
@require_http_methods(["GET", "POST"])
def webhook_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    delivery = webhooks.webhook_delivery_for_owner(user, pk)  # 403 / 404
    if request.method == "POST":
        try:
            replay = webhooks.webhook_replay(actor=user, delivery_id=delivery.pk)
        except (NotFound, PermissionDenied):
            raise
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("web:merchant_webhook_delivery", pk=delivery.pk)
        messages.success(request, _("已重新发送（新的推送记录）"))
        return redirect("web:merchant_webhook_delivery", pk=replay.pk)
    context: dict[str, Any] = {
        "delivery": delivery,
        "endpoint": delivery.endpoint,
        "attempts": list(delivery.attempt_log.all()),
    }
    return render(request, "web/merchant/webhook_delivery.html", context)
