"""The Django admin for users, regulator scopes, API tokens and one-time codes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import OneTimeCode, RegulatorScope, Role, User
from tousu.accounts.services import otp_send, token_create
from tousu.companies.models import Company

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff() -> Client:
    admin = User.objects.create_superuser(email="root@example.com", password="correct-horse-9")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_pages_load(staff: Client, consumer: User, merchant: User, company: Company) -> None:
    token, _raw = token_create(user=consumer, name="脚本")
    for path in (
        "/admin/",
        "/admin/accounts/user/",
        "/admin/accounts/user/add/",
        f"/admin/accounts/user/{merchant.pk}/change/",
        f"/admin/accounts/user/{merchant.pk}/password/",
        "/admin/accounts/apitoken/",
        f"/admin/accounts/apitoken/{token.pk}/change/",
        "/admin/accounts/regulatorscope/",
        "/admin/accounts/regulatorscope/add/",
        "/admin/accounts/onetimecode/",
    ):
        assert staff.get(path).status_code == 200, path


def test_user_list_shows_role_and_searches_by_phone_or_email(
    staff: Client, make_user: Callable[..., User]
) -> None:
    make_user(Role.REGULATOR, phone="13800138000", nickname="市场监管局")
    make_user(Role.CONSUMER, phone="13900000077", email="wang@example.com", nickname="王五")
    page = staff.get("/admin/accounts/user/").content.decode()
    assert "监管部门" in page and "消费者" in page

    def found(term: str) -> set[str]:
        resp = staff.get("/admin/accounts/user/", {"q": term})
        assert resp.status_code == 200
        return {u.nickname for u in resp.context["cl"].result_list}

    assert found("13800138000") == {"市场监管局"}
    assert found("+86 138-0013-8000") == {"市场监管局"}
    assert found("0013") == {"市场监管局"}
    assert found("WANG@example.com") == {"王五"}
    assert found("王五") == {"王五"}
    resp = staff.get("/admin/accounts/user/", {"role__exact": "regulator"})
    assert {u.nickname for u in resp.context["cl"].result_list} == {"市场监管局"}


def test_staff_adds_a_user_with_a_normalized_phone(staff: Client) -> None:
    resp = staff.post(
        "/admin/accounts/user/add/",
        {
            "phone": "+86 138 0013 8000",
            "email": "",
            "nickname": "新审核员",
            "role": "moderator",
            "usable_password": "true",
            "password1": "correct-horse-9",
            "password2": "correct-horse-9",
        },
    )
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else ""
    user = User.objects.get(nickname="新审核员")
    assert (user.phone, user.email, user.role) == ("13800138000", None, Role.MODERATOR)
    assert user.check_password("correct-horse-9")


def test_staff_adds_a_code_only_user_by_email(staff: Client) -> None:
    resp = staff.post(
        "/admin/accounts/user/add/",
        {"phone": "", "email": "Zhao@Example.com", "role": "consumer", "usable_password": "false"},
    )
    assert resp.status_code == 302
    user = User.objects.get(email="zhao@example.com")
    assert user.phone is None
    assert not user.has_usable_password()


def test_admin_refuses_bad_or_duplicate_identities(staff: Client, consumer: User) -> None:
    before = User.objects.count()
    cases = [
        ({"phone": "", "email": ""}, "手机号和邮箱至少填写一项"),
        ({"phone": "12345", "email": ""}, "手机号格式不正确"),
        ({"phone": "+86 " + str(consumer.phone), "email": ""}, "已存在"),
    ]
    for identity, error in cases:
        resp = staff.post(
            "/admin/accounts/user/add/",
            {**identity, "role": "consumer", "usable_password": "false"},
        )
        assert resp.status_code == 200, identity
        assert error in resp.content.decode(), identity
    assert User.objects.count() == before


def test_staff_edits_a_user(staff: Client, consumer: User) -> None:
    url = f"/admin/accounts/user/{consumer.pk}/change/"
    form = staff.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in {"groups", "user_permissions", "password"}
    }
    data.update(
        {
            "email": "Zhang@Example.com",
            "role": "mediator",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "regulator_scope-TOTAL_FORMS": "0",
            "regulator_scope-INITIAL_FORMS": "0",
        }
    )
    data = {k: v for k, v in data.items() if k not in {"last_login", "date_joined"}}
    resp = staff.post(url, data)
    assert resp.status_code == 302, resp.context["adminform"].form.errors if resp.context else ""
    consumer.refresh_from_db()
    assert consumer.email == "zhang@example.com"
    assert consumer.role == Role.MEDIATOR


def test_api_token_admin_shows_the_hash_read_only_and_cannot_add(
    staff: Client, consumer: User
) -> None:
    token, raw = token_create(user=consumer, name="脚本")
    assert staff.get("/admin/accounts/apitoken/add/").status_code == 403
    page = staff.get(f"/admin/accounts/apitoken/{token.pk}/change/").content.decode()
    assert token.token_hash in page
    assert raw not in page
    assert 'name="token_hash"' not in page
    assert 'name="name"' in page

    resp = staff.post(
        f"/admin/accounts/apitoken/{token.pk}/change/",
        {"name": "改名", "token_hash": "0" * 64, "revoked_at": ""},
    )
    assert resp.status_code == 302
    token.refresh_from_db()
    assert token.name == "改名"
    assert token.token_hash != "0" * 64


def test_staff_revokes_tokens_with_the_admin_action(staff: Client, consumer: User) -> None:
    token, raw = token_create(user=consumer, name="脚本")
    resp = staff.post(
        "/admin/accounts/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    assert resp.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    resp = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert resp.status_code == 401


def test_one_time_codes_are_read_only_and_hide_their_hash(staff: Client, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender"}
    otp = otp_send(login="13800138000")
    assert staff.get("/admin/accounts/onetimecode/add/").status_code == 403
    page = staff.get(f"/admin/accounts/onetimecode/{otp.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "13800138000" in text
    assert otp.code_hash not in text
    assert 'name="attempts"' not in text
    resp = staff.post(f"/admin/accounts/onetimecode/{otp.pk}/change/", {"attempts": "0"})
    assert resp.status_code == 403
    assert OneTimeCode.objects.get().code_hash == otp.code_hash


def test_staff_sets_a_regulator_scope_and_it_is_validated(
    staff: Client, regulator: User, consumer: User
) -> None:
    resp = staff.post(
        "/admin/accounts/regulatorscope/add/",
        {
            "user": regulator.pk,
            "region_codes": '["310000"]',
            "sectors": '["education", "finance"]',
            "agency_name": "上海市市场监督管理局",
        },
    )
    assert resp.status_code == 302
    scope = RegulatorScope.objects.get()
    assert scope.region_codes == ["310000"]
    assert scope.sectors == ["education", "finance"]

    resp = staff.post(
        "/admin/accounts/regulatorscope/add/",
        {"user": consumer.pk, "region_codes": '["31"]', "sectors": "[]", "agency_name": ""},
    )
    assert resp.status_code == 200
    errors = resp.context["adminform"].form.errors
    assert set(errors) == {"region_codes", "user"}
    assert RegulatorScope.objects.count() == 1


def test_non_staff_cannot_open_the_admin(client_for: Callable[..., Client], consumer: User) -> None:
    resp = client_for(consumer).get("/admin/accounts/user/")
    assert resp.status_code == 302
    assert "/admin/login/" in resp["Location"]


@pytest.mark.parametrize(
    "login", ["+86 138-0013-8000", "Chief.Moderator@Tousu-Platform.example.cn"]
)
def test_staff_log_in_to_the_admin_by_phone_or_long_email(login: str) -> None:
    User.objects.create_superuser(
        phone="13800138000",
        email="chief.moderator@tousu-platform.example.cn",
        password="correct-horse-9",
    )
    client = Client()
    page = client.get("/admin/login/").content.decode()
    assert "手机号或邮箱" in page
    assert 'maxlength="254"' in page
    resp = client.post(
        "/admin/login/?next=/admin/",
        {"username": login, "password": "correct-horse-9", "next": "/admin/"},
    )
    assert resp.status_code == 302, resp.content.decode()[:2000]
    assert client.get("/admin/accounts/user/").status_code == 200


def test_createsuperuser_command_normalizes_the_phone(monkeypatch: Any) -> None:
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "correct-horse-9")
    call_command("createsuperuser", phone="+86 138 0013 8000", interactive=False, verbosity=0)
    admin = User.objects.get()
    assert admin.phone == "13800138000"
    assert admin.is_superuser and admin.check_password("correct-horse-9")
