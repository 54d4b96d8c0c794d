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
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tousu.common.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)

from .models import ApiToken, OneTimeCode, Role, User, hash_token

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# Separators people type inside phone numbers: spaces, hyphens and dashes of every width, dots,
# brackets. NFKC has already turned full-width digits, ＋, （） and ideographic spaces into ASCII.
_PHONE_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212\u30fc.()]")


def normalize_phone(raw: str) -> str:
    """``+86 138-0013-8000`` and full-width digits → ``13800138000``; raises if not a mobile."""
    digits = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or ""))
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
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


def find_login_key(login: str) -> str | None:
    """The normalized phone or e-mail in ``login``, or ``None`` if it is neither."""
    try:
        return parse_login(login)[1]
    except ValidationFailed:
        return None


def find_user_by_login(login: str) -> User | None:
    try:
        kind, value = parse_login(login)
    except ValidationFailed:
        return None
    return User.objects.filter(**{kind: value}).first()


# Our own words for Django's validators: its zh-hans catalogue misses some of them (the length
# rule comes out in English), and a consumer should get one language.
_PASSWORD_PROBLEMS = {
    "password_too_short": "密码太短，至少需要{min_length}个字符",
    "password_too_common": "密码太常见，容易被猜中",
    "password_entirely_numeric": "密码不能全是数字",
    "password_too_similar": "密码与手机号、邮箱或昵称太相似",
}


def _password_problems(exc: Any) -> list[str]:
    problems = []
    for error in exc.error_list:
        template = _PASSWORD_PROBLEMS.get(error.code or "")
        if template is None:
            problems.extend(error.messages)
        else:
            problems.append(template.format(**(error.params or {})))
    return list(dict.fromkeys(problems))


def user_register(
    *, login: str, password: str | None = None, nickname: str = "", role: str = Role.CONSUMER
) -> User:
    kind, value = parse_login(login)
    if password is not None:
        from django.contrib.auth.password_validation import validate_password
        from django.core.exceptions import ValidationError

        try:
            # An unsaved user, so that a password like the phone number itself is refused.
            validate_password(password, user=User(**{kind: value}, nickname=nickname))
        except ValidationError as exc:
            raise ValidationFailed(
                "密码不符合要求：" + "；".join(_password_problems(exc)),
                code="weak_password",
                details={"field": "password"},
            ) from exc
    already = ValidationFailed(
        "该账号已注册，请直接登录", code="already_registered", details={"field": "login"}
    )
    if User.objects.filter(**{kind: value}).exists():
        raise already
    try:
        with transaction.atomic():
            return User.objects.create_user(
                **{kind: value}, password=password, nickname=nickname.strip()[:40], role=role
            )
    except IntegrityError as exc:  # registered concurrently
        raise already from exc


# --- one-time codes --------------------------------------------------------


