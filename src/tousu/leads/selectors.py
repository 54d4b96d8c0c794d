"""Reads of leads (authorised accounts only, every list, view and export audited) and the public
"has this been reported" lookup (counts and scam types only)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, QuerySet

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, PermissionDenied, ValidationFailed
from tousu.common.ratelimit import hit

from .models import Indicator, IndicatorKind, Lead, LeadComplaint, LeadEvent, LeadKind
from .rules import NORMALIZERS


def lead_kinds_for(user: User | None) -> list[str]:
    """The lead kinds the user may see: platform moderators prepare both; a regulator sees
    the kinds staff granted to the account."""
    if user is None or not user.is_authenticated:
        return []
    if user.role == Role.MODERATOR:
        return [LeadKind.DEFECT, LeadKind.POLICE]
    if user.role == Role.REGULATOR:
        grant = getattr(user, "lead_grant", None)
        if grant is None:
            return []
        return [
            k for k, ok in ((LeadKind.DEFECT, grant.defect), (LeadKind.POLICE, grant.police)) if ok
        ]
    return []


def require_lead_access(user: User | None, kind: str) -> None:
    if kind not in lead_kinds_for(user):
        raise PermissionDenied("当前账号没有查看此类线索的授权", code="lead_access_denied")


def leads_list(user: User, kind: str, status: str = "") -> QuerySet[Lead]:
    require_lead_access(user, kind)
    queryset = Lead.objects.filter(kind=kind).select_related("company")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-complaint_count", "-last_seen_at", "id")


def leads_list_audit(
    user: User, kind: str, status: str, shown: Iterable[Lead], *, via: str, page: int = 1
) -> LeadEvent:
    """Record one listing of leads (who, when, which filters, which leads were on screen): a
    list shows titles, identifiers (phone numbers, domains) and counts, so it is a view too.
    One record per request; call it after ``leads_list`` allowed the request."""
    return LeadEvent.objects.create(
        lead=None,
        kind=kind,
        actor=user,
        action="listed",
        meta={"status": status, "via": via, "page": page, "leads": [lead.pk for lead in shown]},
    )


@dataclass(frozen=True)
class LeadDetail:
    lead: Lead
    items: list[LeadComplaint]
    events: list[LeadEvent]


def lead_detail(user: User, lead_id: int) -> LeadDetail:
    """One lead with its complaints and audit trail; the view itself is audited."""
    lead = Lead.objects.select_related("company").filter(pk=lead_id).first()
    if lead is None:
        raise NotFound("找不到该线索", code="lead_not_found")
    require_lead_access(user, lead.kind)
    LeadEvent.objects.create(lead=lead, kind=lead.kind, actor=user, action="viewed")
    items = list(lead.items.select_related("complaint").order_by("-complaint__submitted_at")[:500])
    events = list(lead.events.select_related("actor").order_by("-created_at")[:200])
    return LeadDetail(lead, items, events)


@dataclass(frozen=True)
class LookupResult:
    kind: str
    value: str
    reports: int
    scam_types: dict[str, int]
    first_reported: datetime | None
    last_reported: datetime | None


# the public lookup's limit per caller address, shared by the page and the API (one budget)
LOOKUPS_PER_MINUTE = 20


def fraud_lookup_throttle(address: str) -> None:
    """Count one lookup from ``address``; the 21st within a minute raises ``RateLimited``."""
    hit(f"fraud-lookup:{address}", limit=LOOKUPS_PER_MINUTE, window=60)


def fraud_lookup(kind: str, raw: str) -> LookupResult:
    """How often a phone number, web address, app or account was reported, and as what.
    Counts and scam types only: no names, stories, amounts or reporters."""
    if kind not in IndicatorKind.values:
        raise ValidationFailed(
            "请选择查询类型",
            code="invalid_kind",
            details={"field": "kind", "allowed": IndicatorKind.values},
        )
    value = NORMALIZERS[kind](raw)
    if len(value) < 3 or len(value) > 200:
        raise ValidationFailed(
            "请输入完整的号码、网址或名称", code="invalid_value", details={"field": "value"}
        )
    rows = Indicator.objects.filter(kind=kind, value=value)
    by_type = dict(
        rows.values_list("scam_type")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("scam_type", "n")
    )
    span = rows.aggregate(first=Min("created_at"), last=Max("created_at"))
    return LookupResult(
        kind=kind,
        value=value,
        reports=sum(by_type.values()),
        scam_types={k: v for k, v in by_type.items() if k},
        first_reported=span["first"],
        last_reported=span["last"],
    )
