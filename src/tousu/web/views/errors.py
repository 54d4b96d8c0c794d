"""Error pages in Chinese that help the visitor on: set as handler404/403/500 in tousu.urls,
and ``csrf_failure`` as ``CSRF_FAILURE_VIEW`` in the settings.

Addresses under ``/api/`` get the API's JSON error shape instead of a page. The 500 page is
rendered without the request, so neither the context processors nor the session touch the
database (which may be what failed).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page(
    request: HttpRequest, template: str, status: int, context: dict[str, str] | None = None
) -> HttpResponse:
    try:
        return render(request, template, context, status=status)
    except Exception:  # the layout needs the session and the database: do without both
        logger.exception("error page %s failed with the request context", template)
        return HttpResponse(loader.render_to_string(template, context), status=status)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "not_found", "message": _("找不到该接口"), "details": {}}, status=404
        )
    return _page(request, "404.html", 404)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "permission_denied", "message": _("您没有权限执行此操作"), "details": {}},
            status=403,
        )
    return _page(request, "403.html", 403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": _("服务暂时出错，请稍后重试"), "details": {}},
            status=500,
        )
    return HttpResponse(loader.render_to_string("500.html"), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was posted without a valid CSRF token (a page open too long, cookies blocked, a
    log-in in another tab, or a forged request): explain, in Chinese, how to go on.

    django-ninja checks the API's CSRF itself and answers with the API's JSON error (see
    ``tousu.api.core``); any other address under ``/api/`` gets the same shape here.
    """
    if _is_api(request):
        return JsonResponse(
            {
                "code": "permission_denied",
                "message": _("CSRF 校验失败，请刷新页面后重试"),
                "details": {},
            },
            status=403,
        )
    referer = request.headers.get("Referer", "")
    back = (
        referer
        if referer
        and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        else ""
    )
    return _page(request, "403_csrf.html", 403, {"back_url": back})
