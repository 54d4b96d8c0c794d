"""The django-ninja API object, authentication and the one error shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth

from tousu.accounts.models import User
from tousu.accounts.services import token_authenticate
from tousu.common.errors import DomainError, NotAuthenticated
from tousu.merchants.api_keys import KeyPrincipal, api_key_authenticate
from tousu.merchants.models import CompanyApiKey


class JsonParser(Parser):
    """JSON bodies must be sent as ``application/json``.

    A cross-site HTML form can post ``text/plain``, urlencoded or multipart bodies without a CORS
    preflight, never ``application/json``: refusing the others keeps the endpoints without a
    session (log-in, sign-up, one-time codes) safe from login CSRF. Multipart complaint creation
    reads form fields, not a JSON body, and is CSRF-checked by ``SessionAuth``.
    """

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = request.content_type or ""
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ValueError(f"body must be application/json, not {content_type or 'untyped'}")
        return super().parse_body(request)


api = NinjaAPI(
    title="Tousu API",
    version="1",
    description="投诉平台开放接口。Errors: `{code, message, details}`.",
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=JsonParser(),
)


# One router for every path: django-ninja merges the methods of one path only within a router.
router = Router()


class BearerToken(HttpBearer):
    """``Authorization: Bearer tsk_…`` with a token created under /api/v1/me/tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = token_authenticate(token)
        request.user = user
        return user


# Pages' session (with CSRF on writes) or an API token.
AUTH = [BearerToken(), SessionAuth()]


class CompanyKeyBearer(HttpBearer):
    """``Authorization: Bearer tsm_…``: a company API key (created in the merchant console).

    Other bearer tokens are left to ``BearerToken``."""

    def authenticate(self, request: HttpRequest, token: str) -> KeyPrincipal | None:
        if not token.strip().startswith(CompanyApiKey.PREFIX):
            return None
        return api_key_authenticate(token)


class CompanyKeyHeader(APIKeyHeader):
    """``X-Api-Key: tsm_…``: the same company API key in its own header."""

    param_name = "X-Api-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> KeyPrincipal | None:
        if not key:
            return None
        return api_key_authenticate(key)


# Merchant endpoints: a company API key first, then a user's token or session.
MERCHANT_AUTH = [CompanyKeyBearer(), CompanyKeyHeader(), *AUTH]


def key_principal(request: HttpRequest) -> KeyPrincipal | None:
    """The company key the request was made with, or None for a user (token or session)."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, KeyPrincipal) else None


def optional_key(request: HttpRequest) -> KeyPrincipal | None:
    """The company key of a request to an endpoint that anonymous visitors may also use
    (``Authorization: Bearer tsm_…`` or ``X-Api-Key``); an invalid key is refused (401)."""
    header = request.headers.get("Authorization", "")
    raw = header[7:].strip() if header.lower().startswith("bearer ") else ""
    if not raw.startswith(CompanyApiKey.PREFIX):
        raw = request.headers.get("X-Api-Key", "").strip()
        # ``X-Api-Key`` also carries partner keys (``tpk_…``), which the read limits
        # (tousu.partners) check and which read what the public reads
        if not raw.startswith(CompanyApiKey.PREFIX):
            return None
    return api_key_authenticate(raw) if raw else None


def optional_user(request: HttpRequest) -> User | None:
    """The caller, if any, for endpoints that anonymous visitors may also use."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
        if token.startswith(CompanyApiKey.PREFIX):
            # a company key reads public pages as the public; its own endpoints are /merchant/…
            return None
        return token_authenticate(token)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def public_cached(
    request: HttpRequest,
    name: str,
    view: Callable[..., Any],
    result: Callable[[], Any],
    deps: Callable[[], list[str] | None],
) -> Any:
    """The answer of a public GET endpoint, from the page cache for an anonymous caller
    (docs/adr/0034-public-api-in-the-page-cache.md): the JSON ``view`` (the endpoint's own
    function) would return for ``result()``, kept under the versions ``deps()`` names.

    Anyone who sends credentials (``Authorization``: a user's token or a company key;
    ``X-Api-Key``: a company or partner key) or a session bypasses it and gets ``result()``
    as before: what they see may differ from the public's, and their errors (401, 403) must
    stay theirs. The rate limits run in ``ApiLimitsMiddleware``, around this, hit or miss."""
    from tousu.pagecache import cache as page_cache

    if (
        "Authorization" in request.headers
        or "X-Api-Key" in request.headers
        or not page_cache.cacheable(request)
    ):
        return result()
    return page_cache.serve(
        request, name, lambda: _operation_response(request, view, result()), deps
    )


_operations: dict[Callable[..., Any], Any] = {}


def _operation_response(
    request: HttpRequest, view: Callable[..., Any], result: Any
) -> HttpResponse:
    """``result`` validated and rendered exactly as django-ninja renders what ``view`` returns
    (its response schema, the API's renderer): a kept answer is byte-for-byte the answer the
    endpoint gives without the cache (tests/web/test_api_page_cache.py compares them)."""
    if not _operations:
        for bound in api._get_bound_routers():
            for path_view in bound.path_operations.values():
                for operation in path_view.operations:
                    _operations[operation.view_func] = operation
    operation = _operations[view]
    response = operation._result_to_response(
        request, result, api.create_temporal_response(request)
    )
    assert isinstance(response, HttpResponse)  # a JSON body, never a stream
    return response


def current_user(request: HttpRequest) -> User:
    user = request.auth  # type: ignore[attr-defined]
    if not isinstance(user, User):
        raise NotAuthenticated()
    return user


def error_response(
    request: HttpRequest,
    status: int,
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
) -> HttpResponse:
    return api.create_response(
        request, {"code": code, "message": message, "details": details or {}}, status=status
    )


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return error_response(request, exc.status_code, exc.code, exc.message, exc.details)


@api.exception_handler(NinjaValidationError)
def on_validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {
            "loc": [str(p) for p in e.get("loc", [])],
            "msg": e.get("msg", ""),
            "type": e.get("type", ""),
        }
        for e in exc.errors
    ]
    fields = [e["loc"][-1] for e in errors if e["loc"]]
    message = "提交的内容有误：" + "、".join(dict.fromkeys(fields)) if fields else "提交的内容有误"
    return error_response(request, 422, "validation_error", message, {"errors": errors})


@api.exception_handler(AuthenticationError)
def on_auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return error_response(request, 401, "not_authenticated", "请先登录或提供有效的 API 令牌")


@api.exception_handler(Http404)
def on_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, "not_found", "找不到该内容")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    codes = {
        400: "bad_request",
        401: "not_authenticated",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        429: "rate_limited",
    }
    message = "CSRF 校验失败，请刷新页面后重试" if "CSRF" in str(exc) else str(exc)
    if "Cannot parse request body" in str(exc):
        message = "请求体无法解析：请以 JSON 发送（Content-Type: application/json）"
    return error_response(
        request, exc.status_code, codes.get(exc.status_code, "http_error"), message
    )
