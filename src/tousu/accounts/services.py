"""Account services: registration, login lookup, one-time codes, API tokens."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tousu.common.errors import NotAuthenticated, NotFound, RateLimited, ValidationFailed

from .models import ApiToken, OneTimeCode, Role, User, hash_token

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalize_phone(raw: str) -> str:
    """``+86 138-0013-8000`` and full-width digits → ``13800138000``; raises if not a mobile."""
    text = unicodedata.normalize("NFKC", raw or "")
    digits = re.sub(r"[\s\-()]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not MOBILE_RE.match(digits):
        raise ValidationFailed(
            "手机号格式不正确，请输入11位中国大陆手机号",
            code="invalid_phone",
            details={"field": "phone"},
        )
    return digits


def normalize_email(raw: str) -> str:
    email = unicodedata.normalize("NFKC", raw or "").strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed("邮箱格式不正确", code="invalid_email", details={"field": "email"})
    return email


def parse_login(login: str) -> tuple[str, str]:
    """Return ``("phone", normalized)`` or ``("email", normalized)``."""
    if "@" in (login or ""):
        return "email", normalize_email(login)
    return "phone", normalize_phone(login)


def find_user_by_login(login: str) -> User | None:
    try:
        kind, value = parse_login(login)
    except ValidationFailed:
        return None
    return User.objects.filter(**{kind: value}).first()


def user_register(
    *, login: str, password: str | None = None, nickname: str = "", role: str = Role.CONSUMER
) -> User:
    kind, value = parse_login(login)
    if password is not None:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            validate_password(password)
        except ValidationError as exc:
            raise ValidationFailed(
                "密码不符合要求：" + "；".join(exc.messages),
                code="weak_password",
                details={"field": "password"},
            ) from exc
    if User.objects.filter(**{kind: value}).exists():
        raise ValidationFailed(
            "该账号已注册，请直接登录", code="already_registered", details={"field": "login"}
        )
    return User.objects.create_user(
        **{kind: value}, password=password, nickname=nickname[:40], role=role
    )


# --- one-time codes --------------------------------------------------------


def _code_digest(target: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{target}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def otp_send(*, login: str, purpose: str = "login") -> OneTimeCode:
    """Create a 6-digit code for a phone or e-mail and send it through the configured sender."""
    from tousu.engagement.senders import get_sender

    kind, target = parse_login(login)
    conf: dict[str, Any] = settings.TOUSU
    now = timezone.now()
    recent = OneTimeCode.objects.filter(target=target, created_at__gte=now - timedelta(hours=1))
    if recent.count() >= conf["OTP_MAX_PER_HOUR"]:
        raise RateLimited("验证码发送过于频繁，请一小时后再试", code="otp_rate_limited")
    if recent.filter(created_at__gte=now - timedelta(seconds=60)).exists():
        raise RateLimited("请等待60秒后再获取验证码", code="otp_too_soon")
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        channel=OneTimeCode.Channel.SMS if kind == "phone" else OneTimeCode.Channel.EMAIL,
        target=target,
        purpose=purpose,
        code_hash=_code_digest(target, code),
        expires_at=now + timedelta(seconds=conf["OTP_TTL_SECONDS"]),
    )
    minutes = conf["OTP_TTL_SECONDS"] // 60
    body = f"【投诉平台】您的验证码是 {code}，{minutes} 分钟内有效。请勿告诉他人。"
    sender = get_sender()
    if kind == "phone":
        sender.send_sms(target, body)
    else:
        sender.send_email(target, "投诉平台验证码", body)
    return otp


def otp_verify(*, login: str, code: str, purpose: str = "login") -> str:
    """Consume a valid code; return the normalized target. Wrong codes count as attempts."""
    _kind, target = parse_login(login)
    now = timezone.now()
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(target=target, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if otp is None:
            raise ValidationFailed(
                "验证码已过期或不存在，请重新获取", code="otp_expired", details={"field": "code"}
            )
        if otp.attempts >= int(settings.TOUSU["OTP_MAX_ATTEMPTS"]):
            raise RateLimited("验证码错误次数过多，请重新获取", code="otp_locked")
        if not hmac.compare_digest(otp.code_hash, _code_digest(target, (code or "").strip())):
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=otp.attempts + 1)
            raise ValidationFailed("验证码不正确", code="otp_wrong", details={"field": "code"})
        otp.used_at = now
        otp.save(update_fields=["used_at"])
    return target


def login_with_code(*, login: str, code: str) -> User:
    """Verify a code and return the user, creating a consumer account on first login."""
    kind, target = parse_login(login)
    otp_verify(login=login, code=code)
    now = timezone.now()
    user = User.objects.filter(**{kind: target}).first()
    if user is None:
        user = User.objects.create_user(**{kind: target})
    field = "phone_verified_at" if kind == "phone" else "email_verified_at"
    if getattr(user, field) is None:
        setattr(user, field, now)
        user.save(update_fields=[field])
    return user


# --- API tokens ------------------------------------------------------------


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the raw secret is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise ValidationFailed(
            "请为令牌起一个名字（最多60个字符）",
            code="invalid_token_name",
            details={"field": "name"},
        )
    raw = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, token_prefix=raw[:12], token_hash=hash_token(raw)
    )
    return token, raw


def token_revoke(*, user: User, token_id: int) -> None:
    updated = ApiToken.objects.filter(pk=token_id, user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound("找不到该令牌", code="token_not_found")


def token_authenticate(raw: str) -> User:
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.user.is_active:
        raise NotAuthenticated("API 令牌无效或已撤销", code="invalid_token")
    now = timezone.now()
    # Write last-used at most once a minute so reads do not turn into writes.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
