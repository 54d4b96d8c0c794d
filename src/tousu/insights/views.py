"""Pages: surge alerts for platform moderators and regulators (within their scope)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tousu.accounts.models import Role, User
from tousu.api.insights import alert_search_url
from tousu.common.errors import DomainError
from tousu.companies.models import Sector
from tousu.web.views.merchant import _user, console_view

from .models import AlertKind, AlertState, SeriesKind
from .selectors import alert_detail, alerts_visible
from .services import _series_complaints, alert_acknowledge, local_day
from .warnings import note_add, subscription_create, subscription_delete, subscriptions_of


@console_view
@require_safe
def surges(request: HttpRequest) -> HttpResponse:
    qs = alerts_visible(_user(request))  # 403 for other roles
    kind = request.GET.get("kind", "")
    series_kind = request.GET.get("series", "")
    state = request.GET.get("state", "")
    if kind in AlertKind.values:
        qs = qs.filter(kind=kind)
    if series_kind in SeriesKind.values:
        qs = qs.filter(series_kind=series_kind)
    if state in AlertState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "insights/surges.html",
        {
            "page_obj": page,
            "kinds": AlertKind.choices,
            "series_kinds": SeriesKind.choices,
            "states": AlertState.choices,
            "kind": kind,
            "series_kind": series_kind,
            "state": state,
        },
    )


@console_view
@require_http_methods(["GET", "POST"])
def surge_detail(request: HttpRequest, alert_id: int) -> HttpResponse:
    user = _user(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "note":
                note_add(user=user, alert_id=alert_id, text=request.POST.get("text", ""))
                messages.success(request, _("备注已添加。"))
            else:
                alert_acknowledge(user=user, alert_id=alert_id)
                messages.success(request, _("已确认该预警。"))
        except DomainError as exc:
            if exc.status_code in (403, 404):
                raise
            messages.error(request, exc.message)
        return redirect("insights:surge_detail", alert_id=alert_id)
    alert = alert_detail(user, alert_id)
    first = alert.first_day - timedelta(days=28)
    rows = (
        _series_complaints(alert.series_kind, alert.series_key, first, alert.last_day)
        .annotate(day=local_day())
        .values("day")
        .annotate(n=Count("id"))
        .order_by("day")
    )
    by_day = {r["day"]: r["n"] for r in rows} if alert.series_kind != SeriesKind.PROBLEM else {}
    days = []
    peak = max(by_day.values(), default=1)
    d = first
    while d <= alert.last_day:
        n = by_day.get(d, 0)
        days.append(
            {"day": d, "n": n, "width": round(100 * n / peak), "in_surge": d >= alert.first_day}
        )
        d += timedelta(days=1)
    return render(
        request,
        "insights/surge_detail.html",
        {
            "alert": alert,
            "days": days,
            "regions": alert.regions.order_by("-complaints", "code")[:20],
            "notes": alert.notes.select_related("author"),
            "search_url": alert_search_url(alert),
        },
    )


@console_view
@require_http_methods(["GET", "POST"])
def subscriptions(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    subs = subscriptions_of(user)  # 403 unless a regulator with a scope
    form: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "delete":
                subscription_delete(
                    user=user, subscription_id=int(request.POST.get("id", "0") or 0)
                )
                messages.success(request, _("订阅已删除。"))
            else:
                form = {k: request.POST.get(k, "") for k in ("name", "regions", "webhook_url")}
                sub = subscription_create(
                    user=user,
                    name=form["name"],
                    region_codes=form["regions"].replace("，", ",").split(","),
                    sectors=request.POST.getlist("sectors"),
                    kinds=request.POST.getlist("kinds"),
                    by_email=bool(request.POST.get("by_email")),
                    webhook_url=form["webhook_url"],
                )
                if sub.webhook_secret:
                    messages.success(
                        request,
                        _("订阅已创建。Webhook 签名密钥（只显示这一次）：%(secret)s")
                        % {"secret": sub.webhook_secret},
                    )
                else:
                    messages.success(request, _("订阅已创建。"))
            return redirect("insights:subscriptions")
        except DomainError as exc:
            if exc.status_code == 404:
                raise
            messages.error(request, exc.message)
            status = 400
    scope = user.regulator_scope
    sector_names, kind_names = dict(Sector.choices), dict(AlertKind.choices)
    return render(
        request,
        "insights/subscriptions.html",
        {
            # codes shown by their Chinese names
            "subscriptions": [
                {
                    "sub": sub,
                    "sectors": [str(sector_names.get(s, s)) for s in sub.sectors],
                    "kinds": [str(kind_names.get(k, k)) for k in sub.kinds],
                }
                for sub in subs
            ],
            "scope": scope,
            # after a refused POST the form shows what was typed and ticked, not the defaults
            "regions_value": form.get("regions") or ",".join(scope.region_codes),
            "chosen_sectors": request.POST.getlist("sectors") if form else [],
            "chosen_kinds": request.POST.getlist("kinds") if form else [],
            "sectors": [
                (v, label) for v, label in Sector.choices if not scope.sectors or v in scope.sectors
            ],
            "kinds": AlertKind.choices,
            "form": form,
        },
        status=status,
    )


@require_safe
def hotspots(request: HttpRequest) -> HttpResponse:
    """消费热点 (public): the latest week or the one asked for."""
    from datetime import date as _date

    from .hotspots import hotspot_weeks
    from .models import Hotspot, HotspotScope

    weeks = hotspot_weeks()
    week = weeks[0] if weeks else None
    raw = request.GET.get("week", "")
    if raw:
        try:
            week = _date.fromisoformat(raw)
        except ValueError:
            week = None
    rows = list(Hotspot.objects.filter(week_start=week)) if week else []
    return render(
        request,
        "insights/hotspots.html",
        {
            "week": week,
            "weeks": weeks,
            "national": next((h for h in rows if h.scope_kind == HotspotScope.ALL), None),
            "sectors": [h for h in rows if h.scope_kind == HotspotScope.SECTOR and h.terms],
            "regions": [h for h in rows if h.scope_kind == HotspotScope.REGION and h.terms],
        },
        status=200 if rows or not raw else 404,
    )


def _viewer(request: HttpRequest) -> User | None:
    return _user(request) if request.user.is_authenticated else None


def _is_staff(request: HttpRequest) -> bool:
    return request.user.is_authenticated and _user(request).role == Role.MODERATOR


@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """Published reports for everyone; staff also see drafts and can draft a period."""
    from .models import DataReport
    from .reports import period_from_slug, report_generate

    staff = _is_staff(request)
    if request.method == "POST":
        if not staff:
            raise DjangoPermissionDenied(_("只有平台工作人员可以生成报告"))
        try:
            report = report_generate(period_from_slug(request.POST.get("period", "")))
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect("insights:reports")
        return redirect("insights:report_detail", slug=report.slug)
    qs = DataReport.objects.all()
    if not staff:
        qs = qs.exclude(published_at=None)
    return render(request, "insights/reports.html", {"reports": qs[:60], "staff": staff})


@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    from .reports import (
        report_case_add,
        report_case_remove,
        report_cases,
        report_for,
        report_publish,
    )

    if request.method == "POST":
        if not _is_staff(request):
            raise DjangoPermissionDenied(_("只有平台工作人员可以编辑数据报告"))
        user = _user(request)
        action = request.POST.get("action", "")
        try:
            if action == "add_case":
                report_case_add(
                    user=user,
                    slug=slug,
                    public_number=request.POST.get("public_number", ""),
                    note=request.POST.get("note", ""),
                )
            elif action == "remove_case":
                report_case_remove(
                    user=user, slug=slug, case_id=int(request.POST.get("case", "0") or 0)
                )
            elif action == "publish":
                report_publish(user=user, slug=slug)
                messages.success(request, _("报告已发布。"))
        except DomainError as exc:
            if exc.status_code == 404:
                raise Http404(exc.message) from exc
            messages.error(request, exc.message)
        return redirect("insights:report_detail", slug=slug)
    try:
        report = report_for(_viewer(request), slug)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    data = report.data
    for key in ("by_sector", "by_region", "by_problem"):
        rows = data.get(key, [])
        peak = max((r["complaints"] for r in rows), default=1) or 1
        for r in rows:
            r["width"] = round(100 * r["complaints"] / peak)
    return render(
        request,
        "insights/report.html",
        {
            "report": report,
            "d": data,
            "cases": report_cases(report),
            "staff": _is_staff(request),
        },
    )


@require_safe
def report_pdf_view(request: HttpRequest, slug: str) -> HttpResponse:
    from .reports import report_for, report_pdf

    try:
        report = report_for(_viewer(request), slug)
    except DomainError as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tousu-report-{report.slug}.pdf"'
    return response
