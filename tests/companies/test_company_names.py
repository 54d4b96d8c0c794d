"""Company names: normalisation, lookup by name / alias / brand, creation rules."""

from __future__ import annotations

from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.common.errors import ValidationFailed
from tousu.common.text import normalize_name, normalize_text
from tousu.companies import services
from tousu.companies.models import Company, Sector
from tousu.companies.services import (
    company_add_alias,
    company_create,
    company_find_by_name,
    company_resolve_or_create,
)

# --- the key -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("美团", " 美 团 "),
        ("美团", "\u3000美团\u3000"),  # ideographic spaces
        ("美团", "美\u200b团"),  # zero-width space from copy and paste
        ("美团", "\ufeff美团"),  # BOM
        ("美团", "美團"),  # Traditional
        ("饿了么", "餓了麼"),
        ("哔哩哔哩", "嗶哩嗶哩"),
        ("ABC科技", "ＡＢＣ科技"),  # full-width
        ("abc科技", "ABC科技"),
        ("京东(JD)", "京东（ＪＤ）"),
        ("京东", "【京东】"),
        ("京东", "“京东”"),
        ("a.o.史密斯", "AO史密斯"),
        ("可口-可乐", "可口可乐"),
        ("迪奥", "迪奥®"),
        ("nike", "NIKE™"),
    ],
)
def test_same_key(a: str, b: str) -> None:
    assert normalize_name(a) == normalize_name(b)
    assert normalize_name(a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("美团", "美团有限公司"),  # possibly another legal entity: words are never dropped
        ("京东", "京东集团"),
        ("H&M", "HM"),
        ("美团", "美团app"),
    ],
)
def test_different_key(a: str, b: str) -> None:
    assert normalize_name(a) != normalize_name(b)


def test_normalize_text_keeps_words_apart_and_drops_invisible_characters() -> None:
    assert normalize_text("  外賣\u200b超時\n\n兩小時 ") == "外卖超时 两小时"
    assert normalize_text("a\x00b\tc") == "ab c"


# --- lookup -------------------------------------------------------------------------------


@pytest.fixture
def meituan(db: None) -> Company:
    return company_create(
        name="美团",
        sector=Sector.LOCAL_SERVICES,
        aliases=["北京三快在线科技有限公司", "Meituan"],
        brands=["美团外卖", "大众点评"],
    )


@pytest.mark.parametrize(
    "typed",
    [
        "美团",
        "美團",
        " 美 团",
        "美团\u200b",
        "北京三快在线科技有限公司",
        "MEITUAN",
        "ｍｅｉｔｕａｎ",
    ],
)
def test_find_by_name_or_alias(meituan: Company, typed: str) -> None:
    assert company_find_by_name(typed) == (meituan, None)


@pytest.mark.parametrize("typed", ["美团外卖", "美團外賣", "大眾點評", " 大众 点评 "])
def test_find_by_brand_returns_the_brand(meituan: Company, typed: str) -> None:
    found = company_find_by_name(typed)
    assert found is not None
    company, brand = found
    assert company == meituan
    assert brand is not None and brand.company_id == meituan.pk


@pytest.mark.parametrize(
    "typed", ["美团APP", "美团 app", "美团平台", "美团客服", "美团官方", "美團官網"]
)
def test_consumer_suffixes_find_the_company(meituan: Company, typed: str) -> None:
    assert company_find_by_name(typed) == (meituan, None)
    assert company_find_by_name(typed, loose=False) is None


def test_suffix_rule_needs_a_real_name_left(db: None) -> None:
    company_create(name="AB")
    assert company_find_by_name("ABapp") is not None
    company_create(name="Q")
    assert company_find_by_name("Qapp") is None  # one character is no name
    assert company_find_by_name("app") is None
    assert company_find_by_name("") is None
    assert company_find_by_name("（ ）") is None


def test_a_suffixed_name_that_exists_is_itself(meituan: Company) -> None:
    other = company_create(name="美团平台")
    assert company_find_by_name("美团平台") == (other, None)


def test_legal_entity_names_are_not_merged(meituan: Company) -> None:
    assert company_find_by_name("美团有限公司") is None


# --- creation rules ------------------------------------------------------------------------


