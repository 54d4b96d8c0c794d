"""Error pages in Chinese that help the visitor on: set as handler404/403/500 in tousu.urls.

Addresses under ``/api/`` get the API's JSON error shape instead of a page. The 500 page is
rendered without the request, so neither the context processors nor the session touch the
database (which may be what failed).
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _page(request: HttpRequest, template: str, status: int) -> HttpResponse:
    try:
        return render(request, template, status=status)
    except Exception:  # the layout needs the session and the database: do without both
        logger.exception("error page %s failed with the request context", template)
        return HttpResponse(loader.render_to_string(template), status=status)


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
