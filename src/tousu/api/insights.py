"""Surge alerts (投诉爆发) for platform moderators and, within their scope, regulators."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema

from tousu.insights.selectors import alert_detail, alerts_visible
from tousu.insights.services import alert_acknowledge

from .core import AUTH, current_user, router
from .schemas import ErrorOut

ERRORS = {401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


class TermOut(Schema):
    term: str
    z: float
    count: int


class AlertOut(Schema):
    id: int
    series_kind: str
    series_key: str
    label: str
    kind: str
    state: str
    company_id: int | None
    sector: str
    first_day: date
    first_alert_day: date
    last_day: date
    alert_days: int
    observed: int
    expected: float
    threshold: float
    peak_observed: int
    peak_ratio: float
    window_total: int
    runaway_share: float
    terms: list[TermOut]
    examples: list[str]
    updated_at: datetime


class AlertDetailOut(AlertOut):
    regions: list[dict[str, Any]]
    search_url: str


class AlertsQuery(Schema):
    kind: str = ""
    series_kind: str = ""
    state: str = ""
    since: date | None = None
    limit: int = 100


@router.get("/insights/surges", response={200: list[AlertOut], **ERRORS}, tags=["insights"],
            auth=AUTH)  # fmt: skip
def surges(request: HttpRequest, query: Query[AlertsQuery]) -> Any:
    """Surge alerts, newest first: moderators see all; a regulator those whose complaints come
    from its regions (and sectors, when its scope names sectors)."""
    qs = alerts_visible(current_user(request))
    if query.kind:
        qs = qs.filter(kind=query.kind)
    if query.series_kind:
        qs = qs.filter(series_kind=query.series_kind)
    if query.state:
        qs = qs.filter(state=query.state)
    if query.since:
        qs = qs.filter(last_day__gte=query.since)
    return list(qs[: max(1, min(query.limit, 500))])


def _detail(alert: Any) -> dict[str, Any]:
    data = AlertOut.from_orm(alert).dict()
    data["regions"] = [
        {"code": r.code, "complaints": r.complaints}
        for r in alert.regions.order_by("-complaints", "code")[:50]
    ]
    data["search_url"] = alert_search_url(alert)
    return data


def alert_search_url(alert: Any) -> str:
    from urllib.parse import urlencode

    params: dict[str, str] = {
        "submitted_from": alert.first_day.isoformat(),
        "submitted_to": alert.last_day.isoformat(),
    }
    if alert.series_kind == "company":
        params["company"] = alert.series_key
    elif alert.series_kind == "sector":
        params["sector"] = alert.series_key
    elif alert.series_kind == "region":
        params["region"] = alert.series_key
    elif alert.series_kind == "problem":
        params["problem_type"] = alert.series_key
    if alert.terms:
        params["q"] = alert.terms[0]["term"]
    return "/search/?" + urlencode(params)


@router.get("/insights/surges/{alert_id}", response={200: AlertDetailOut, **ERRORS},
            tags=["insights"], auth=AUTH)  # fmt: skip
def surge(request: HttpRequest, alert_id: int) -> Any:
    """One alert: expected vs observed, since when, rising terms, examples, regions."""
    return _detail(alert_detail(current_user(request), alert_id))


@router.post("/insights/surges/{alert_id}/acknowledge", response={200: AlertDetailOut, **ERRORS},
             tags=["insights"], auth=AUTH)  # fmt: skip
def acknowledge(request: HttpRequest, alert_id: int) -> Any:
    """Mark an alert as seen and being handled (moderators, regulators in scope)."""
    user = current_user(request)
    return _detail(alert_acknowledge(user=user, alert_id=alert_id))
