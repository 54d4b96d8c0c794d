"""Company services: resolving names typed by consumers, creating, verifying, memberships."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, ValidationFailed
from tousu.common.text import normalize_name
from tousu.common.validators import validate_uscc

from .models import Brand, Company, CompanyAlias, CompanyMembership, MemberRole, Sector


def company_find_by_name(name: str) -> tuple[Company, Brand | None] | None:
    """Find a company by name, alias or brand, ignoring spaces, width, case and script."""
    key = normalize_name(name)
    if not key:
        return None
    company = Company.objects.filter(name_key=key).first()
    if company:
        return company, None
    alias = CompanyAlias.objects.select_related("company").filter(alias_key=key).first()
    if alias:
        return alias.company, None
    brand = Brand.objects.select_related("company").filter(name_key=key).order_by("id").first()
    if brand:
        return brand.company, brand
    return None


def company_create(
    *,
    name: str,
    sector: str = Sector.OTHER,
    uscc: str | None = None,
    region_code: str | None = None,
    aliases: list[str] | None = None,
    brands: list[str] | None = None,
    is_confirmed: bool = True,
    created_by: User | None = None,
    website: str = "",
) -> Company:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationFailed(
            "请填写企业名称（最多120个字符）",
            code="invalid_company_name",
            details={"field": "company_name"},
        )
    if sector not in Sector.values:
        raise ValidationFailed("行业不在分类中", code="invalid_sector", details={"field": "sector"})
    code = validate_uscc(uscc) if uscc else None
    if company_find_by_name(name):
        raise ValidationFailed(
            "该企业已存在", code="company_exists", details={"field": "company_name"}
        )
    try:
        with transaction.atomic():
            company = Company.objects.create(
                name=name,
                name_key=normalize_name(name),
                uscc=code,
                sector=sector,
                region_id=region_code,
                is_confirmed=is_confirmed,
                created_by=created_by,
                website=website,
            )
            for alias in aliases or []:
                CompanyAlias.objects.create(
                    company=company, alias=alias, alias_key=normalize_name(alias)
                )
            for brand in brands or []:
                Brand.objects.create(company=company, name=brand, name_key=normalize_name(brand))
    except IntegrityError as exc:
        raise ValidationFailed(
            "企业名称、别名或统一社会信用代码与已有企业重复", code="company_duplicate"
        ) from exc
    return company


def company_resolve_or_create(*, name: str, user: User | None) -> tuple[Company, Brand | None]:
    """The company a consumer named: an existing one, or a new unconfirmed one for staff."""
    found = company_find_by_name(name)
    if found:
        return found
    try:
        return company_create(name=name, is_confirmed=False, created_by=user), None
    except ValidationFailed as exc:
        if exc.code == "company_duplicate":  # created concurrently by someone else
            found = company_find_by_name(name)
            if found:
                return found
        raise


def company_add_member(
    *, company: Company, user: User, role: str = MemberRole.AGENT
) -> CompanyMembership:
    if role not in MemberRole.values:
        raise ValidationFailed("成员角色无效", code="invalid_member_role")
    with transaction.atomic():
        membership, _ = CompanyMembership.objects.get_or_create(
            company=company, user=user, defaults={"role": role}
        )
        if user.role == Role.CONSUMER:
            user.role = Role.MERCHANT
            user.save(update_fields=["role"])
        # the company is reachable now: its unassigned complaints move to processing
        from tousu.complaints.services import complaints_assign_for_company

        complaints_assign_for_company(company=company)
    return membership


def company_verify(*, company_id: int, actor: User) -> Company:
    """Mark a company verified; its unassigned complaints move to processing."""
    from tousu.complaints.services import complaints_assign_for_company

    with transaction.atomic():
        company = Company.objects.select_for_update().filter(pk=company_id).first()
        if company is None:
            raise NotFound("找不到该企业", code="company_not_found")
        if not company.is_verified:
            company.is_verified = True
            company.is_confirmed = True
            company.verified_at = timezone.now()
            company.save(update_fields=["is_verified", "is_confirmed", "verified_at"])
        complaints_assign_for_company(company=company, actor=actor)
    return company


def company_is_reachable(company: Company) -> bool:
    """A company can receive complaints once a merchant account belongs to it."""
    return company.memberships.exists()
