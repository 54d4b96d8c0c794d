"""Phone and e-mail normalization, the custom user, roles and regulator scopes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.accounts.services import (
    find_user_by_login,
    mask_target,
    normalize_email,
    normalize_phone,
    parse_login,
)
from tousu.common.errors import ValidationFailed


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        "+8613800138000",
        "+86 138 0013 8000",
        "+86-138-0013-8000",
        "0086 138 0013 8000",
        "86 13800138000",
        "(+86) 138-0013-8000",
        "１３８００１３８０００",  # full-width digits
        "＋８６　１３８－００１３－８０００",  # full-width plus, ideographic space, full-width dash
        "138—0013—8000",  # em dashes
        "138‐0013‐8000",  # Unicode hyphen
        " 138.0013.8000 ",
    ],
)
def test_phone_numbers_are_normalized(raw: str) -> None:
    assert normalize_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12345",
        "1380013800",
        "138001380001",
        "12800138000",
        "+1 415 555 0100",
        "abc",
        "021-1234567",
    ],
)
def test_non_mobile_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValidationFailed) as exc:
        normalize_phone(raw)
    assert exc.value.code == "invalid_phone"
    assert exc.value.message == "手机号格式不正确，请输入11位中国大陆手机号"


def test_emails_are_normalized_and_checked() -> None:
    assert normalize_email("  Zhang.San@Example.COM ") == "zhang.san@example.com"
    assert normalize_email("ｚｈａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ") == "zhang@example.com"
    for bad in ("zhang", "zhang@", "@example.com", "a b@example.com", "zhang@example"):
        with pytest.raises(ValidationFailed):
            normalize_email(bad)


def test_parse_login_tells_phone_from_email() -> None:
    assert parse_login("+86 139 0000 0001") == ("phone", "13900000001")
    assert parse_login("Li@Example.com") == ("email", "li@example.com")


def test_masking_keeps_targets_recognisable_but_unreadable() -> None:
    assert mask_target("13800138000") == "138****8000"
    assert mask_target("zhangsan@example.com") == "zh****@example.com"


@pytest.mark.django_db
def test_create_user_normalizes_and_login_lookup_finds_any_spelling() -> None:
    user = User.objects.create_user(phone="+86 138-0013-8000", email=" Zhang@Example.com")
    assert (user.phone, user.email) == ("13800138000", "zhang@example.com")
    assert not user.has_usable_password()
    assert find_user_by_login("１３８ ００１３ ８０００") == user
    assert find_user_by_login("ZHANG@example.com") == user
    assert find_user_by_login("13900000000") is None
    assert find_user_by_login("not a login") is None


@pytest.mark.django_db
def test_create_user_needs_a_valid_phone_or_email() -> None:
    with pytest.raises(ValueError, match="phone number or an e-mail"):
        User.objects.create_user(password="x")
    with pytest.raises(ValueError, match="手机号格式不正确"):
        User.objects.create_user(phone="12345")
    assert User.objects.count() == 0


@pytest.mark.django_db
def test_new_user_defaults_consumer_with_a_pseudonym() -> None:
    user = User.objects.create_user(email="a@example.com")
    other = User.objects.create_user(email="b@example.com")
    assert user.role == Role.CONSUMER
    assert user.pseudonym.startswith("消费者") and len(user.pseudonym) == 9
    assert user.pseudonym != other.pseudonym
    assert user.display_name == user.pseudonym
    user.nickname = "小张"
    assert user.display_name == "小张"
    assert user.get_short_name() == "小张"


@pytest.mark.django_db
def test_role_flags(make_user: Callable[..., User]) -> None:
    flags = ("is_moderator", "is_merchant", "is_regulator", "is_mediator", "is_partner")
    expected = {
        Role.CONSUMER: set(),
        Role.MODERATOR: {"is_moderator"},
        Role.MERCHANT: {"is_merchant"},
        Role.REGULATOR: {"is_regulator"},
        Role.MEDIATOR: {"is_mediator"},
        Role.PARTNER: {"is_partner"},
    }
    for role, on in expected.items():
        user = make_user(role)
        assert {flag for flag in flags if getattr(user, flag)} == on, role


@pytest.mark.django_db
def test_superuser_is_staff_moderator() -> None:
    admin = User.objects.create_superuser(email="root@example.com", password="correct-horse-9")
    assert admin.is_staff and admin.is_superuser and admin.role == Role.MODERATOR
    assert admin.check_password("correct-horse-9")


@pytest.mark.django_db
def test_user_clean_normalizes_and_requires_phone_or_email() -> None:
    user = User(phone="+86 138 0013 8000", email="")
    user.clean()
    assert (user.phone, user.email) == ("13800138000", None)
    with pytest.raises(ValidationError) as exc:
        User(phone="", email="").clean()
    assert exc.value.messages == ["手机号和邮箱至少填写一项"]
    with pytest.raises(ValidationError) as exc:
        User(phone="123", email="bad").clean()
    assert set(exc.value.message_dict) == {"phone", "email"}


@pytest.mark.django_db
def test_regulator_scope_covers_region_prefixes_and_sectors(
    regulator: User, make_user: Callable[..., User]
) -> None:
    scope = RegulatorScope.objects.create(
        user=regulator, region_codes=["310000", "440300"], sectors=["education"]
    )
    scope.full_clean()
    assert scope.covers_region("310115")  # 上海浦东新区 inside 上海市
    assert scope.covers_region("440305")  # 深圳南山区 inside 深圳市
    assert not scope.covers_region("440100")  # 广州市 is not 深圳市
    assert not scope.covers_region(None)
    assert scope.covers_sector("education")
    assert not scope.covers_sector("finance")
    scope.sectors = []
    assert scope.covers_sector("finance")  # empty means every sector

    bad = RegulatorScope(user=make_user(Role.CONSUMER), region_codes=["31"], sectors=["nope"])
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert set(exc.value.message_dict) == {"region_codes", "sectors", "user"}
