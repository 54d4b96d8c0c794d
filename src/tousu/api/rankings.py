"""Public metrics: a company's windows and service index, the published 红黑榜 snapshots."""

from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Schema
from ninja.pagination import LimitOffsetPagination, paginate

from tousu.common.errors import ValidationFailed
from tousu.companies.models import Sector
from tousu.metrics import formula
from tousu.metrics.models import RankingList
from tousu.metrics.selectors import (
    Scope,
    company_metrics,
    ranking_entries,
    ranking_get,
    ranking_lists,
    windows,
)

from .core import router
from .schemas import ErrorOut

ENTRIES_LIMIT = 100  # entries per response, as the other lists' default page
ENTRIES_MAX_LIMIT = 1000


class RankingSummary(Schema):
    id: int
    kind: str
    sector: str
    period_start: date | None
    period_end: date
    formula_version: str
    rated: int
    not_rated: int
    generated_at: Any


class RankingOut(RankingSummary):
    formula: dict[str, Any]
    red: list[dict[str, Any]]
    black: list[dict[str, Any]]
    limit: int
    offset: int
    entries: list[dict[str, Any]]


class CompanyMetricsOut(Schema):
    company_id: int
    formula_version: str
    windows: dict[str, dict[str, Any]]
    brands: list[dict[str, Any]]


@router.get("/rankings", response=list[RankingSummary], tags=["public"])
@paginate(LimitOffsetPagination)
def list_rankings(
    request: HttpRequest, kind: str = "", sector: str | None = None
) -> QuerySet[RankingList]:
    """Published 红黑榜 snapshots, newest period first (``kind``: weekly, monthly, quarterly,
    overall; ``sector``: a sector code, or empty for the lists over all sectors)."""
    return ranking_lists(kind=kind, sector=sector)


@router.get(
    "/rankings/{list_id}", response={200: RankingOut, 404: ErrorOut, 422: ErrorOut}, tags=["public"]
)
def get_ranking(
    request: HttpRequest, list_id: int, limit: int = ENTRIES_LIMIT, offset: int = 0
) -> dict[str, Any]:
    """One snapshot with the formula it used, red and black, and its rated companies' entries
    with their inputs by rank, ``limit`` (1–1000) from ``offset`` (``rated`` counts them)."""
    if not 1 <= limit <= ENTRIES_MAX_LIMIT or offset < 0:
        raise ValidationFailed(
            f"limit 应为1到{ENTRIES_MAX_LIMIT}，offset 不能为负",
            code="invalid_paging",
            details={"limit": [1, ENTRIES_MAX_LIMIT], "offset": ">= 0"},
        )
    ranking = ranking_get(list_id)
    header = {f: getattr(ranking, f) for f in RankingSummary.model_fields}
    header.update(formula=ranking.formula, red=ranking.red, black=ranking.black)
    return {
        **header,
        "limit": limit,
        "offset": offset,
        "entries": ranking_entries(ranking, offset, limit),
    }


@router.get(
    "/companies/{company_id}/metrics",
    response={200: CompanyMetricsOut, 404: ErrorOut},
    tags=["public"],
)
def get_company_metrics(request: HttpRequest, company_id: int) -> dict[str, Any]:
    """Metrics over 7/30/90/365 days and all time (complaints filed in the window), with rates'
    95 % Wilson intervals, SLA record and the service index (docs/rankings.md)."""
    return company_metrics(company_id)


class ScopeMetricsOut(Schema):
    sector: str
    region: str
    formula_version: str
    windows: dict[str, dict[str, Any]]


@router.get("/metrics", response={200: ScopeMetricsOut, 422: ErrorOut}, tags=["public"])
def get_scope_metrics(request: HttpRequest, sector: str = "", region: str = "") -> dict[str, Any]:
    """Metrics of a sector and/or region (a GB/T 2260 code: a province or prefecture code
    covers its divisions), or of the whole platform when neither is given."""
    sector, region = sector.strip(), region.strip()
    if sector and sector not in Sector.values:
        raise ValidationFailed(
            "行业代码无效",
            code="invalid_sector",
            details={"field": "sector", "allowed": Sector.values},
        )
    if region and not (region.isascii() and region.isdigit() and len(region) == 6):
        raise ValidationFailed(
            "地区代码应为6位数字", code="invalid_region", details={"field": "region"}
        )
    wins = windows(Scope(sector=sector, region=region))
    return {
        "sector": sector,
        "region": region,
        "formula_version": formula.VERSION,
        "windows": {label: t.as_dict() for label, t in wins.items()},
    }
