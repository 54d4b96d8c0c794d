"""Company services: resolving names typed by consumers, creating, confirming, merging, members.

Names are compared by key (``normalize_name``): spaces, width, case, Traditional/Simplified
script and punctuation do not count, words do. A key belongs to at most one company name or
alias; brands are looked up after names and aliases.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.dispatch import Signal
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.common.text import normalize_name, site_text
from tousu.common.validators import validate_uscc

from .models import (
    Brand,
    Company,
    CompanyAlias,
    CompanyInvitation,
    CompanyMembership,
    CompanyMerge,
    InvitationState,
    MemberRole,
    Region,
    Sector,
)

logger = logging.getLogger(__name__)

# sent with ``companies=[…]`` after new companies were inserted in bulk, in the inserting
# transaction (``bulk_create`` sends no ``post_save``); receivers do what their ``post_save``
# receiver does for a new company without aliases or brands
companies_created = Signal()

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


def _first_by_key(rows: Any) -> dict[str, Any]:
    """key → the row of smallest id among ``(key, id, …)`` rows (what ``.first()`` by id picks)."""
    out: dict[str, Any] = {}
    for row in sorted(rows, key=lambda r: r[1]):
        out.setdefault(row[0], row)
    return out


def _lookup_keys(key: str) -> list[str]:
    """The keys ``company_find_by_name`` tries for a name of key ``key``, in its order."""
    return [key] + [
        key[: -len(suffix)]
        for suffix in CONSUMER_NAME_SUFFIXES
        # at least two characters must remain (as in ``company_find_by_name``)
        if key.endswith(suffix) and len(key) - len(suffix) >= 2
    ]


def company_find_by_names(
    names: Iterable[str], *, loose: bool = True
) -> dict[str, tuple[Company, Brand | None] | None]:
    """``company_find_by_name`` for many names at once, with the same answer for each name
    against the same database state: the keys of all names (and, with ``loose``, the keys
    without a trailing ``CONSUMER_NAME_SUFFIXES`` word) looked up with one ``IN`` query per
    table (names, aliases, brands) instead of up to three queries per key."""
    names = list(dict.fromkeys(names))
    tried: dict[str, list[str]] = {}
    for name in names:
        key = normalize_name(name)
        tried[name] = [] if not key else _lookup_keys(key) if loose else [key]
    wanted = {k for keys in tried.values() for k in keys}
    found: dict[str, tuple[int, int | None]] = {}  # key → (company id, brand id)
    if wanted:
        by_name = _first_by_key(
            Company.objects.filter(name_key__in=wanted).values_list("name_key", "id")
        )
        by_alias = _first_by_key(
            CompanyAlias.objects.filter(alias_key__in=wanted).values_list(
                "alias_key", "id", "company_id"
            )
        )
        by_brand = _first_by_key(
            Brand.objects.filter(name_key__in=wanted).values_list("name_key", "id", "company_id")
        )
        for key in wanted:  # the order of ``_find_by_key``: name, alias, brand
            if key in by_name:
                found[key] = (by_name[key][1], None)
            elif key in by_alias:
                found[key] = (by_alias[key][2], None)
            elif key in by_brand:
                found[key] = (by_brand[key][2], by_brand[key][1])
    companies = Company.objects.in_bulk({c for c, _ in found.values()})
    brands = Brand.objects.in_bulk({b for _, b in found.values() if b is not None})
    out: dict[str, tuple[Company, Brand | None] | None] = {}
    for name in names:
        hit = next((found[k] for k in tried[name] if k in found), None)
        out[name] = (
            None
            if hit is None
            else (companies[hit[0]], brands[hit[1]] if hit[1] is not None else None)
        )
    return out


def companies_create_unconfirmed(
    names: Iterable[str], *, sector: str, created_by: User | None
) -> dict[str, Company]:
    """New unconfirmed companies (importers): what ``company_create(name=…, sector=…,
    is_confirmed=False, created_by=…)`` would create for each name, in one insert. The caller
    has just found that no name leads to a company (``company_find_by_names``, same
    transaction); names that ``company_create`` would refuse (empty, too long, a key another
    name of this call takes first) are left out for the caller's one-by-one path, which reports
    them as it always did. The ``post_save`` work of the search app (the segmenter's
    dictionary, the suggestion keys of a company without aliases or brands, volume 0) is done
    for all of them at once (``companies_created``). A concurrent writer's name raises
    ``IntegrityError`` (the unique key): the caller's transaction rolls back and it falls back
    to ``company_create``."""
    if sector not in Sector.values:
        return {}
    rows: dict[str, tuple[str, str]] = {}
    keys: set[str] = set()
    for raw in dict.fromkeys(names):
        try:
            name = _clean_display_name(raw, field="company_name", label="企业名称")
            key = _name_key(name, field="company_name", label="企业名称")
        except ValidationFailed:
            continue
        # a name that ``company_find_by_name`` would find as one created before it here (the
        # same key, or the key without a trailing "app"/"客服"…): left to the caller, who finds it
        if any(k in keys for k in _lookup_keys(key)):
            continue
        keys.add(key)
        rows[raw] = (name, key)
    if not rows:
        return {}
    created = Company.objects.bulk_create(
        [
            Company(
                name=name, name_key=key, sector=sector, is_confirmed=False, created_by=created_by
            )
            for name, key in rows.values()
        ]
    )
    # ``bulk_create`` sends no ``post_save``: its receivers get the whole list instead
    companies_created.send(sender=Company, companies=created)
    return dict(zip(rows, created, strict=True))


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


def company_brand_get_or_create(*, company: Company, name: str) -> Brand:
    """The company's brand (or product line) called ``name``, created if it has none by that key.

    Used by importers (a car model of a manufacturer). Brands are looked up after company names
    and aliases, so a brand never takes a name away from another company.
    """
    name = _clean_display_name(name, field="brand", label="品牌名称")
    key = _name_key(name, field="brand", label="品牌名称")
    brand = Brand.objects.filter(company=company, name_key=key).first()
    if brand is not None:
        return brand
    try:
        with transaction.atomic():
            return Brand.objects.create(company=company, name=name, name_key=key)
    except IntegrityError:  # created concurrently
        return Brand.objects.get(company=company, name_key=key)


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
        rebranded: list[int] = []
        for brand in list(source.brands.all()):
            same = target_brands.get(brand.name_key)
            if same is not None:
                rebranded += Complaint.objects.filter(brand=brand).values_list("pk", flat=True)
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
        # read models keyed by company or brand (metric counters) follow the moved complaints
        from tousu.complaints.hooks import dispatch_bulk

        dispatch_bulk(sorted({c.pk for c in moved} | set(rebranded)))

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
        from tousu.pagecache import cache as page_cache

        # bulk updates send no signals: the target's profile and figures change with the move
        page_cache.bump(
            page_cache.company_key(source_id),
            page_cache.figures_key(source_id),
            page_cache.company_key(target.pk),
            page_cache.figures_key(target.pk),
            page_cache.LISTS,
        )
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


# --- the team of a company (merchant console /merchant/team/) ---------------------------------
#
# Any member sees the team; only owners (管理员) invite, remove and change roles, and a company
# always keeps at least one owner. Every change locks the company row first, so two owners
# demoting each other at the same moment cannot leave the company without one.
#
# Invitations: an owner invites a phone number or e-mail address.
# - An existing *merchant* account is added to the team at once (it already is merchant staff).
# - Anyone else (an existing consumer account, or a person without an account) gets a pending
#   ``CompanyInvitation``. It becomes a membership only when the invitee, logged in with that
#   phone or e-mail *verified* (log-in with a one-time code verifies it), accepts it at
#   /merchant/invitations/ (``company_invitation_accept``). Joining turns a consumer account into
#   a merchant account, which can no longer file complaints; a company must not be able to do
#   that to a consumer who complains about it by inviting their phone number, so it is never
#   automatic. ``company_invitations_pending(user)`` is the check the log-in page may call to
#   send a freshly logged-in invitee to that page; the merchant console does so too.
# - No SMS or e-mail is sent to the invited address (the platform does not let companies message
#   arbitrary numbers); an existing account gets an in-site notification, and the owner tells a
#   new colleague to sign up with that phone or e-mail.

OWNERS_ONLY = "只有企业管理员可以管理团队成员"


@dataclass(frozen=True)
class Team:
    company: Company
    my_role: str
    members: list[CompanyMembership]
    invitations: list[CompanyInvitation]  # pending ones; only owners see them

    @property
    def can_manage(self) -> bool:
        return self.my_role == MemberRole.OWNER


@dataclass(frozen=True)
class InviteOutcome:
    membership: CompanyMembership | None = None  # an existing merchant account was added
    invitation: CompanyInvitation | None = None  # otherwise: waiting for the invitee


def merchant_memberships(user: User) -> QuerySet[CompanyMembership]:
    """The user's memberships with their companies, by company name (empty for non-members)."""
    return (
        CompanyMembership.objects.filter(user=user)
        .select_related("company")
        .order_by("company__name", "company_id")
    )


