"""Sign-up, log-in (password or one-time code), profile with API tokens, log-out.

Each view parses a form and calls the account services the API calls
(``tousu.accounts.services``), with the same rate limits and the same cache keys as the API, so
the web and the API share one budget per address and per account.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tousu.accounts import services
from tousu.accounts.models import ApiToken, User
from tousu.common.errors import DomainError, RateLimited
from tousu.common.ratelimit import client_ip, hit
from tousu.companies.services import company_invitations_pending

from ..forms import (
    CodeLoginForm,
    CodeRequestForm,
    NicknameForm,
    PasswordLoginForm,
    SignupForm,
    TokenForm,
    VerifyCodeForm,
    add_service_error,
)

BACKEND = "tousu.accounts.backends.PhoneOrEmailBackend"
# the services name the field ``phone``/``email``; the forms have one ``login`` field
LOGIN_ALIASES = {"phone": "login", "email": "login"}


def checked_next(request: HttpRequest) -> str:
    """``next`` from the form or the query string when it stays on this site, else ""."""
    candidate = str(request.POST.get("next") or request.GET.get("next") or "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def safe_next(request: HttpRequest, default: str = "") -> str:
    return checked_next(request) or default or reverse("web:home")


def after_login(request: HttpRequest, user: User) -> str:
    """Where a freshly logged-in user goes: ``next`` when given; else the invitations page
    when a company has invited their verified phone or e-mail (they must accept it there,
    it is never automatic); else the home page."""
    candidate = checked_next(request)
    if candidate:
        return candidate
    if company_invitations_pending(user).exists():
        return reverse("web:merchant_invitations")
    return reverse("web:home")


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    """``next_param``: the checked ``next`` that the forms and links carry along, or ""."""
    return {"next_param": checked_next(request), **extra}


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(safe_next(request))
    if (request.POST.get("via") or request.GET.get("via")) == "code":
        return _code_flow(request, signup=False)
    form = PasswordLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_name = form.cleaned_data["login"]
        try:
            hit(f"login:{client_ip(request)}", limit=30, window=300)
            # per account too, so guessing one account's password from many addresses is slow
            account = services.find_login_key(login_name)
            if account:
                hit(f"login-account:{account}", limit=10, window=900)
        except RateLimited as exc:
            form.add_error(None, exc.message)
        else:
            user = authenticate(
                request, username=login_name, password=form.cleaned_data["password"]
            )
            if isinstance(user, User):
                login(request, user)
                return redirect(after_login(request, user))
            form.add_error(None, _("账号或密码错误"))
    return render(
        request,
        "web/accounts/login.html",
        _context(request, form=form, via="password"),
    )


@require_http_methods(["GET", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(safe_next(request))
    if (request.POST.get("via") or request.GET.get("via")) == "code":
        return _code_flow(request, signup=True)
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            hit(f"register:{client_ip(request)}", limit=20, window=3600)
            user = services.user_register(
                login=form.cleaned_data["login"],
                password=form.cleaned_data["password"],
                nickname=form.cleaned_data["nickname"],
            )
        except DomainError as exc:
            add_service_error(form, exc, LOGIN_ALIASES)
        else:
            login(request, user, backend=BACKEND)
            messages.success(request, _("注册成功，欢迎使用投诉平台。"))
            return redirect(safe_next(request))
    return render(
        request,
        "web/accounts/signup.html",
        _context(request, form=form, via="password"),
    )


def _code_flow(request: HttpRequest, *, signup: bool) -> HttpResponse:
    """Log in (or sign up) with a one-time code: ask for the code, then type it.

    A first login with a code creates the consumer account (``login_with_code``).
    """
    template = "web/accounts/signup.html" if signup else "web/accounts/login.html"
    stage = "request"
    sent_to = ""
    flow_error = ""
    form: CodeRequestForm
    op = request.POST.get("op", "") if request.method == "POST" else ""
    if op == "send":
        form = CodeRequestForm(request.POST)
        if form.is_valid():
            values = {k: form.cleaned_data[k] for k in ("login", "nickname")}
            try:
                hit(f"otp-ip:{client_ip(request)}", limit=30, window=3600)
                otp = services.otp_send(login=values["login"])
            except RateLimited as exc:
                if exc.code == "otp_too_soon":  # a code is on its way: let them type it
                    stage, flow_error = "verify", exc.message
                    form = CodeLoginForm(initial=values)
                else:
                    form.add_error(None, exc.message)
            except DomainError as exc:
                add_service_error(form, exc, LOGIN_ALIASES)
            else:
                stage, sent_to = "verify", services.mask_target(otp.target)
                form = CodeLoginForm(initial=values)
    elif op == "login":
        stage = "verify"
        form = CodeLoginForm(request.POST)
        if form.is_valid():
            try:
                hit(f"otp-login-ip:{client_ip(request)}", limit=60, window=3600)
                user = services.login_with_code(
                    login=form.cleaned_data["login"], code=form.cleaned_data["code"]
                )
            except DomainError as exc:
                add_service_error(form, exc, LOGIN_ALIASES)
            else:
                nickname = form.cleaned_data.get("nickname", "").strip()
                if signup and nickname and not user.nickname:
                    services.user_update_profile(user=user, nickname=nickname)
                login(request, user, backend=BACKEND)
                return redirect(after_login(request, user))
    else:
        form = CodeRequestForm(initial={"login": request.GET.get("login", "")})
    return render(
        request,
        template,
        _context(
            request,
            form=form,
            via="code",
            stage=stage,
            sent_to=sent_to,
            flow_error=flow_error,
            signup=signup,
            otp_minutes=int(settings.TOUSU["OTP_TTL_SECONDS"]) // 60,
            resend_seconds=int(settings.TOUSU.get("OTP_RESEND_SECONDS", 60)),
        ),
    )


@require_http_methods(["GET", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    """Log out by POST (a link cannot log anybody out); GET asks to confirm."""
    if request.method == "POST":
        logout(request)
        messages.success(request, _("您已退出登录。"))
        return redirect("web:home")
    return render(request, "web/accounts/logout.html")


def _contacts(user: User) -> list[dict[str, Any]]:
    rows = []
    for channel, label, value, verified_at in (
        ("phone", _("手机号"), user.phone, user.phone_verified_at),
        ("email", _("邮箱"), user.email, user.email_verified_at),
    ):
        if value:
            rows.append(
                {
                    "channel": channel,
                    "label": label,
                    "masked": services.mask_target(value),
                    "verified": verified_at is not None,
                }
            )
    return rows


@login_required
@require_http_methods(["GET", "POST"])
def profile_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    nickname_form = NicknameForm(initial={"nickname": user.nickname})
    token_form = TokenForm()
    verify_form = VerifyCodeForm()
    verifying = ""  # the channel whose code was just sent
    if request.method == "POST":
        op = request.POST.get("op", "")
        if op == "nickname":
            nickname_form = NicknameForm(request.POST)
            if nickname_form.is_valid():
                try:
                    services.user_update_profile(
                        user=user, nickname=nickname_form.cleaned_data["nickname"]
                    )
                except DomainError as exc:
                    add_service_error(nickname_form, exc)
                else:
                    messages.success(request, _("昵称已保存。"))
                    return redirect("web:profile")
        elif op == "token_create":
            token_form = TokenForm(request.POST)
            if token_form.is_valid():
                try:
                    _token, raw = services.token_create(
                        user=user, name=token_form.cleaned_data["name"]
                    )
                except DomainError as exc:
                    add_service_error(token_form, exc)
                else:
                    # shown once, on the next page only; never stored in clear
                    request.session["new_api_token"] = raw
                    return redirect(reverse("web:profile") + "#tokens")
        elif op == "token_revoke":
            try:
                services.token_revoke(user=user, token_id=int(request.POST.get("token_id", "0")))
            except (DomainError, ValueError):
                messages.error(request, _("找不到该令牌，可能已经撤销。"))
            else:
                messages.success(request, _("令牌已撤销，使用它的程序将无法再访问。"))
            return redirect(reverse("web:profile") + "#tokens")
        elif op in ("verify_send", "verify"):
            channel = request.POST.get("channel", "")
            target = getattr(user, channel, None) if channel in ("phone", "email") else None
            if not target:
                return HttpResponseBadRequest()
            verifying = channel
            if op == "verify_send":
                try:
                    hit(f"otp-ip:{client_ip(request)}", limit=30, window=3600)
                    otp = services.otp_send(login=target, purpose="verify")
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.info(
                        request,
                        _("验证码已发送至 %(target)s。")
                        % {"target": services.mask_target(otp.target)},
                    )
            else:
                verify_form = VerifyCodeForm(request.POST)
                if verify_form.is_valid():
                    try:
                        services.user_contact_verify(
                            user=user, channel=channel, code=verify_form.cleaned_data["code"]
                        )
                    except DomainError as exc:
                        add_service_error(verify_form, exc)
                    else:
                        messages.success(request, _("验证成功。"))
                        return redirect("web:profile")
        else:
            return HttpResponseBadRequest()
    tokens = ApiToken.objects.filter(user=user).order_by("-id")
    return render(
        request,
        "web/accounts/profile.html",
        {
            "nickname_form": nickname_form,
            "token_form": token_form,
            "verify_form": verify_form,
            "verifying": verifying,
            "contacts": _contacts(user),
            "tokens": tokens,
            "new_token": request.session.pop("new_api_token", None),
        },
    )