def _fails(code: str, **kwargs: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        company_create(**kwargs)
    assert info.value.code == code, info.value.message
    return info.value


def test_create_normalises_the_display_name(db: None) -> None:
    company = company_create(name="  快乐   外卖  ")
    assert company.name == "快乐 外卖"
    assert company.name_key == "快乐外卖"


def test_create_refuses_a_variant_of_an_existing_name_alias_or_brand(meituan: Company) -> None:
    err = _fails("company_exists", name="美團")
    assert "美团" in err.message and err.details["company_id"] == meituan.pk
    _fails("company_exists", name="meituan")
    err = _fails("company_exists", name="美团外卖")
    assert "品牌" in err.message


def test_create_refuses_aliases_of_other_companies(meituan: Company) -> None:
    err = _fails("company_exists", name="新公司", aliases=["美團"])
    assert "别名" in err.message
    _fails("company_exists", name="新公司", aliases=["大众点评"])
    assert not Company.objects.filter(name="新公司").exists()


def test_create_refuses_a_brand_shadowed_by_another_company(meituan: Company) -> None:
    err = _fails("company_exists", name="新公司", brands=["美团"])
    assert "品牌" in err.message


def test_brands_may_repeat_across_companies(meituan: Company) -> None:
    company_create(name="点评网络", brands=["大众点评"])
    found = company_find_by_name("大众点评")
    assert found is not None and found[0] == meituan  # the older one


def test_create_skips_redundant_aliases_and_brands(db: None) -> None:
    company = company_create(
        name="快乐外卖",
        aliases=["快乐 外卖", "快乐外賣", "快乐速递", "快樂速遞"],
        brands=["快跑", "快跑"],
    )
    assert [a.alias for a in company.aliases.all()] == ["快乐速递"]
    assert company.brands.count() == 1


@pytest.mark.parametrize("name", ["", "   ", "（）", "——", "x" * 121])
def test_create_refuses_empty_or_long_names(db: None, name: str) -> None:
    err = _fails("invalid_company_name", name=name)
    assert err.details["field"] == "company_name"


def test_create_refuses_a_name_whose_key_grows_too_long(db: None) -> None:
    # NFKC expands "㍿" (one character) to "株式会社" (four)
    _fails("invalid_company_name", name="㍿" * 40)


def test_create_checks_uscc_and_region(db: None) -> None:
    company = company_create(name="小米科技", uscc="91110108551385082q", region_code="110108")
    assert company.uscc == "91110108551385082Q"
    assert company.region_id == "110108"
    err = _fails("uscc_exists", name="小米通讯", uscc="91110108551385082Q")
    assert "小米科技" in err.message
    _fails("uscc_checksum", name="小米通讯", uscc="91110108551385082R")
    err = _fails("invalid_region", name="小米通讯", region_code="999999")
    assert err.details["field"] == "region_code"
    _fails("invalid_sector", name="小米通讯", sector="nope")


def test_add_alias(meituan: Company, company: Company) -> None:
    alias = company_add_alias(company=meituan, alias="美团网")
    assert alias is not None and company_find_by_name("美團網") == (meituan, None)
    assert company_add_alias(company=meituan, alias="美 团 网") is None
    with pytest.raises(ValidationFailed) as info:
        company_add_alias(company=company, alias="美团网")
    assert info.value.code == "company_exists"
    # an alias may take a name that is only a brand elsewhere: the alias wins from now on
    company_add_alias(company=company, alias="大众点评")
    assert company_find_by_name("大众点评") == (company, None)


# --- what a consumer types ---------------------------------------------------------------


def test_known_names_resolve_to_the_same_company(meituan: Company, consumer: User) -> None:
    for typed in ["美团", "美團", "ＭＥＩＴＵＡＮ", "美团 APP"]:
        assert company_resolve_or_create(name=typed, user=consumer) == (meituan, None)
    company, brand = company_resolve_or_create(name="美團外賣", user=consumer)
    assert company == meituan and brand is not None and brand.name == "美团外卖"
    assert Company.objects.count() == 1


def test_unknown_name_creates_an_unconfirmed_company_once(consumer: User) -> None:
    company, brand = company_resolve_or_create(name=" 某某 健身房 ", user=consumer)
    assert brand is None
    assert company.is_confirmed is False
    assert company.created_by == consumer
    assert company.name == "某某 健身房"
    again, _ = company_resolve_or_create(name="某某健身房", user=consumer)
    variant, _ = company_resolve_or_create(name="某某健身房", user=None)
    assert again == company == variant
    assert Company.objects.count() == 1


def test_unusable_typed_name_is_refused(consumer: User) -> None:
    with pytest.raises(ValidationFailed) as info:
        company_resolve_or_create(name="  ！！ ", user=consumer)
    assert info.value.code == "invalid_company_name"
    assert Company.objects.count() == 0


def test_resolve_survives_a_concurrent_creation(
    monkeypatch: pytest.MonkeyPatch, consumer: User
) -> None:
    """Another request created the company between our lookup and our insert."""
    real_find = services.company_find_by_name
    calls = {"n": 0}

    def find_after_race(name: str, *, loose: bool = True) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            company_create(name="同时创建", is_confirmed=False)
            return None
        return real_find(name, loose=loose)

    monkeypatch.setattr(services, "company_find_by_name", find_after_race)
    company, _ = company_resolve_or_create(name="同時創建", user=consumer)
    assert company.name == "同时创建"
    assert Company.objects.count() == 1
