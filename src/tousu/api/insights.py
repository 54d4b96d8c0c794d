"""Surge alerts (投诉爆发) for platform moderators and, within their scope, regulators."""

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Query, Schema, Status

from tousu.insights.selectors import alert_detail, alerts_visible
from tousu.insights.services import alert_acknowledge
from tousu.insights.warnings import (
    note_add,
    subscription_create,
    subscription_delete,
    subscriptions_of,
)

from .core import AUTH, current_user, optional_user, router
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
    notes: list[dict[str, Any]]
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
    data["notes"] = [
        {"author_id": n.author_id, "text": n.text, "created_at": n.created_at}
        for n in alert.notes.all()
    ]
    data["search_url"] = alert_search_url(alert)
    return data


def alert_search_url(alert: Any) -> str:
    from urllib.parse import urlencode

    params: dict[str, str] = {
        "date_from": alert.first_day.isoformat(),
        "date_to": alert.last_day.isoformat(),
    }
    if alert.series_kind == "company":
        params["company"] = alert.series_key
    elif alert.series_kind == "brand":
        params["brand"] = alert.series_key
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


class NoteIn(Schema):
    text: str


class NoteOut(Schema):
    id: int
    author_id: int
    text: str
    created_at: datetime


@router.post("/insights/surges/{alert_id}/notes", response={201: NoteOut, **ERRORS},
             tags=["insights"], auth=AUTH)  # fmt: skip
def note(request: HttpRequest, alert_id: int, body: NoteIn) -> Any:
    """Add a note to an alert (what was done about it): moderators, regulators in scope."""
    return Status(201, note_add(user=current_user(request), alert_id=alert_id, text=body.text))


class SubscriptionIn(Schema):
    name: str
    region_codes: list[str]
    sectors: list[str] = []
    kinds: list[str] = []
    by_email: bool = False
    webhook_url: str = ""


class SubscriptionOut(Schema):
    id: int
    name: str
    region_codes: list[str]
    sectors: list[str]
    kinds: list[str]
    by_email: bool
    webhook_url: str
    active: bool
    created_at: datetime


class SubscriptionCreatedOut(SubscriptionOut):
    webhook_secret: str


@router.get("/insights/subscriptions", response={200: list[SubscriptionOut], **ERRORS},
            tags=["insights"], auth=AUTH)  # fmt: skip
def subscriptions(request: HttpRequest) -> Any:
    """The calling regulator's early-warning subscriptions."""
    return list(subscriptions_of(current_user(request)))


@router.post("/insights/subscriptions", response={201: SubscriptionCreatedOut, **ERRORS},
             tags=["insights"], auth=AUTH)  # fmt: skip
def subscription_new(request: HttpRequest, body: SubscriptionIn) -> Any:
    """Subscribe to alerts by region codes (inside the caller's scope), sectors and kinds;
    delivered in site, by e-mail and to a webhook signed like the merchant webhooks (the
    secret is shown once, in this response)."""
    sub = subscription_create(
        user=current_user(request),
        name=body.name,
        region_codes=body.region_codes,
        sectors=body.sectors,
        kinds=body.kinds,
        by_email=body.by_email,
        webhook_url=body.webhook_url,
    )
    return Status(201, sub)


@router.delete("/insights/subscriptions/{subscription_id}", response={204: None, **ERRORS},
               tags=["insights"], auth=AUTH)  # fmt: skip
def subscription_remove(request: HttpRequest, subscription_id: int) -> Any:
    subscription_delete(user=current_user(request), subscription_id=subscription_id)
    return Status(204, None)


class TopicOut(Schema):
    label: str  # its first two or three words
    terms: list[TermOut]  # by rise, strongest first
    complaints: int  # this week's public complaints with at least two of its words
    baseline_weekly: float  # the same, a week of the four weeks before on average
    rise: float | None  # complaints / baseline_weekly; null: none in the baseline
    examples: list[str]  # public numbers
    search_url: str


class HotspotOut(Schema):
    week_start: date
    scope_kind: str
    scope_key: str
    label: str
    complaints: int
    baseline_weekly: float
    terms: list[TermOut]
    topics: list[TopicOut]


class HotspotsQuery(Schema):
    week: date | None = None
    scope_kind: str = ""
    scope_key: str = ""


@router.get("/hotspots", response={200: list[HotspotOut], **ERRORS}, tags=["insights"])
def hotspots(request: HttpRequest, query: Query[HotspotsQuery]) -> Any:
    """消费热点: words that rose in a week's public complaints, nationally, per sector and per
    province, and the topics they form (rising words that occur together), with example
    complaints (default: the latest published week). Public."""
    from tousu.insights.hotspots import hotspot_weeks
    from tousu.insights.models import Hotspot

    week = query.week
    if week is None:
        weeks = hotspot_weeks()
        if not weeks:
            return []
        week = weeks[0]
    qs = Hotspot.objects.filter(week_start=week)
    if query.scope_kind:
        qs = qs.filter(scope_kind=query.scope_kind)
    if query.scope_key:
        qs = qs.filter(scope_key=query.scope_key)
    return list(qs)


class ReportOut(Schema):
    slug: str
    period: str
    start: date
    end: date
    published_at: datetime | None
    pdf_url: str


class ReportDetailOut(ReportOut):
    data: dict[str, Any]
    cases: list[dict[str, Any]]


def _report(report: Any) -> dict[str, Any]:
    return {
        "slug": report.slug,
        "period": report.period,
        "start": report.start,
        "end": report.end,
        "published_at": report.published_at,
        "pdf_url": f"/reports/{report.slug}.pdf",
    }


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, tags=["insights"])
def reports(request: HttpRequest) -> Any:
    """Published monthly and quarterly data reports, newest first. Public."""
    from tousu.insights.models import DataReport

    return [_report(r) for r in DataReport.objects.exclude(published_at=None)[:120]]


@router.get("/reports/{slug}", response={200: ReportDetailOut, **ERRORS}, tags=["insights"])
def report(request: HttpRequest, slug: str) -> Any:
    """One published report: its figures and typical cases (public text only)."""
    from tousu.insights.reports import report_cases, report_for

    found = report_for(optional_user(request), slug)
    cases = [{k: v for k, v in c.items() if k != "id"} for c in report_cases(found)]
    return {**_report(found), "data": found.data, "cases": cases}