def company_team(*, actor: User, company_id: int) -> Team:
    """The members of a company the actor belongs to (403 for anyone else)."""
    mine = (
        CompanyMembership.objects.filter(user=actor, company_id=company_id)
        .select_related("company")
        .first()
    )
    if mine is None or actor.role != Role.MERCHANT:
        raise PermissionDenied("您不是该企业的成员", code="not_a_member")
    members = list(
        CompanyMembership.objects.filter(company_id=company_id)
        .select_related("user")
        .order_by("created_at", "id")
    )
    invitations: list[CompanyInvitation] = []
    if mine.role == MemberRole.OWNER:
        invitations = list(
            CompanyInvitation.objects.filter(
                company_id=company_id, state=InvitationState.PENDING
            ).select_related("invited_by")
        )
    return Team(company=mine.company, my_role=mine.role, members=members, invitations=invitations)


def _lock_as_owner(actor: User, company_id: int) -> Company:
    company = Company.objects.select_for_update().filter(pk=company_id).first()
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


def _check_role(role: str) -> None:
    if role not in MemberRole.values:
        raise ValidationFailed(
            "成员角色无效", code="invalid_member_role", details={"field": "role"}
        )


def _notify_user(user: User, title: str, body: str) -> None:
    from tousu.engagement.models import Notification

    Notification.objects.create(user=user, kind="team", title=title, body=body)


