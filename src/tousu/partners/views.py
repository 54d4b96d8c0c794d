"""Staff page: partner keys, their usage today / 7 / 30 days, making and revoking keys."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from tousu.common.errors import DomainError
from tousu.web.views.merchant import ConsoleForm, _user, console_view

from .models import Scope
from .selectors import partner_key_get, partner_usage_overview
from .services import partner_key_create, partner_key_revoke

SESSION_NEW_KEY = "new_partner_key"  # where the secret waits for the next page


class KeyForm(ConsoleForm):
    name = forms.CharField(label=gettext_lazy("密钥名称"), max_length=80)
    organisation = forms.CharField(label=gettext_lazy("机构"), max_length=120)
    contact_email = forms.EmailField(label=gettext_lazy("联系邮箱"))
    scopes = forms.MultipleChoiceField(
        label=gettext_lazy("权限范围"),
        choices=Scope.choices,
        initial=[Scope.READ],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("请至少选择一项权限")},
    )
    per_minute = forms.IntegerField(
        label=gettext_lazy("每分钟请求上限"), min_value=1, max_value=100_000, initial=300
    )
    daily_quota = forms.IntegerField(
        label=gettext_lazy("每日请求配额"), min_value=1, max_value=100_000_000, initial=100_000
    )


@console_view
@require_http_methods(["GET", "POST"])
def keys(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    overview = partner_usage_overview(user)  # 403 for everyone but staff
    form = KeyForm()
    # shown once, on the page after the redirect; a reload neither shows it again nor
    # re-submits the form (which made a second live key)
    new_secret = "" if request.method == "POST" else request.session.pop(SESSION_NEW_KEY, "")
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "revoke":
            try:
                key = partner_key_get(user, int(request.POST.get("key_id") or 0))
                partner_key_revoke(key_id=key.pk)
            except (DomainError, ValueError):
                messages.error(request, _("找不到该密钥或已撤销"))
            else:
                messages.success(request, _("密钥已撤销，立即失效。"))
            return redirect("partners:keys")
        form = KeyForm(request.POST)
        if form.is_valid():
            try:
                _key, raw = partner_key_create(created_by=user, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                request.session[SESSION_NEW_KEY] = raw
                return redirect("partners:keys")
    return render(
        request,
        "partners/keys.html",
        {"overview": overview, "form": form, "new_secret": new_secret},
        status=400 if request.method == "POST" and form.errors else 200,
    )
