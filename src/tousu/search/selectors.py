"""Who may search what (the permission rule of search lives here)."""

from __future__ import annotations

from tousu.accounts.models import Role, User
from tousu.common.errors import NotAuthenticated, PermissionDenied, ValidationFailed
from tousu.complaints.selectors import merchant_company_ids
from tousu.merchants.api_keys import KeyPrincipal, require_scope
from tousu.merchants.models import ApiScope

from .engine import PUBLIC, Scope

SCOPES = ("public", "inbox")


def is_staff(user: User | None) -> bool:
    return user is not None and (user.is_superuser or user.role == Role.MODERATOR)


def search_scope(user: User | None, scope: str, *, key: KeyPrincipal | None = None) -> Scope:
    """``public``: public complaints, for everyone. ``inbox``: a merchant's own companies'
    complaints, private ones included (not those still in review); staff: everything. A
    company API key (scope ``read``) searches the inbox of its own company only, even when the
    owner who created it belongs to other companies too."""
    scope = scope or "public"
    if scope not in SCOPES:
        raise ValidationFailed("未知的搜索范围", code="invalid_scope", details={"field": "scope"})
    if scope == "public":
        return PUBLIC
    if key is not None:
        require_scope(key, ApiScope.READ)
        # api_key_authenticate already refused keys whose creator left the company
        return Scope(public_only=False, company_ids=[key.company_id], private_fields=True)
    if user is None:
        raise NotAuthenticated()
    if is_staff(user):
        return Scope(public_only=False, private_fields=True)
    if user.role != Role.MERCHANT:
        raise PermissionDenied("只有商家和平台工作人员可以搜索非公开投诉", code="inbox_only")
    return Scope(public_only=False, company_ids=merchant_company_ids(user), private_fields=True)