def _code_digest(target: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{target}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def mask_target(target: str) -> str:
    """``138****8000`` / ``ab****@example.com``: enough to recognise, not to read."""
    if "@" in target:
        local, _, domain = target.partition("@")
        return f"{local[:2]}****@{domain}"
    return f"{target[:3]}****{target[-4:]}"


def otp_send(*, login: str, purpose: str = "login") -> OneTimeCode:
    """Create a 6-digit code for a phone or e-mail and send it through the configured sender.

    At most one code per target every ``OTP_RESEND_SECONDS`` and ``OTP_MAX_PER_HOUR`` per hour
    (counted in the database, so every worker process sees the same numbers).
    """
    from tousu.engagement.senders import get_sender

    kind, target = parse_login(login)
    conf: dict[str, Any] = settings.TOUSU
    resend = int(conf.get("OTP_RESEND_SECONDS", 60))
    now = timezone.now()
    recent = list(
        OneTimeCode.objects.filter(target=target, created_at__gt=now - timedelta(hours=1))
        .order_by("created_at")
        .values_list("created_at", flat=True)
    )
    if recent and now - recent[-1] < timedelta(seconds=resend):
        wait = resend - int((now - recent[-1]).total_seconds())
        raise RateLimited(
            f"请等待{wait}秒后再获取验证码",
            code="otp_too_soon",
            details={"retry_after_seconds": wait},
        )
    if len(recent) >= int(conf["OTP_MAX_PER_HOUR"]):
        wait = 3600 - int((now - recent[0]).total_seconds())
        raise RateLimited(
            "验证码发送过于频繁，请一小时后再试",
            code="otp_rate_limited",
            details={"retry_after_seconds": wait},
        )
    code = f"{secrets.randbelow(10**6):06d}"
    otp = OneTimeCode.objects.create(
        channel=OneTimeCode.Channel.SMS if kind == "phone" else OneTimeCode.Channel.EMAIL,
        target=target,
        purpose=purpose,
        code_hash=_code_digest(target, code),
        created_at=now,
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
    """Consume a valid code; return the normalized target.

    Only the latest unused, unexpired code for the target counts. Each wrong code is recorded
    (and committed, so it is not rolled back with the error); after ``OTP_MAX_ATTEMPTS`` wrong
    codes the code is locked and a new one must be requested.
    """
    _kind, target = parse_login(login)
    max_attempts = int(settings.TOUSU["OTP_MAX_ATTEMPTS"])
    given = unicodedata.normalize("NFKC", code or "").strip()
    now = timezone.now()
    attempts = 0
    with transaction.atomic():
        otp = (
            OneTimeCode.objects.select_for_update()
            .filter(target=target, purpose=purpose, used_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at", "-pk")
            .first()
        )
        if otp is None:
            outcome = "expired"
        elif otp.attempts >= max_attempts:
            outcome = "locked"
        elif hmac.compare_digest(otp.code_hash, _code_digest(target, given)):
            OneTimeCode.objects.filter(pk=otp.pk).update(used_at=now)
            outcome = "ok"
        else:
            OneTimeCode.objects.filter(pk=otp.pk).update(attempts=F("attempts") + 1)
            attempts = otp.attempts + 1
            outcome = "wrong"
    # Raised outside the atomic block: raising inside would roll back the attempt count.
    if outcome == "expired":
        raise ValidationFailed(
            "验证码已过期或不存在，请重新获取", code="otp_expired", details={"field": "code"}
        )
    if outcome == "locked":
        raise RateLimited("验证码错误次数过多，请重新获取", code="otp_locked")
    if outcome == "wrong":
        left = max(max_attempts - attempts, 0)
        raise ValidationFailed(
            f"验证码不正确，还可以尝试{left}次" if left else "验证码错误次数过多，请重新获取",
            code="otp_wrong",
            details={"field": "code", "attempts_left": left},
        )
    return target


def login_with_code(*, login: str, code: str) -> User:
    """Verify a code and return the user, creating a consumer account on first login.

    The phone or e-mail the code went to is marked verified.
    """
    kind, target = parse_login(login)
    otp_verify(login=login, code=code)
    now = timezone.now()
    user = User.objects.filter(**{kind: target}).first()
    if user is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(**{kind: target})
        except IntegrityError:  # created concurrently by another login with a code
            user = User.objects.get(**{kind: target})
    if not user.is_active:
        raise PermissionDenied("该账号已停用，请联系客服", code="account_disabled")
    field = "phone_verified_at" if kind == "phone" else "email_verified_at"
    if getattr(user, field) is None:
        setattr(user, field, now)
        user.save(update_fields=[field])
    return user


# --- profile ---------------------------------------------------------------


NICKNAME_MAX = 40


def user_update_profile(*, user: User, nickname: str) -> User:
    """Change what the user may change about themselves (for now: the nickname, trimmed; empty
    means "none", and the public sees the pseudonym)."""
    nickname = (nickname or "").strip()
    if len(nickname) > NICKNAME_MAX:
        raise ValidationFailed(
            f"昵称最多{NICKNAME_MAX}个字", code="invalid_nickname", details={"field": "nickname"}
        )
    if nickname != user.nickname:
        user.nickname = nickname
        user.save(update_fields=["nickname"])
    return user


def user_contact_verify(*, user: User, channel: str, code: str) -> User:
    """Prove the user's own phone (``channel="phone"``) or e-mail with a code that
    ``otp_send(login=..., purpose="verify")`` sent there; marks it verified."""
    target = getattr(user, channel, None) if channel in ("phone", "email") else None
    if not target:
        raise ValidationFailed(
            "该账号没有这个联系方式", code="invalid_channel", details={"field": "channel"}
        )
    otp_verify(login=target, code=code, purpose="verify")
    field = f"{channel}_verified_at"
    if getattr(user, field) is None:
        setattr(user, field, timezone.now())
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
    """The user of an active token; raises ``NotAuthenticated`` for unknown or revoked ones."""
    raw = (raw or "").strip()
    token = None
    if raw.startswith(ApiToken.PREFIX):
        token = (
            ApiToken.objects.select_related("user")
            .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
            .first()
        )
    if token is None or not token.user.is_active:
        raise NotAuthenticated("API 令牌无效或已撤销", code="invalid_token")
    now = timezone.now()
    # Write last-used at most once a minute so reads do not turn into writes.
    stale = now - timedelta(minutes=1)
    if token.last_used_at is None or token.last_used_at <= stale:
        ApiToken.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=token.pk
        ).update(last_used_at=now)
    return token.user
