"""Staff confirm a company a consumer typed in, or merge it into an existing company."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.common.text import normalize_name
from tousu.companies.models import Brand, Company, CompanyAlias, CompanyMerge
from tousu.companies.services import (
    company_add_member,
    company_confirm,
    company_create,
    company_find_by_name,
    company_merged_into,
    company_resolve_or_create,
)
from tousu.complaints.models import Complaint
from tousu.complaints.services import (
    ComplaintInput,
    complaint_accept,
    complaint_submit,
    content_hash_for,
)
from tousu.complaints.states import Status


def _submit(consumer: User, form: dict[str, Any], **extra: Any) -> Complaint:
    complaint, created = complaint_submit(consumer=consumer, data=ComplaintInput(**form, **extra))
    assert created
    return complaint


@pytest.fixture
def typed(consumer: User) -> Company:
    """A company a consumer typed in; staff have not looked at it yet."""
    company, _ = company_resolve_or_create(name="开心外卖", user=consumer)
    assert company.is_confirmed is False
    return company


def test_confirm(typed: Company, moderator: User) -> None:
    confirmed = company_confirm(company_id=typed.pk, actor=moderator)
    assert confirmed.pk == typed.pk and confirmed.is_confirmed
    typed.refresh_from_db()
    assert typed.is_confirmed
    assert company_confirm(company_id=typed.pk, actor=moderator).is_confirmed  # idempotent


def test_only_staff_confirm_or_merge(
    typed: Company, company: Company, consumer: User, make_user: Any
) -> None:
    merchant = make_user("merchant")
    for actor in (consumer, merchant):
        with pytest.raises(PermissionDenied):
            company_confirm(company_id=typed.pk, actor=actor)
        with pytest.raises(PermissionDenied):
            company_confirm(company_id=typed.pk, actor=actor, merge_into_id=company.pk)
    typed.refresh_from_db()
    assert typed.is_confirmed is False


def test_unknown_companies(typed: Company, moderator: User) -> None:
    with pytest.raises(NotFound) as info:
        company_confirm(company_id=999_999, actor=moderator)
    assert info.value.code == "company_not_found"
    with pytest.raises(NotFound) as info:
        company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=999_999)
    assert info.value.code == "merge_target_not_found"
    with pytest.raises(ValidationFailed) as vinfo:
        company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=typed.pk)
    assert vinfo.value.code == "merge_into_self"


def test_merge_moves_complaints_and_adds_the_name_as_alias(
    typed: Company,
    company: Company,
    consumer: User,
    moderator: User,
    complaint_form: dict[str, Any],
) -> None:
    complaint = _submit(consumer, complaint_form, company_name="開心外賣")
    assert complaint.company_id == typed.pk

    target = company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=company.pk)

    assert target == company
    assert not Company.objects.filter(pk=typed.pk).exists()
    complaint.refresh_from_db()
    assert complaint.company_id == company.pk
    assert complaint.content_hash == content_hash_for(
        company.pk, complaint.title, complaint.details
    )
    # the typed name now finds the target, in every spelling
    assert company_find_by_name("开心外卖") == (company, None)
    assert company_find_by_name("開心 外賣") == (company, None)
    assert "开心外卖" in {a.alias for a in company.aliases.all()}
    merge = CompanyMerge.objects.get()
    assert (merge.source_id, merge.source_name, merge.target, merge.actor) == (
        typed.pk,
        "开心外卖",
        company,
        moderator,
    )
    assert merge.complaints_moved == 1
    assert company_merged_into(typed.pk) == company.pk
    assert company_merged_into(company.pk) is None
    # the same consumer naming the old name gets the target, and the duplicate guard sees the
    # moved complaint
    with pytest.raises(Conflict) as info:
        _submit(consumer, complaint_form, company_name="开心外卖")
    assert info.value.code == "duplicate_open_complaint"


def test_merge_into_a_reachable_company_assigns_waiting_complaints(
    typed: Company,
    company: Company,
    merchant: User,
    consumer: User,
    moderator: User,
    complaint_form: dict[str, Any],
) -> None:
    complaint = _submit(consumer, complaint_form, company_name="开心外卖")
    complaint_accept(complaint_id=complaint.pk, actor=moderator)
    complaint.refresh_from_db()
    assert complaint.status == Status.UNASSIGNED  # nobody answers for the typed-in company

    company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=company.pk)

    complaint.refresh_from_db()
    assert complaint.company_id == company.pk
    assert complaint.status == Status.PROCESSING
    assert complaint.reply_due_at is not None


def test_merge_moves_aliases_and_brands(
    company: Company, consumer: User, moderator: User, complaint_form: dict[str, Any]
) -> None:
    # company (fixture): 快乐外卖有限公司, alias 快乐外卖, brand 快乐跑腿
    dup = company_create(
        name="快乐外卖网",
        aliases=["快乐外卖APP官方"],
        brands=["快乐跑腿", "快乐超市"],
        is_confirmed=False,
        website="https://example.com",
        region_code="440305",
    )
    complaint = _submit(consumer, complaint_form, company_name="快樂跑腿")
    assert complaint.company_id == company.pk  # an existing brand wins over the newer one
    other = _submit(
        consumer, {**complaint_form, "title": "超市商品过期"}, company_id=dup.pk, brand_id=None
    )
    dup_brand = Brand.objects.get(company=dup, name="快乐跑腿")
    Complaint.objects.filter(pk=other.pk).update(brand=dup_brand)

    company_confirm(company_id=dup.pk, actor=moderator, merge_into_id=company.pk)

    other.refresh_from_db()
    assert other.company_id == company.pk
    # the duplicate's brand of the same name became the target's
    assert other.brand == Brand.objects.get(company=company, name="快乐跑腿")
    assert sorted(b.name for b in company.brands.all()) == ["快乐超市", "快乐跑腿"]
    assert sorted(a.alias for a in company.aliases.all()) == [
        "快乐外卖",
        "快乐外卖APP官方",
        "快乐外卖网",
    ]
    company.refresh_from_db()
    # what the target lacked is filled in; what it had is kept
    assert company.website == "https://example.com"
    assert company.region_id == "440305"
    assert company.sector == "local_services"


def test_merged_alias_that_equals_the_target_name_is_dropped(
    company: Company, moderator: User
) -> None:
    dup = company_create(name="快乐外卖集团", aliases=["快乐外卖总部"])
    # written before the target existed under that name (the services refuse it today)
    CompanyAlias.objects.create(
        company=dup, alias="快乐外卖有限公司", alias_key=normalize_name("快乐外卖有限公司")
    )
    company_confirm(company_id=dup.pk, actor=moderator, merge_into_id=company.pk)
    assert sorted(a.alias for a in company.aliases.all()) == [
        "快乐外卖",
        "快乐外卖总部",
        "快乐外卖集团",
    ]


def test_verified_or_claimed_companies_are_not_merged(
    company: Company, merchant: User, other_company: Company, moderator: User
) -> None:
    with pytest.raises(Conflict) as info:
        company_confirm(company_id=company.pk, actor=moderator, merge_into_id=other_company.pk)
    assert info.value.code == "company_has_members"
    assert Company.objects.filter(pk=company.pk).exists()


def test_merge_chains_keep_their_history(consumer: User, moderator: User) -> None:
    a, _ = company_resolve_or_create(name="甲店", user=consumer)
    b, _ = company_resolve_or_create(name="乙店", user=consumer)
    c = company_create(name="丙公司")
    company_confirm(company_id=a.pk, actor=moderator, merge_into_id=b.pk)
    company_confirm(company_id=b.pk, actor=moderator, merge_into_id=c.pk)
    assert company_merged_into(a.pk) == c.pk
    assert company_merged_into(b.pk) == c.pk
    assert company_find_by_name("甲店") == (c, None)
    assert company_find_by_name("乙店") == (c, None)
    assert CompanyMerge.objects.filter(target=c).count() == 2


def test_merge_moves_uscc_when_the_target_has_none(company: Company, moderator: User) -> None:
    dup = company_create(name="快乐外卖科技", uscc="91110108551385082Q")
    company_confirm(company_id=dup.pk, actor=moderator, merge_into_id=company.pk)
    company.refresh_from_db()
    assert company.uscc == "91110108551385082Q"


def test_member_added_later_makes_merged_complaints_reachable(
    typed: Company, moderator: User, consumer: User, complaint_form: dict[str, Any], make_user: Any
) -> None:
    target = company_create(name="开心餐饮管理有限公司")
    complaint = _submit(consumer, complaint_form, company_name="开心外卖")
    complaint_accept(complaint_id=complaint.pk, actor=moderator)
    company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=target.pk)
    complaint.refresh_from_db()
    assert complaint.status == Status.UNASSIGNED
    company_add_member(company=target, user=make_user("merchant"))
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING
