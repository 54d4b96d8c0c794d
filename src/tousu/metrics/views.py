"""Public pages: the 红黑榜 (latest lists, each published list) and the service-index formula
with every company's current inputs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_safe

from tousu.common.errors import NotFound
from tousu.companies.models import Sector

from . import formula
from .models import ListKind
from .rankings import rank
from .selectors import company_inputs, latest_lists, ranking_get, ranking_lists

FORMULA_WINDOW_DAYS = 90


@require_safe
def rankings_index(request: HttpRequest) -> HttpResponse:
    sector = request.GET.get("sector", "")
    if sector not in Sector.values:
        sector = ""
    return render(
        request,
        "metrics/rankings.html",
        {
            "sector": sector,
            "sectors": Sector.choices,
            "latest": latest_lists(sector),
            "history": ranking_lists(sector=sector)[:40],
            "kinds": dict(ListKind.choices),
        },
    )


@require_safe
def ranking_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    try:
        ranking = ranking_get(list_id)
    except NotFound:
        raise Http404 from None
    page = Paginator(ranking.entries, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "metrics/ranking_detail.html",
        {
            "ranking": ranking,
            "page": page,
            "sector_label": dict(Sector.choices).get(ranking.sector, ""),
            "kinds": dict(ListKind.choices),
        },
    )


@require_safe
def formula_page(request: HttpRequest) -> HttpResponse:
    """The formula, and each company's inputs over the last 90 days (best first)."""
    end = timezone.localdate()
    start = end - timedelta(days=FORMULA_WINDOW_DAYS - 1)
    rated, not_rated = rank(company_inputs(start, end))
    page = Paginator(rated, 50).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "params": formula.parameters(),
        "weights": {k: round(100 * v) for k, v in formula.WEIGHTS.items()},
        "start": start,
        "end": end,
        "page": page,
        "not_rated": not_rated,
        "days": FORMULA_WINDOW_DAYS,
    }
    return render(request, "metrics/formula.html", context)
