"""Reads of partner keys and usage: staff only (moderators and site administrators)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import PermissionDenied

from .models import PartnerKey, PartnerUsage


def is_partner_staff(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (user.role == Role.MODERATOR or user.is_staff or user.is_superuser)
    )


def _require_staff(user: User | None) -> None:
    if not is_partner_staff(user):
        raise PermissionDenied("只有平台工作人员可以查看合作方密钥", code="staff_only")


@dataclass(frozen=True)
class KeyUsage:
    key: PartnerKey
    today: int
    refused_today: int
    last_7_days: int
    last_30_days: int


def partner_usage_overview(user: User | None) -> list[KeyUsage]:
    """Every key with its requests today, in 7 and in 30 days (one grouped query each)."""
    _require_staff(user)
    today = timezone.localdate()
    keys = list(PartnerKey.objects.all())

    def sums(since_days: int) -> dict[int, tuple[int, int]]:
        rows = (
            PartnerUsage.objects.filter(day__gt=today - timedelta(days=since_days))
            .values("key_id")
            .annotate(n=Sum("requests"), refused=Sum("refused"))
        )
        return {r["key_id"]: (r["n"] or 0, r["refused"] or 0) for r in rows}

    day, week, month = sums(1), sums(7), sums(30)
    return [
        KeyUsage(
            key=k,
            today=day.get(k.pk, (0, 0))[0],
            refused_today=day.get(k.pk, (0, 0))[1],
            last_7_days=week.get(k.pk, (0, 0))[0],
            last_30_days=month.get(k.pk, (0, 0))[0],
        )
        for k in keys
    ]


def partner_key_get(user: User | None, key_id: int) -> PartnerKey:
    _require_staff(user)
    from tousu.common.errors import NotFound

    key = PartnerKey.objects.filter(pk=key_id).first()
    if key is None:
        raise NotFound("找不到该密钥", code="partner_key_not_found")
    return key
