"""Public pages: the 红黑榜 (latest lists, each published list) and the service-index formula
with every company's current inputs."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tousu.common.errors import DomainError, NotFound
from tousu.companies.models import Company, Sector
from tousu.web.views.merchant import _user, console_view

from . import formula
from .models import ListKind
from .rankings import rank
from .selectors import (
    RankedEntries,
    Scope,
    Totals,
    companies_compare,
    company_inputs,
    latest_lists,
    ranking_get,
    ranking_lists,
    windows,
)
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
    sector_windows = None
    if sector:
        from tousu.web.views.public import _window_table

        sector_windows = _window_table(windows(Scope(sector=sector)))
    return render(
        request,
        "metrics/rankings.html",
        {
            "sector": sector,
            "sector_label": dict(Sector.choices).get(sector, ""),
            "sector_windows": sector_windows,
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
    # (a list's page reads only its own rows: ``RankedEntries`` slices by rank)
    entries = cast("list[dict[str, Any]]", RankedEntries(ranking))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
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


@require_safe
def compare(request: HttpRequest) -> HttpResponse:
    """2–4 companies side by side (last 90 days and all time); ``?ids=1&ids=2`` or
    ``?ids=1,2``; a name typed into the form is looked up and added."""
    from tousu.common.errors import ValidationFailed
    from tousu.companies.selectors import search_key
    from tousu.web.views.public import _hours, _rate

    raw = ",".join(request.GET.getlist("ids"))
    ids: list[int] = []
    for part in raw.replace("，", ",").split(","):
        part = part.strip()
        if part.isdigit():
            ids.append(int(part))
    error = ""
    add = (request.GET.get("add") or "").strip()
    if add:
        key = search_key(add)
        found = Company.objects.filter(name_key__startswith=key, is_confirmed=True).first()
        if found is None:
            error = _("找不到名为「%(name)s」的企业") % {"name": add}
        elif found.pk not in ids:
            ids.append(found.pk)
    table: dict[str, Any] | None = None
    companies: list[Company] = []
    if len(ids) >= 2:
        try:
            rows = companies_compare(ids)
        except ValidationFailed as exc:
            error = exc.message
        else:
            companies = [r["company"] for r in rows]

            def index(t: Totals) -> str:
                idx = t.index
                return f"{idx.index:.1f}" if idx.index is not None else str(_("不参与评级"))

            metrics: list[tuple[Any, Any]] = [
                (_("服务指数（近90天）"), lambda r: index(r["recent"])),
                (_("有效投诉（近90天）"), lambda r: f"{r['recent'].valid:,}"),
                (_("回复率（近90天）"),
                 lambda r: _rate(r["recent"].reply_rate, r["recent"].reply_ci)),
                (_("按时回复率（近90天）"),
                 lambda r: _rate(r["recent"].on_time_rate, r["recent"].on_time_ci)),
                (_("完成率（近90天）"),
                 lambda r: _rate(r["recent"].completion_rate, r["recent"].completion_ci)),
                (_("满意度（全部）"), lambda r: f"{r['all'].mean_rating:.2f} / 5"
                 if r["all"].mean_rating is not None else "—"),
                (_("首次回复中位数（全部）"), lambda r: _hours(r["all"].median_frt_hours)),
                (_("有效投诉（全部）"), lambda r: f"{r['all'].valid:,}"),
                (_("当前超时未回复"), lambda r: f"{r['all'].overdue_now or 0:,}"),
            ]  # fmt: skip
            table = {
                "rows": [{"label": label, "cells": [fn(r) for r in rows]} for label, fn in metrics]
            }
    elif ids:
        companies = list(Company.objects.filter(pk__in=ids, is_confirmed=True))
    return render(
        request,
        "metrics/compare.html",
        {
            "companies": companies,
            "ids": ",".join(str(i) for i in ids),
            "table": table,
            "error": error,
        },
        status=400 if error else 200,
    )
