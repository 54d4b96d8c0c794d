"""Staff view of partner keys and their usage."""

from datetime import datetime

from django.http import HttpRequest
from ninja import Schema

from tousu.partners.selectors import partner_usage_overview

from .core import AUTH, current_user, router
from .schemas import ErrorOut


class PartnerUsageOut(Schema):
    id: int
    organisation: str
    name: str
    key_prefix: str
    scopes: list[str]
    per_minute: int
    daily_quota: int
    active: bool
    last_used_at: datetime | None
    today: int
    refused_today: int
    last_7_days: int
    last_30_days: int


@router.get(
    "/staff/partners",
    response={200: list[PartnerUsageOut], 401: ErrorOut, 403: ErrorOut},
    tags=["staff"],
    auth=AUTH,
)
def partner_usage(request: HttpRequest) -> list[dict[str, object]]:
    """Partner keys with their requests today and in the last 7 and 30 days (staff only)."""
    return [
        {
            "id": u.key.pk,
            "organisation": u.key.organisation,
            "name": u.key.name,
            "key_prefix": u.key.key_prefix,
            "scopes": u.key.scopes,
            "per_minute": u.key.per_minute,
            "daily_quota": u.key.daily_quota,
            "active": u.key.is_active,
            "last_used_at": u.key.last_used_at,
            "today": u.today,
            "refused_today": u.refused_today,
            "last_7_days": u.last_7_days,
            "last_30_days": u.last_30_days,
        }
        for u in partner_usage_overview(current_user(request))
    ]