def company_invite(
    *, actor: User, company_id: int, login: str, role: str = MemberRole.AGENT
) -> InviteOutcome:
    """An owner invites a phone or e-mail to the team (see the comment above)."""
    from tousu.accounts.services import parse_login

    _check_role(role)
    try:
        kind, target = parse_login((login or "").strip())
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, code=exc.code, details={"field": "login"}) from exc
    with transaction.atomic():
        company = _lock_as_owner(actor, company_id)
        user = User.objects.filter(**{kind: target}).first()
        if user is not None:
            if CompanyMembership.objects.filter(company=company, user=user).exists():
                raise Conflict(
                    "该账号已是团队成员", code="already_member", details={"field": "login"}
                )
            if user.role == Role.MERCHANT:
                membership = company_add_member(company=company, user=user, role=role)
                _notify_user(
                    user,
                    f"您已加入「{company.name}」团队",
                    f"角色：{site_text(MemberRole(role).label)}。可在商家工作台处理该企业的投诉。",
                )
                return InviteOutcome(membership=membership)
            if user.role != Role.CONSUMER:
                raise ValidationFailed(
                    "该账号是平台工作人员账号，不能加入企业",
                    code="not_invitable",
                    details={"field": "login"},
                )
        invitation = (
            CompanyInvitation.objects.filter(
                company=company, target=target, state=InvitationState.PENDING
            )
            .select_for_update()
            .first()
        )
        now = timezone.now()
        if invitation is None:
            invitation = CompanyInvitation.objects.create(
                company=company,
                target_kind=kind,
                target=target,
                role=role,
                invited_by=actor,
                created_at=now,
            )
        else:  # inviting again updates the role of the waiting invitation
            invitation.role = role
            invitation.invited_by = actor
            invitation.save(update_fields=["role", "invited_by"])
        if user is not None:
            _notify_user(
                user,
                f"「{company.name}」邀请您加入团队",
                "请在商家工作台的「团队邀请」页面接受或拒绝。接受后，此账号将成为商家账号。",
            )
    return InviteOutcome(invitation=invitation)


def company_invitation_revoke(*, actor: User, invitation_id: int) -> CompanyInvitation:
    invitation = CompanyInvitation.objects.filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("找不到该邀请", code="invitation_not_found")
    with transaction.atomic():
        _lock_as_owner(actor, invitation.company_id)
        invitation = CompanyInvitation.objects.select_for_update().get(pk=invitation_id)
        if invitation.state != InvitationState.PENDING:
            raise Conflict("该邀请已处理，不能撤回", code="invitation_not_pending")
        invitation.state = InvitationState.REVOKED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["state", "responded_at"])
    return invitation


