"""The search page /search/: a plain GET form, facet links, snippets, next-page link (no JS)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from tousu.common.errors import DomainError
from tousu.companies.models import Sector
from tousu.complaints.models import Demand, ProblemType
from tousu.complaints.states import Status

from . import engine
from .params import read
from .selectors import is_staff, search_scope

FACET_PARAMS = {
    "status": "status",
    "sector": "sector",
    "problem_type": "problem_type",
    "demand": "demand",
    "region": "region",
    "company": "company",
    "has_reply": "has_reply",
    "overdue": "overdue",
}
FACET_TITLES = {
    "status": "处理状态",
    "sector": "行业",
    "problem_type": "投诉问题",
    "demand": "投诉要求",
    "region": "地区",
    "company": "企业",
    "has_reply": "企业已回复",
    "overdue": "超时未回复",
}


def _toggle(get: QueryDict, param: str, value: str, selected: bool) -> str:
    params = get.copy()
    params.pop("cursor", None)
    if selected:
        params.pop(param, None)
    else:
        params[param] = value
    return "?" + params.urlencode()


@require_safe
def search_page(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    can_inbox = user is not None and (is_staff(user) or user.role == "merchant")
    context: dict[str, Any] = {
        "q": request.GET.get("q", ""),
        "get": request.GET,
        "sectors": Sector.choices,
        "statuses": Status.choices,
        "problem_types": ProblemType.choices,
        "demands": Demand.choices,
        "sorts": [("relevance", _("相关度")), ("newest", _("最新")), ("amount", _("金额"))],
        "can_inbox": can_inbox,
        "searched": bool(request.GET),
    }
    try:
        req = read(request.GET.getlist)
        result = engine.search(
            req.q,
            filters=req.filters,
            scope=search_scope(user, req.scope),
            sort=req.sort,
            cursor=req.cursor,
            size=req.size,
        )
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "search/search.html", context, status=exc.status_code)
    facets = []
    for name, values in result.facets.items():
        if not values:
            continue
        facets.append(
            {
                "title": _(FACET_TITLES[name]),
                "values": [
                    {
                        "label": v.label,
                        "count": v.count,
                        "selected": v.selected,
                        "url": _toggle(request.GET, FACET_PARAMS[name], v.value, v.selected),
                    }
                    for v in values
                ],
            }
        )
    context.update(result=result, facets=facets, req=req)
    if result.next_cursor:
        params = request.GET.copy()
        params["cursor"] = result.next_cursor
        context["next_url"] = "?" + params.urlencode()
    if req.cursor:
        params = request.GET.copy()
        params.pop("cursor", None)
        context["first_url"] = "?" + (params.urlencode() or urlencode({}))
    response = render(request, "search/search.html", context)
    if user is None:
        response["Cache-Control"] = "public, max-age=60"
    else:
        response["Cache-Control"] = "private, no-store"
    return response
