"""Sign-up, log-in (password or one-time code), the current user, API tokens."""

from datetime import datetime
from typing import Any

from django.contrib.auth import authenticate, login, logout
from django.http import HttpRequest
from ninja import Schema, Status
from pydantic import Field

from tousu.accounts import services
from tousu.accounts.models import ApiToken, User
from tousu.common.errors import NotAuthenticated
from tousu.common.ratelimit import client_ip, hit

from .core import AUTH, current_user, optional_user, router
from .schemas import ErrorOut

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class RegisterIn(Schema):
    login: str = Field(..., description="mobile number or e-mail")
    password: str
    nickname: str = ""


class LoginIn(Schema):
    login: str
    password: str


class OtpSendIn(Schema):
    login: str


class OtpLoginIn(Schema):
    login: str
    code: str


class MeOut(Schema):
    id: int
    phone: str | None
    email: str | None
    nickname: str
    pseudonym: str
    role: str
    phone_verified: bool
    email_verified: bool
    company_ids: list[int]

    @staticmethod
    def resolve_phone_verified(obj: User) -> bool:
        return obj.phone_verified_at is not None

    @staticmethod
    def resolve_email_verified(obj: User) -> bool:
        return obj.email_verified_at is not None

    @staticmethod
    def resolve_company_ids(obj: User) -> list[int]:
        return [m.company_id for m in obj.memberships.all()]


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    token_prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    token: str = Field(..., description="shown once; store it now")


@router.post("/auth/register", response={201: MeOut, **ERRORS}, tags=["accounts"])
def register(request: HttpRequest, body: RegisterIn) -> Status:
    hit(f"register:{client_ip(request)}", limit=20, window=3600)
    user = services.user_register(login=body.login, password=body.password, nickname=body.nickname)
    login(request, user, backend="tousu.accounts.backends.PhoneOrEmailBackend")
    return Status(201, user)


@router.post("/auth/login", response={200: MeOut, **ERRORS}, tags=["accounts"])
def password_login(request: HttpRequest, body: LoginIn) -> User:
    hit(f"login:{client_ip(request)}", limit=30, window=300)
    # Per account too, so that guessing one account's password from many addresses is slow.
    account = services.find_login_key(body.login)
    if account:
        hit(f"login-account:{account}", limit=10, window=900)
    user = authenticate(request, username=body.login, password=body.password)
    if not isinstance(user, User):
        raise NotAuthenticated("账号或密码错误", code="invalid_credentials")
    login(request, user)
    return user


@router.post("/auth/otp", response={202: dict[str, Any], **ERRORS}, tags=["accounts"])
def send_code(request: HttpRequest, body: OtpSendIn) -> Status:
    """Send a 6-digit code by SMS or e-mail (rate limited per target and per address)."""
    hit(f"otp-ip:{client_ip(request)}", limit=30, window=3600)
    otp = services.otp_send(login=body.login)
    return Status(
        202,
        {
            "sent_to": services.mask_target(otp.target),
            "channel": otp.channel,
            "expires_at": otp.expires_at.isoformat(),
        },
    )


@router.post("/auth/otp/login", response={200: MeOut, **ERRORS}, tags=["accounts"])
def code_login(request: HttpRequest, body: OtpLoginIn) -> User:
    """Log in with the code; a first login creates a consumer account."""
    hit(f"otp-login-ip:{client_ip(request)}", limit=60, window=3600)
    user = services.login_with_code(login=body.login, code=body.code)
    login(request, user, backend="tousu.accounts.backends.PhoneOrEmailBackend")
    return user


@router.post("/auth/logout", response={204: None}, auth=AUTH, tags=["accounts"])
def do_logout(request: HttpRequest) -> Status:
    logout(request)
    return Status(204, None)


@router.get("/me", response={200: MeOut, 401: ErrorOut}, tags=["accounts"])
def me(request: HttpRequest) -> User:
    user = optional_user(request)
    if user is None:
        raise NotAuthenticated()
    return user


@router.get(
    "/me/tokens", response={200: list[TokenOut], 401: ErrorOut}, auth=AUTH, tags=["accounts"]
)
def list_tokens(request: HttpRequest) -> Any:
    return ApiToken.objects.filter(user=current_user(request)).order_by("-id")


@router.post("/me/tokens", response={201: TokenCreatedOut, **ERRORS}, auth=AUTH, tags=["accounts"])
def create_token(request: HttpRequest, body: TokenIn) -> Status:
    token, raw = services.token_create(user=current_user(request), name=body.name)
    return Status(
        201,
        {
            "id": token.pk,
            "name": token.name,
            "token_prefix": token.token_prefix,
            "created_at": token.created_at,
            "last_used_at": None,
            "revoked_at": None,
            "token": raw,
        },
    )


@router.delete(
    "/me/tokens/{token_id}", response={204: None, **ERRORS}, auth=AUTH, tags=["accounts"]
)
def revoke_token(request: HttpRequest, token_id: int) -> Status:
    services.token_revoke(user=current_user(request), token_id=token_id)
    return Status(204, None)
