"""Per-client limits on the read API (GET/HEAD under /api/).

- a partner key (``X-Api-Key: tpk_…``): only the paths its scopes open (403
  ``insufficient_scope`` otherwise, nothing counted), its own per-minute limit and daily quota,
  counted exactly in the database (``PartnerUsage``), usage visible to staff;
- a signed-in caller (session or ``Authorization: Bearer tsk_…``): ``API_READ_PER_MINUTE_USER``;
- anyone else, per address: ``API_READ_PER_MINUTE_ANON``.

Writes have their own limits in the services (one-time codes, submissions…). The per-minute
windows live in the cache: set ``REDIS_URL`` when several processes serve requests.
Every limited response carries ``X-RateLimit-Limit`` and ``X-RateLimit-Remaining``; a refusal
is the API's JSON error (429, ``rate_limited`` or ``quota_exceeded``) with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from tousu.common.errors import DomainError
from tousu.common.ratelimit import client_ip, hit

from .models import PartnerKey
from .services import partner_key_authenticate, partner_key_require_scope, partner_usage_count

EXEMPT = ("/api/v1/docs", "/api/v1/openapi.json")
WINDOW = 60


def _error(exc: DomainError) -> JsonResponse:
    response = JsonResponse(
        {"code": exc.code, "message": exc.message, "details": exc.details},
        status=exc.status_code,
        json_dumps_params={"ensure_ascii": False},
    )
    retry = exc.details.get("retry_after_seconds") if exc.details else None
    if retry:
        response["Retry-After"] = str(retry)
    return response


class ApiLimitsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in ("GET", "HEAD")
            or not request.path.startswith("/api/")
            or request.path.startswith(EXEMPT)
        ):
            return self.get_response(request)
        limits = settings.TOUSU
        quota_remaining: int | None = None
        raw = request.headers.get("X-Api-Key", "")
        try:
            if raw.startswith(PartnerKey.PREFIX):
                key = partner_key_authenticate(raw)
                partner_key_require_scope(key=key, path=request.path)
                limit = key.per_minute
                count = hit(f"api:pk:{key.pk}", limit=limit, window=WINDOW)
                quota_remaining = partner_usage_count(key=key).remaining
                request.partner_key = key  # type: ignore[attr-defined]
            else:
                bearer = request.headers.get("Authorization", "")
                user = getattr(request, "user", None)
                if bearer.lower().startswith("bearer "):
                    digest = hashlib.sha256(bearer[7:].strip().encode()).hexdigest()[:24]
                    ident, limit = f"tok:{digest}", int(limits["API_READ_PER_MINUTE_USER"])
                elif user is not None and user.is_authenticated:
                    ident, limit = f"user:{user.pk}", int(limits["API_READ_PER_MINUTE_USER"])
                else:
                    ident = f"ip:{client_ip(request)}"
                    limit = int(limits["API_READ_PER_MINUTE_ANON"])
                count = hit(f"api:{ident}", limit=limit, window=WINDOW)
        except DomainError as exc:
            return _error(exc)
        response = self.get_response(request)
        response["X-RateLimit-Limit"] = str(limit)
        response["X-RateLimit-Remaining"] = str(max(0, limit - count))
        if quota_remaining is not None:
            response["X-Quota-Remaining"] = str(quota_remaining)
        return response
