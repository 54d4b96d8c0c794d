"""Making, revoking and authenticating partner keys; counting their use against quotas."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from tousu.accounts.models import User, hash_token
from tousu.common.errors import (
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    RateLimited,
    ValidationFailed,
)

from .models import PartnerKey, PartnerUsage, Scope


def partner_key_create(
    *,
    name: str,
    organisation: str,
    contact_email: str,
    scopes: list[str] | None = None,
    per_minute: int = 300,
    daily_quota: int = 100_000,
    created_by: User | None = None,
) -> tuple[PartnerKey, str]:
    """Make a key; the raw secret is returned once and never stored."""
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not name or len(name) > 80:
        raise ValidationFailed(
            "请填写密钥名称（最多80个字）", code="invalid_name", details={"field": "name"}
        )
    if not organisation or len(organisation) > 120:
        raise ValidationFailed(
            "请填写机构名称（最多120个字）",
            code="invalid_organisation",
            details={"field": "organisation"},
        )
    scopes = sorted(set(scopes or [Scope.READ]))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationFailed(
            "未知的权限范围：" + "、".join(unknown),
            code="invalid_scope",
            details={"field": "scopes", "allowed": Scope.values},
        )
    if not (1 <= per_minute <= 100_000) or not (1 <= daily_quota <= 100_000_000):
        raise ValidationFailed(
            "请求上限或配额超出范围", code="invalid_quota", details={"field": "daily_quota"}
        )
    raw = PartnerKey.PREFIX + secrets.token_urlsafe(32)
    key = PartnerKey.objects.create(
        name=name,
        organisation=organisation,
        contact_email=contact_email,
        scopes=scopes,
        per_minute=per_minute,
        daily_quota=daily_quota,
        key_prefix=raw[:12],
        key_hash=hash_token(raw),
        created_by=created_by,
    )
    return key, raw


def partner_key_revoke(*, key_id: int) -> PartnerKey:
    updated = PartnerKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if not updated:
        raise NotFound("找不到该密钥或已撤销", code="partner_key_not_found")
    return PartnerKey.objects.get(pk=key_id)


def partner_key_authenticate(raw: str) -> PartnerKey:
    raw = (raw or "").strip()
    key = None
    if raw.startswith(PartnerKey.PREFIX):
        key = PartnerKey.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True).first()
    if key is None:
        raise NotAuthenticated("合作方密钥无效或已撤销", code="invalid_partner_key")
    now = timezone.now()
    stale = now - timedelta(minutes=1)
    if key.last_used_at is None or key.last_used_at <= stale:
        PartnerKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=key.pk
        ).update(last_used_at=now)
    return key


# what each scope opens: ``insights`` the hotspots, the data reports and the insight endpoints;
# ``read`` every other read of the API (complaints, companies, metrics, rankings, search…)
SCOPE_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (Scope.INSIGHTS, ("/api/v1/hotspots", "/api/v1/reports", "/api/v1/insights")),
)


def partner_scope_for(path: str) -> str:
    """The scope a keyed read of ``path`` needs."""
    for scope, prefixes in SCOPE_PATHS:
        if any(path == p or path.startswith(p + "/") for p in prefixes):
            return scope
    return Scope.READ


def partner_key_require_scope(*, key: PartnerKey, path: str) -> None:
    """Refuse (403 ``insufficient_scope``) a keyed read outside the key's scopes; checked
    before anything is counted, so a refusal uses none of the key's limit or quota."""
    required = partner_scope_for(path)
    if required not in (key.scopes or []):
        raise PermissionDenied(
            "此合作方密钥没有访问该接口的权限",
            code="insufficient_scope",
            details={"required": required, "granted": sorted(key.scopes or [])},
        )


@dataclass(frozen=True)
class QuotaState:
    used: int
    quota: int

    @property
    def remaining(self) -> int:
        return max(0, self.quota - self.used)


def partner_usage_count(*, key: PartnerKey) -> QuotaState:
    """Count one request of ``key`` today; raise ``RateLimited`` (and count the refusal) once
    the daily quota is spent. One UPDATE per request: exact across processes."""
    day = timezone.localdate()
    rows = PartnerUsage.objects.filter(key=key, day=day)
    if not rows.filter(requests__lt=key.daily_quota).update(requests=F("requests") + 1):
        try:
            with transaction.atomic():
                PartnerUsage.objects.create(key=key, day=day, requests=1)
                return QuotaState(1, key.daily_quota)
        except IntegrityError:  # the row exists: either quota spent, or a concurrent create
            if rows.filter(requests__lt=key.daily_quota).update(requests=F("requests") + 1):
                return QuotaState(rows.values_list("requests", flat=True)[0], key.daily_quota)
        rows.update(refused=F("refused") + 1)
        tomorrow = timezone.localtime().replace(hour=0, minute=0, second=0) + timedelta(days=1)
        raise RateLimited(
            "今日请求配额已用完，请明天再试或联系平台提高配额",
            code="quota_exceeded",
            details={
                "quota": key.daily_quota,
                "retry_after_seconds": int((tomorrow - timezone.localtime()).total_seconds()),
            },
        )
    return QuotaState(rows.values_list("requests", flat=True)[0], key.daily_quota)
