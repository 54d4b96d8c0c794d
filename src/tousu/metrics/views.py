"""Public pages: the 红黑榜 (latest lists, each published list) and the service-index formula
with every company's current inputs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tousu.common.errors import DomainError, NotFound
from tousu.companies.models import Sector
from tousu.web.views.merchant import _user, console_view

from . import formula
from .models import ListKind
from .rankings import rank
from .selectors import company_inputs, latest_lists, ranking_get, ranking_lists
from .stars import (
    STAR_MIN_INDEX,
    STAR_MIN_VALID,
    STAR_NOMINEES,
    star_decide,
    stars_awarded,
    stars_for_review,
)

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


@require_safe
def stars_page(request: HttpRequest) -> HttpResponse:
    """消费者服务之星: the awarded companies, newest period first."""
    return render(
        request,
        "metrics/stars.html",
        {
            "stars": stars_awarded()[:100],
            "rule": {"valid": STAR_MIN_VALID, "index": STAR_MIN_INDEX, "n": STAR_NOMINEES},
        },
    )


@console_view
@require_safe
def stars_review(request: HttpRequest) -> HttpResponse:
    """Staff: the open nominations with their inputs."""
    return render(
        request, "metrics/stars_review.html", {"nominations": stars_for_review(_user(request))}
    )


@console_view
@require_http_methods(["POST"])
def star_decide_view(request: HttpRequest, star_id: int) -> HttpResponse:
    decision = request.POST.get("decision", "")
    if decision not in {"confirm", "decline"}:
        messages.error(request, _("请选择授予或不授予"))
        return redirect("metrics:stars_review")
    try:
        star_decide(
            star_id=star_id,
            actor=_user(request),
            confirm=decision == "confirm",
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        if exc.status_code in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已评定"))
    return redirect("metrics:stars_review")
