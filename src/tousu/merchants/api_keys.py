"""Company API keys: created and revoked by a company's owners, scoped (read, reply), hashed,
rate limited per key. ``api_key_authenticate`` is what the API's key authentication calls;
``complaint_for_key`` is the permission-checked fetch every key request goes through.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common import ratelimit
from tousu.common.errors import NotAuthenticated, NotFound, PermissionDenied, ValidationFailed
from tousu.companies.models import Company, CompanyMembership, MemberRole
from tousu.complaints.models import Complaint
from tousu.complaints.selectors import merchant_complaint, merchant_inbox

from .models import ApiKeyAction, ApiScope, CompanyApiKey

logger = logging.getLogger(__name__)

OWNERS_ONLY = "只有企业管理员可以管理 API 密钥"
MAX_ACTIVE_KEYS = 20


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def owned_company(actor: User, company_id: int) -> Company:
    company = Company.objects.filter(pk=company_id).first()
    if company is None:
        raise NotFound("找不到该企业", code="company_not_found")
    if (
        actor.role != Role.MERCHANT
        or not CompanyMembership.objects.filter(
            company=company, user=actor, role=MemberRole.OWNER
        ).exists()
    ):
        raise PermissionDenied(OWNERS_ONLY, code="owners_only")
    return company


def _clean_scopes(scopes: list[str]) -> list[str]:
    chosen = [s for s in ApiScope.values if s in set(scopes or [])]
    unknown = sorted(set(scopes or []) - set(ApiScope.values))
    if unknown or not chosen:
        raise ValidationFailed(
            "请至少选择一个权限范围（read 读取，reply 回复）",
            code="invalid_scopes",
            details={"field": "scopes", "allowed": ApiScope.values, "invalid": unknown},
        )
    return chosen


def api_keys_of_company(actor: User, company_id: int) -> QuerySet[CompanyApiKey]:
    """All keys of the company, newest first (owners only)."""
    owned_company(actor, company_id)
    return CompanyApiKey.objects.filter(company_id=company_id).select_related(
        "created_by", "revoked_by"
    )


def api_key_create(
    *, actor: User, company_id: int, name: str, scopes: list[str]
) -> tuple[CompanyApiKey, str]:
    """A new key; the secret is returned once and only its hash is stored."""
    name = " ".join((name or "").split())
    if not name or len(name) > 60:
        raise ValidationFailed(
            "请为密钥起一个名字（最多60个字符）", code="invalid_key_name", details={"field": "name"}
        )
    chosen = _clean_scopes(scopes)
    raw = CompanyApiKey.PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        company = owned_company(actor, company_id)
        Company.objects.select_for_update().filter(pk=company.pk).first()
        active = CompanyApiKey.objects.filter(company=company, revoked_at__isnull=True).count()
        if active >= MAX_ACTIVE_KEYS:
            raise ValidationFailed(
                f"每个企业最多{MAX_ACTIVE_KEYS}个有效密钥，请先撤销不用的密钥",
                code="too_many_keys",
            )
        key = CompanyApiKey.objects.create(
            company=company,
            name=name,
            scopes=chosen,
            key_prefix=raw[:12],
            key_hash=hash_key(raw),
            created_by=actor,
        )
    logger.info("API key %s of company %s created by %s", key.pk, company_id, actor.pk)
    return key, raw


def api_key_revoke(*, actor: User, key_id: int) -> CompanyApiKey:
    key = CompanyApiKey.objects.filter(pk=key_id).first()
    if key is None:
        raise NotFound("找不到该密钥", code="api_key_not_found")
    owned_company(actor, key.company_id)
    updated = CompanyApiKey.objects.filter(pk=key_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_by=actor
    )
    key.refresh_from_db()
    if updated:
        logger.info("API key %s revoked by %s", key_id, actor.pk)
    return key


# --- authentication -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeyPrincipal:
    """Who calls with a company key: the key, its company and scopes, the acting person."""

    key: CompanyApiKey
    user: User  # the owner who created the key; writes are recorded as theirs

    @property
    def company_id(self) -> int:
        return self.key.company_id

    @property
    def scopes(self) -> list[str]:
        return list(self.key.scopes)

    def has_scope(self, scope: str) -> bool:
        return scope in self.key.scopes


INVALID = "API 密钥无效或已撤销"


def api_key_authenticate(raw: str) -> KeyPrincipal:
    """The principal of an active key (401 otherwise), counted against the key's rate limit."""
    raw = (raw or "").strip()
    key = None
    if raw.startswith(CompanyApiKey.PREFIX):
        key = (
            CompanyApiKey.objects.select_related("created_by")
            .filter(key_hash=hash_key(raw), revoked_at__isnull=True)
            .first()
        )
    if key is None:
        raise NotAuthenticated(INVALID, code="invalid_api_key")
    user = key.created_by
    if (
        user is None
        or not user.is_active
        or user.role != Role.MERCHANT
        or not CompanyMembership.objects.filter(company_id=key.company_id, user=user).exists()
    ):
        raise NotAuthenticated(
            "创建该密钥的管理员已不是企业成员，密钥已失效：请由现任管理员重新创建",
            code="api_key_owner_left",
        )
    conf = settings.TOUSU
    ratelimit.hit(
        f"company-key:{key.pk}",
        limit=int(conf["COMPANY_API_KEY_RATE_LIMIT"]),
        window=int(conf["COMPANY_API_KEY_RATE_WINDOW_SECONDS"]),
    )
    now = timezone.now()
    # last-used is written at most once a minute so that reads do not turn into writes
    stale = now - timedelta(minutes=1)
    if key.last_used_at is None or key.last_used_at <= stale:
        CompanyApiKey.objects.filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lte=stale), pk=key.pk
        ).update(last_used_at=now)
    return KeyPrincipal(key=key, user=user)


def require_scope(principal: KeyPrincipal, scope: str) -> None:
    if not principal.has_scope(scope):
        raise PermissionDenied(
            f"该 API 密钥没有「{scope}」权限",
            code="insufficient_scope",
            details={"required": scope, "granted": principal.scopes},
        )


# --- permission-checked reads for key requests ------------------------------------------------


def complaints_for_key(
    principal: KeyPrincipal,
    *,
    company_id: int | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[Complaint]:
    """The inbox of the key's company only (even when its creator belongs to others too)."""
    require_scope(principal, ApiScope.READ)
    if company_id is not None and company_id != principal.company_id:
        raise PermissionDenied("该 API 密钥不属于此企业", code="not_this_company")
    return merchant_inbox(
        principal.user,
        company_id=principal.company_id,
        status=status,
        overdue=overdue,
        since=since,
        until=until,
    )


def complaint_for_key(principal: KeyPrincipal, public_number: str, *, scope: str) -> Complaint:
    """A complaint of the key's company past review; 404 for any other (another company's
    complaint is not even confirmed to exist)."""
    require_scope(principal, scope)
    complaint = merchant_complaint(principal.user, public_number)
    if complaint.company_id != principal.company_id:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def api_key_record_action(*, principal: KeyPrincipal, complaint: Complaint, action: str) -> None:
    ApiKeyAction.objects.create(key=principal.key, complaint=complaint, action=action)
