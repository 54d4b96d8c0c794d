"""Register, log in, log out and /me with a password, through the HTTP API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.companies.models import Company

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"


def test_register_logs_in_and_me_shows_the_account(api: Any) -> None:
    resp = api.post(
        "/auth/register", {"login": "+86 138-0013-8000", "password": PASSWORD, "nickname": "小张"}
    )
    assert resp.status_code == 201, resp.content
    body = resp.json()
    user = User.objects.get()
    assert body == {
        "id": user.pk,
        "phone": "13800138000",
        "email": None,
        "nickname": "小张",
        "pseudonym": user.pseudonym,
        "role": "consumer",
        "phone_verified": False,
        "email_verified": False,
        "company_ids": [],
    }
    assert user.check_password(PASSWORD)
    assert user.password != PASSWORD
    me = api.get("/me")
    assert me.status_code == 200
    assert me.json() == body


def test_register_by_email(api: Any) -> None:
    resp = api.post("/auth/register", {"login": "Zhang@Example.com", "password": PASSWORD})
    assert resp.status_code == 201, resp.content
    assert resp.json()["email"] == "zhang@example.com"
    assert resp.json()["phone"] is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("short1", "密码太短，至少需要8个字符"),
        ("12345678", "密码太常见"),
        ("83920571946", "密码不能全是数字"),
        ("password", "密码太常见"),
    ],
)
def test_weak_password_is_422_and_creates_nothing(api: Any, password: str, reason: str) -> None:
    resp = api.post("/auth/register", {"login": "13800138000", "password": password})
    assert resp.status_code == 422
    body = resp.json()
    assert body["code"] == "weak_password"
    assert body["message"].startswith("密码不符合要求：")
    assert reason in body["message"]
    assert body["details"] == {"field": "password"}
    assert User.objects.count() == 0
    assert api.get("/me").status_code == 401


def test_password_like_the_login_is_refused(api: Any) -> None:
    resp = api.post(
        "/auth/register", {"login": "zhangsan2024@example.com", "password": "zhangsan2024"}
    )
    assert resp.status_code == 422
    assert resp.json()["code"] == "weak_password"
    assert "密码与手机号、邮箱或昵称太相似" in resp.json()["message"]
    assert User.objects.count() == 0


def test_duplicate_registration_is_422_in_any_spelling(api: Any) -> None:
    assert api.post("/auth/register", {"login": "13800138000", "password": PASSWORD}).status_code
    for login in ("13800138000", "+86 138 0013 8000", "１３８００１３８０００"):
        resp = api.post("/auth/register", {"login": login, "password": "another-pass-77"})
        assert resp.status_code == 422, login
        assert resp.json() == {
            "code": "already_registered",
            "message": "该账号已注册，请直接登录",
            "details": {"field": "login"},
        }
    assert User.objects.count() == 1
    assert User.objects.get().check_password(PASSWORD)


def test_invalid_login_is_422(api: Any) -> None:
    resp = api.post("/auth/register", {"login": "12345", "password": PASSWORD})
    assert resp.status_code == 422
    assert resp.json()["code"] == "invalid_phone"
    resp = api.post("/auth/register", {"login": "a@b", "password": PASSWORD})
    assert resp.json()["code"] == "invalid_email"
    resp = api.post("/auth/register", {"password": PASSWORD})
    assert resp.status_code == 422
    assert resp.json()["code"] == "validation_error"
    assert User.objects.count() == 0


def test_login_by_phone_in_any_spelling_and_by_email(
    new_api: Any, make_user: Callable[..., User]
) -> None:
    user = make_user(phone="13800138000", email="li@example.com")
    for login in ("13800138000", "+86 138-0013-8000", "１３８００１３８０００", "LI@example.com"):
        client = new_api()
        resp = client.post("/auth/login", {"login": login, "password": PASSWORD})
        assert resp.status_code == 200, (login, resp.content)
        assert resp.json()["id"] == user.pk
        assert client.get("/me").json()["id"] == user.pk


@pytest.mark.parametrize(
    "login", ["13800138000", "13900009999", "nobody@example.com", "not-a-login"]
)
def test_wrong_password_or_unknown_account_is_401_invalid_credentials(
    api: Any, make_user: Callable[..., User], login: str
) -> None:
    make_user(phone="13800138000")
    resp = api.post("/auth/login", {"login": login, "password": "wrong-password-1"})
    assert resp.status_code == 401
    assert resp.json() == {
        "code": "invalid_credentials",
        "message": "账号或密码错误",
        "details": {},
    }
    assert api.get("/me").status_code == 401


def test_inactive_user_cannot_log_in(api: Any, make_user: Callable[..., User]) -> None:
    make_user(phone="13800138000", is_active=False)
    resp = api.post("/auth/login", {"login": "13800138000", "password": PASSWORD})
    assert resp.status_code == 401
    assert resp.json()["code"] == "invalid_credentials"


def test_code_only_account_cannot_log_in_with_a_password(api: Any) -> None:
    User.objects.create_user(phone="13800138000")  # unusable password
    resp = api.post("/auth/login", {"login": "13800138000", "password": ""})
    assert resp.status_code == 401


def test_logout_ends_the_session(api: Any, make_user: Callable[..., User]) -> None:
    make_user(phone="13800138000")
    assert (
        api.post("/auth/login", {"login": "13800138000", "password": PASSWORD}).status_code == 200
    )
    resp = api.post("/auth/logout")
    assert resp.status_code == 204
    me = api.get("/me")
    assert me.status_code == 401
    assert me.json() == {"code": "not_authenticated", "message": "请先登录", "details": {}}
    assert api.post("/auth/logout").status_code == 401


def test_me_anonymous_is_401(api: Any) -> None:
    resp = api.get("/me")
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"


def test_me_lists_a_merchants_companies(merchant: User, company: Company) -> None:
    client = Client()
    client.force_login(merchant)
    body = client.get("/api/v1/me").json()
    assert body["role"] == "merchant"
    assert body["company_ids"] == [company.pk]


def test_password_login_is_rate_limited_per_account(
    new_api: Any, make_user: Callable[..., User]
) -> None:
    make_user(phone="13800138000")
    for i in range(10):
        client = new_api(REMOTE_ADDR=f"10.0.0.{i}")  # a different address each time
        resp = client.post("/auth/login", {"login": "138 0013 8000", "password": f"guess-{i}"})
        assert resp.status_code == 401
    resp = new_api(REMOTE_ADDR="10.0.1.1").post(
        "/auth/login", {"login": "13800138000", "password": PASSWORD}
    )
    assert resp.status_code == 429
    assert resp.json()["code"] == "rate_limited"
    # another account from the same addresses is not affected
    make_user(phone="13900000099")
    resp = new_api(REMOTE_ADDR="10.0.0.1").post(
        "/auth/login", {"login": "13900000099", "password": PASSWORD}
    )
    assert resp.status_code == 200


def test_password_login_is_rate_limited_per_address(new_api: Any) -> None:
    client = new_api(REMOTE_ADDR="10.9.9.9")
    for i in range(30):
        resp = client.post("/auth/login", {"login": f"1390000{i:04d}", "password": "x-123456"})
        assert resp.status_code == 401
    resp = client.post("/auth/login", {"login": "13900009999", "password": "x-123456"})
    assert resp.status_code == 429
    other = new_api(REMOTE_ADDR="10.9.9.10")
    assert other.post("/auth/login", {"login": "13900009999", "password": "x"}).status_code == 401


def test_registration_as_consumer_only(api: Any) -> None:
    resp = api.post(
        "/auth/register", {"login": "13800138000", "password": PASSWORD, "role": "moderator"}
    )
    assert resp.status_code == 201
    assert User.objects.get().role == Role.CONSUMER
