"""Company services: resolving names typed by consumers, creating, confirming, merging, members.

Names are compared by key (``normalize_name``): spaces, width, case, Traditional/Simplified
script and punctuation do not count, words do. A key belongs to at most one company name or
alias; brands are looked up after names and aliases.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.common.text import normalize_name
from tousu.common.validators import validate_uscc

from .models import (
    Brand,
    Company,
    CompanyAlias,
    CompanyMembership,
    CompanyMerge,
    MemberRole,
    Region,
    Sector,
)

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 120
# What consumers add to a company's name when they mean the company itself ("美团app",
# "拼多多平台", "京东客服"). Only used to find an existing company when the whole name matches
# nothing; never part of a stored key.
CONSUMER_NAME_SUFFIXES = ("官方app", "app", "客户端", "官方网站", "官网", "官方", "平台", "客服")


def _clean_display_name(raw: str, *, field: str, label: str) -> str:
    name = " ".join((raw or "").split())
    if not name or len(name) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            f"请填写{label}（最多{NAME_MAX_LENGTH}个字符）",
            code="invalid_company_name",
            details={"field": field},
        )
    return name


def _name_key(name: str, *, field: str, label: str) -> str:
    key = normalize_name(name)
    if not key:
        raise ValidationFailed(
            f"{label}只含有空格或标点，请填写完整名称",
            code="invalid_company_name",
            details={"field": field},
        )
    if len(key) > NAME_MAX_LENGTH:
        raise ValidationFailed(
            f"{label}过长（最多{NAME_MAX_LENGTH}个字符）",
            code="invalid_company_name",
            details={"field": field},
        )
    return key


def _find_by_key(key: str) -> tuple[Company, Brand | None] | None:
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


def company_find_by_name(name: str, *, loose: bool = True) -> tuple[Company, Brand | None] | None:
    """Find a company by name, alias or brand, ignoring spaces, width, case, script, punctuation.

    With ``loose`` (the default, for names consumers type) a name that matches nothing is tried
    once more without a trailing word like "app" or "平台" (``CONSUMER_NAME_SUFFIXES``).
    """
    key = normalize_name(name)
    if not key:
        return None
    found = _find_by_key(key)
    if found or not loose:
        return found
    for suffix in CONSUMER_NAME_SUFFIXES:
        # at least two characters must remain: "app" alone or "a平台" are no company's name
        if key.endswith(suffix) and len(key) - len(suffix) >= 2:
            found = _find_by_key(key[: -len(suffix)])
            if found:
                return found
    return None


def _describe_owner(found: tuple[Company, Brand | None]) -> str:
    company, brand = found
    return f"「{company.name}」的品牌" if brand else f"「{company.name}」"


def _check_new_key(key: str, *, field: str, label: str) -> None:
    """A new name or alias key must not already lead to a company."""
    found = _find_by_key(key)
    if found:
        raise ValidationFailed(
            f"{label}已属于{_describe_owner(found)}",
            code="company_exists",
            details={"field": field, "company_id": found[0].pk},
        )


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
    name = _clean_display_name(name, field="company_name", label="企业名称")
    key = _name_key(name, field="company_name", label="企业名称")
    if sector not in Sector.values:
        raise ValidationFailed("行业不在分类中", code="invalid_sector", details={"field": "sector"})
    code = validate_uscc(uscc) if uscc else None
    if code:
        holder = Company.objects.filter(uscc=code).first()
        if holder:
            raise ValidationFailed(
                f"该统一社会信用代码已登记为「{holder.name}」",
                code="uscc_exists",
                details={"field": "uscc", "company_id": holder.pk},
            )
    if region_code and not Region.objects.filter(code=region_code).exists():
        raise ValidationFailed(
            "行政区划代码无效", code="invalid_region", details={"field": "region_code"}
        )
    _check_new_key(key, field="company_name", label="企业名称")

    alias_rows: list[tuple[str, str]] = []
    taken = {key}
    for raw in aliases or []:
        alias = _clean_display_name(raw, field="aliases", label="企业别名")
        alias_key = _name_key(alias, field="aliases", label="企业别名")
        if alias_key in taken:  # the name itself or written twice: nothing to add
            continue
        _check_new_key(alias_key, field="aliases", label=f"别名「{alias}」")
        taken.add(alias_key)
        alias_rows.append((alias, alias_key))

    brand_rows: list[tuple[str, str]] = []
    brand_keys: set[str] = set()
    for raw in brands or []:
        brand = _clean_display_name(raw, field="brands", label="品牌名称")
        brand_key = _name_key(brand, field="brands", label="品牌名称")
        if brand_key in brand_keys:
            continue
        found = _find_by_key(brand_key)
        if found and found[1] is None:  # never found as a brand: that name or alias wins
            other = found[0]
            raise ValidationFailed(
                f"品牌「{brand}」与企业「{other.name}」同名",
                code="company_exists",
                details={"field": "brands", "company_id": other.pk},
            )
        brand_keys.add(brand_key)
        brand_rows.append((brand, brand_key))

    try:
        with transaction.atomic():
            company = Company.objects.create(
                name=name,
                name_key=key,
                uscc=code,
                sector=sector,
                region_id=region_code or None,
                is_confirmed=is_confirmed,
                created_by=created_by,
                website=website,
            )
            CompanyAlias.objects.bulk_create(
                [CompanyAlias(company=company, alias=a, alias_key=k) for a, k in alias_rows]
            )
            Brand.objects.bulk_create(
                [Brand(company=company, name=b, name_key=k) for b, k in brand_rows]
            )
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
        if exc.code in ("company_duplicate", "company_exists"):  # created concurrently
            found = company_find_by_name(name)
            if found:
                return found
        raise


def company_add_alias(*, company: Company, alias: str) -> CompanyAlias | None:
    """Add an alias; None when the alias already leads to this company."""
    alias = _clean_display_name(alias, field="alias", label="企业别名")
    key = _name_key(alias, field="alias", label="企业别名")
    found = _find_by_key(key)
    if found and found[0].pk == company.pk and found[1] is None:
        return None
    if found and found[1] is None:
        raise ValidationFailed(
            f"别名「{alias}」已属于{_describe_owner(found)}",
            code="company_exists",
            details={"field": "alias", "company_id": found[0].pk},
        )
    try:
        with transaction.atomic():
            return CompanyAlias.objects.create(company=company, alias=alias, alias_key=key)
    except IntegrityError as exc:
        raise ValidationFailed("别名与已有企业重复", code="company_duplicate") from exc


def _require_staff(actor: User) -> None:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有平台工作人员可以确认或合并企业", code="moderators_only")


def company_confirm(*, company_id: int, actor: User, merge_into_id: int | None = None) -> Company:
    """Staff: confirm a company a consumer typed in, or merge it into an existing company.

    Merging moves the complaints, brands and aliases to the target, adds the merged name as an
    alias of the target (so the same typed name finds the target from now on), records a
    ``CompanyMerge`` and deletes the duplicate. Returns the confirmed company or the target.
    """
    _require_staff(actor)
    if merge_into_id is None:
        with transaction.atomic():
            company = Company.objects.select_for_update().filter(pk=company_id).first()
            if company is None:
                raise NotFound("找不到该企业", code="company_not_found")
            if not company.is_confirmed:
                company.is_confirmed = True
                company.save(update_fields=["is_confirmed"])
        return company
    return _company_merge(source_id=company_id, target_id=merge_into_id, actor=actor)


def _company_merge(*, source_id: int, target_id: int, actor: User) -> Company:
    # complaints depend on companies; the import is local to keep the module graph one-way
    from tousu.complaints.models import Complaint
    from tousu.complaints.services import complaints_assign_for_company, content_hash_for

    if source_id == target_id:
        raise ValidationFailed(
            "不能把企业合并到它自己", code="merge_into_self", details={"field": "merge_into_id"}
        )
    with transaction.atomic():
        locked = {
            c.pk: c
            for c in Company.objects.select_for_update()
            .filter(pk__in=[source_id, target_id])
            .order_by("pk")
        }
        source, target = locked.get(source_id), locked.get(target_id)
        if source is None:
            raise NotFound("找不到该企业", code="company_not_found")
        if target is None:
            raise NotFound(
                "找不到要合并到的企业",
                code="merge_target_not_found",
                details={"field": "merge_into_id"},
            )
        if source.is_verified or source.memberships.exists():
            raise Conflict(
                "该企业已认证或已有商家账号，不能合并到其他企业", code="company_has_members"
            )

        # brands: same brand on both sides → the target's; otherwise the brand moves
        target_brands = {b.name_key: b for b in target.brands.all()}
        for brand in list(source.brands.all()):
            same = target_brands.get(brand.name_key)
            if same is not None:
                Complaint.objects.filter(brand=brand).update(brand=same)
                brand.delete()
            else:
                brand.company = target
                brand.save(update_fields=["company"])

        moved = []
        now = timezone.now()
        for complaint in Complaint.objects.filter(company=source).only("pk", "title", "details"):
            complaint.company = target
            complaint.content_hash = content_hash_for(target.pk, complaint.title, complaint.details)
            complaint.updated_at = now
            moved.append(complaint)
        Complaint.objects.bulk_update(
            moved, ["company", "content_hash", "updated_at"], batch_size=500
        )

        CompanyAlias.objects.filter(company=source, alias_key=target.name_key).delete()
        source.aliases.update(company=target)
        if source.name_key != target.name_key:
            CompanyAlias.objects.update_or_create(
                alias_key=source.name_key, defaults={"company": target, "alias": source.name}
            )
        CompanyMerge.objects.filter(target=source).update(target=target)
        CompanyMerge.objects.create(
            source_id=source.pk,
            source_name=source.name,
            target=target,
            actor=actor,
            complaints_moved=len(moved),
        )

        # fill what the target lacks
        fill: dict[str, object] = {}
        if source.uscc and not target.uscc:
            fill["uscc"] = source.uscc
        if source.region_id and not target.region_id:
            fill["region_id"] = source.region_id
        if source.website and not target.website:
            fill["website"] = source.website
        if source.sector != Sector.OTHER and target.sector == Sector.OTHER:
            fill["sector"] = source.sector
        source.delete()
        if fill:
            for field, value in fill.items():
                setattr(target, field, value)
            target.save(update_fields=[f.removesuffix("_id") for f in fill])
        logger.info(
            "company %s (%s) merged into %s by user %s; %d complaints moved",
            source_id,
            source.name,
            target.pk,
            actor.pk,
            len(moved),
        )
        complaints_assign_for_company(company=target, actor=actor)
    return target


def company_merged_into(company_id: int) -> int | None:
    """The id a merged company's complaints and name went to, or None if it was not merged."""
    merge = CompanyMerge.objects.filter(source_id=company_id).order_by("-id").first()
    return merge.target_id if merge else None


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