def _verified_targets(user: User) -> list[tuple[str, str]]:
    targets = []
    if user.phone and user.phone_verified_at:
        targets.append(("phone", user.phone))
    if user.email and user.email_verified_at:
        targets.append(("email", user.email))
    return targets


def company_invitations_pending(user: User) -> QuerySet[CompanyInvitation]:
    """Pending invitations to the user's *verified* phone or e-mail (the log-in check)."""
    targets = _verified_targets(user)
    if not targets or user.role not in (Role.CONSUMER, Role.MERCHANT):
        return CompanyInvitation.objects.none()
    match = Q()
    for kind, target in targets:
        match |= Q(target_kind=kind, target=target)
    return (
        CompanyInvitation.objects.filter(match, state=InvitationState.PENDING)
        .exclude(company__memberships__user=user)
        .select_related("company", "invited_by")
        .order_by("id")
    )


def _lock_own_invitation(user: User, invitation_id: int) -> CompanyInvitation:
    invitation = CompanyInvitation.objects.select_for_update().filter(pk=invitation_id).first()
    if (
        invitation is None
        or invitation.state != InvitationState.PENDING
        or (invitation.target_kind, invitation.target) not in _verified_targets(user)
    ):
        raise NotFound("找不到该邀请，或邀请已处理", code="invitation_not_found")
    return invitation


def company_invitation_accept(*, user: User, invitation_id: int) -> CompanyMembership:
    """The invitee joins the team; a consumer account becomes a merchant account."""
    if user.role not in (Role.CONSUMER, Role.MERCHANT):
        raise PermissionDenied("该账号不能加入企业", code="not_invitable")
    with transaction.atomic():
        invitation = _lock_own_invitation(user, invitation_id)
        company = Company.objects.select_for_update().get(pk=invitation.company_id)
        membership = company_add_member(company=company, user=user, role=invitation.role)
        invitation.state = InvitationState.ACCEPTED
        invitation.accepted_by = user
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["state", "accepted_by", "responded_at"])
    return membership


def company_invitation_decline(*, user: User, invitation_id: int) -> CompanyInvitation:
    with transaction.atomic():
        invitation = _lock_own_invitation(user, invitation_id)
        invitation.state = InvitationState.DECLINED
        invitation.responded_at = timezone.now()
        invitation.save(update_fields=["state", "responded_at"])
    return invitation


def _lock_membership_as_owner(actor: User, membership_id: int) -> CompanyMembership:
    found = CompanyMembership.objects.filter(pk=membership_id).values_list("company_id", flat=True)
    company_id = found.first()
    if company_id is None:
        raise NotFound("找不到该成员", code="member_not_found")
    _lock_as_owner(actor, company_id)
    membership = CompanyMembership.objects.select_related("user").filter(pk=membership_id).first()
    if membership is None:  # removed while we waited for the lock
        raise NotFound("找不到该成员", code="member_not_found")
    return membership


def _other_owners(membership: CompanyMembership) -> bool:
    return (
        CompanyMembership.objects.filter(company_id=membership.company_id, role=MemberRole.OWNER)
        .exclude(pk=membership.pk)
        .exists()
    )


LAST_OWNER = "企业至少需要一位管理员：请先把其他成员设为管理员"


def company_member_set_role(*, actor: User, membership_id: int, role: str) -> CompanyMembership:
    _check_role(role)
    with transaction.atomic():
        membership = _lock_membership_as_owner(actor, membership_id)
        if membership.role == role:
            return membership
        if membership.role == MemberRole.OWNER and not _other_owners(membership):
            raise Conflict(LAST_OWNER, code="last_owner")
        membership.role = role
        membership.save(update_fields=["role"])
    return membership


def company_member_remove(*, actor: User, membership_id: int) -> None:
    """Remove a member (an owner may remove themselves while another owner remains).

    The account keeps its merchant role: it may belong to other companies or join again.
    """
    with transaction.atomic():
        membership = _lock_membership_as_owner(actor, membership_id)
        if membership.role == MemberRole.OWNER and not _other_owners(membership):
            raise Conflict(LAST_OWNER, code="last_owner")
        membership.delete()
