"""Pages: surge alerts for platform moderators and regulators (within their scope)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from tousu.api.insights import alert_search_url
from tousu.common.errors import DomainError
from tousu.companies.models import Sector
from tousu.web.views.merchant import _user, console_view

from .models import AlertKind, AlertState, SeriesKind
from .selectors import alert_detail, alerts_visible
from .services import _series_complaints, _tz, alert_acknowledge
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
        .annotate(day=TruncDate("submitted_at", tzinfo=_tz()))
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
    return render(
        request,
        "insights/subscriptions.html",
        {
            "subscriptions": subs,
            "scope": scope,
            "sectors": [
                (v, label) for v, label in Sector.choices if not scope.sectors or v in scope.sectors
            ],
            "kinds": AlertKind.choices,
            "form": form,
        },
        status=status,
    )
