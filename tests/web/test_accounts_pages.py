"""Sign-up, log-in (password and one-time code), profile, tokens and log-out pages."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import ApiToken, Role, User
from tousu.engagement.senders import MemorySender

pytestmark = pytest.mark.django_db

MEMORY_SENDER = "tousu.engagement.senders.MemorySender"


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    settings.TOUSU = {**settings.TOUSU, "MESSAGE_SENDER": MEMORY_SENDER}
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def code_sent_to(outbox: list[tuple[str, str, str]]) -> Callable[[str], str]:
    def find(target: str) -> str:
        bodies = [body for _channel, to, body in outbox if to == target]
        assert bodies, f"nothing was sent to {target}: {outbox}"
        match = re.search(r"验证码是 (\d{6})", bodies[-1])
        assert match, bodies[-1]
        return match.group(1)

    return find


def html(resp: Any) -> str:
    return str(resp.content.decode())


def field_error(page: str, field: str) -> str:
    """The error list rendered right after the field ``id_<field>``."""
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1))


# --- log in with a password ----------------------------------------------------------------


def test_login_page_has_labelled_fields_and_csrf() -> None:
    resp = Client().get("/accounts/login/")
    page = html(resp)
    assert resp.status_code == 200
    assert '<label for="id_login">手机号或邮箱</label>' in page
    assert '<label for="id_password">密码</label>' in page
    assert ">登录</button>" in page
    assert "csrfmiddlewaretoken" in page
    assert 'autocomplete="current-password"' in page


def test_password_login_redirects_back_to_next(consumer: User) -> None:
    client = Client()
    resp = client.post(
        "/accounts/login/",
        {"login": consumer.phone, "password": "correct-horse-9", "next": "/my/complaints/"},
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/my/complaints/"
    assert client.get("/my/complaints/").status_code == 200


def test_login_refuses_a_next_on_another_site(consumer: User) -> None:
    resp = Client().post(
        "/accounts/login/",
        {"login": consumer.phone, "password": "correct-horse-9", "next": "https://evil.example/"},
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/"


def test_login_page_carries_next_from_the_query_string() -> None:
    page = html(Client().get("/accounts/login/?next=/complaints/new/"))
    assert '<input type="hidden" name="next" value="/complaints/new/">' in page


def test_wrong_password_says_so_in_chinese_and_keeps_the_login(consumer: User) -> None:
    resp = Client().post("/accounts/login/", {"login": consumer.phone, "password": "nope-nope"})
    page = html(resp)
    assert resp.status_code == 200
    assert "账号或密码错误" in page
    assert f'value="{consumer.phone}"' in page
    assert "_auth_user_id" not in Client().session


def test_empty_login_form_shows_errors_next_to_the_fields() -> None:
    page = html(Client().post("/accounts/login/", {"login": "", "password": ""}))
    assert field_error(page, "login") == "请填写手机号或邮箱"
    assert field_error(page, "password") == "请填写密码"
    assert 'aria-describedby="id_login_error"' in page


def test_too_many_wrong_passwords_for_one_account_are_refused_in_chinese(consumer: User) -> None:
    client = Client()
    for _ in range(10):
        client.post("/accounts/login/", {"login": consumer.phone, "password": "wrong-pass"})
    resp = client.post("/accounts/login/", {"login": consumer.phone, "password": "correct-horse-9"})
    assert resp.status_code == 200
    assert "操作过于频繁，请稍后再试" in html(resp)
    assert "_auth_user_id" not in client.session


def test_login_form_needs_a_csrf_token(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/accounts/login/", {"login": consumer.phone, "password": "correct-horse-9"})
    assert resp.status_code == 403


def test_logged_in_visitor_is_sent_on_from_the_login_page(
    consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    resp = client_for(consumer).get("/accounts/login/?next=/notifications/")
    assert resp.status_code == 302
    assert resp["Location"] == "/notifications/"


# --- one-time codes ------------------------------------------------------------------------


def test_code_login_sends_a_code_and_a_first_login_creates_a_consumer(
    outbox: list[tuple[str, str, str]], code_sent_to: Callable[[str], str]
) -> None:
    client = Client()
    page = html(client.get("/accounts/login/?via=code"))
    assert ">获取验证码</button>" in page
    resp = client.post(
        "/accounts/login/",
        {"via": "code", "op": "send", "login": "+86 138 0013 8000", "next": "/complaints/new/"},
    )
    page = html(resp)
    assert "验证码已发送至 138****8000" in page
    assert 'name="code"' in page and 'autocomplete="one-time-code"' in page
    assert [(channel, to) for channel, to, _ in outbox] == [("sms", "13800138000")]
    resp = client.post(
        "/accounts/login/",
        {
            "via": "code",
            "op": "login",
            "login": "13800138000",
            "code": code_sent_to("13800138000"),
            "next": "/complaints/new/",
        },
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/complaints/new/"
    user = User.objects.get(phone="13800138000")
    assert user.role == Role.CONSUMER
    assert user.phone_verified_at is not None
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_code_is_shown_next_to_the_code_and_keeps_the_login(
    outbox: list[tuple[str, str, str]],
) -> None:
    client = Client()
    client.post("/accounts/login/", {"via": "code", "op": "send", "login": "a@example.com"})
    resp = client.post(
        "/accounts/login/",
        {"via": "code", "op": "login", "login": "a@example.com", "code": "000000"},
    )
    page = html(resp)
    assert field_error(page, "code").startswith("验证码不正确，还可以尝试")
    assert 'value="a@example.com"' in page
    assert "_auth_user_id" not in client.session


def test_asking_again_too_soon_says_how_long_to_wait_and_lets_the_code_be_typed(
    outbox: list[tuple[str, str, str]],
) -> None:
    client = Client()
    client.post("/accounts/login/", {"via": "code", "op": "send", "login": "13800138000"})
    resp = client.post("/accounts/login/", {"via": "code", "op": "send", "login": "13800138000"})
    page = html(resp)
    assert re.search(r"请等待\d+秒后再获取验证码", page)
    assert 'name="code"' in page
    assert len(outbox) == 1


def test_a_bad_phone_number_is_explained_next_to_the_login(
    outbox: list[tuple[str, str, str]],
) -> None:
    page = html(Client().post("/accounts/login/", {"via": "code", "op": "send", "login": "12345"}))
    assert field_error(page, "login") == "手机号格式不正确，请输入11位中国大陆手机号"
    assert outbox == []


def test_code_sign_up_keeps_the_nickname(
    outbox: list[tuple[str, str, str]], code_sent_to: Callable[[str], str]
) -> None:
    client = Client()
    resp = client.post(
        "/accounts/signup/",
        {"via": "code", "op": "send", "login": "b@example.com", "nickname": "小王"},
    )
    assert 'value="小王"' in html(resp)
    resp = client.post(
        "/accounts/signup/",
        {
            "via": "code",
            "op": "login",
            "login": "b@example.com",
            "nickname": "小王",
            "code": code_sent_to("b@example.com"),
        },
    )
    assert resp.status_code == 302
    user = User.objects.get(email="b@example.com")
    assert user.nickname == "小王"
    assert user.email_verified_at is not None


# --- sign up with a password ---------------------------------------------------------------


def test_sign_up_with_a_password_logs_in_and_goes_to_next() -> None:
    client = Client()
    page = html(client.get("/accounts/signup/?next=/complaints/new/"))
    assert '<label for="id_password">密码</label>' in page
    resp = client.post(
        "/accounts/signup/",
        {
            "login": "13700137000",
            "nickname": "王五",
            "password": "long-enough-pass",
            "next": "/complaints/new/",
        },
    )
    assert resp.status_code == 302
    assert resp["Location"] == "/complaints/new/"
    user = User.objects.get(phone="13700137000")
    assert user.nickname == "王五" and user.role == Role.CONSUMER
    assert client.session["_auth_user_id"] == str(user.pk)


def test_a_weak_password_is_explained_in_chinese_and_the_rest_is_kept() -> None:
    resp = Client().post(
        "/accounts/signup/", {"login": "13700137000", "nickname": "王五", "password": "12345678"}
    )
    page = html(resp)
    assert field_error(page, "password").startswith("密码不符合要求：")
    assert "密码不能全是数字" in page
    assert 'value="13700137000"' in page and 'value="王五"' in page
    assert not User.objects.filter(phone="13700137000").exists()


def test_signing_up_twice_points_to_the_login(consumer: User) -> None:
    page = html(
        Client().post(
            "/accounts/signup/", {"login": consumer.phone, "password": "long-enough-pass"}
        )
    )
    assert field_error(page, "login") == "该账号已注册，请直接登录"


# --- log out -------------------------------------------------------------------------------


def test_logout_needs_a_post(consumer: User, client_for: Callable[[User | None], Client]) -> None:
    client = client_for(consumer)
    resp = client.get("/accounts/logout/")
    assert resp.status_code == 200
    assert "确定要退出登录吗" in html(resp)
    assert "_auth_user_id" in client.session
    resp = client.post("/accounts/logout/")
    assert resp.status_code == 302 and resp["Location"] == "/"
    assert "_auth_user_id" not in client.session


def test_logout_is_csrf_protected(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    assert client.post("/accounts/logout/").status_code == 403
    assert "_auth_user_id" in client.session


# --- profile and tokens ---------------------------------------------------------------------


def test_profile_needs_login() -> None:
    resp = Client().get("/accounts/profile/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/login/?next=/accounts/profile/"


def test_profile_shows_pseudonym_and_which_contacts_are_verified(
    make_user: Callable[..., User], client_for: Callable[[User | None], Client]
) -> None:
    user = make_user(email="me@example.com", nickname="")
    page = html(client_for(user).get("/accounts/profile/"))
    assert user.pseudonym in page
    assert "139****" in page and "me****@example.com" in page
    assert page.count("未验证") == 2
    assert user.phone not in page  # masked


def test_nickname_can_be_changed(
    consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(consumer)
    resp = client.post("/accounts/profile/", {"op": "nickname", "nickname": "  新昵称 "})
    assert resp.status_code == 302
    consumer.refresh_from_db()
    assert consumer.nickname == "新昵称"
    page = html(client.post("/accounts/profile/", {"op": "nickname", "nickname": "长" * 41}))
    assert "nickname" in page and 'class="errorlist"' in page


def test_contact_is_verified_with_a_code(
    consumer: User,
    client_for: Callable[[User | None], Client],
    code_sent_to: Callable[[str], str],
) -> None:
    client = client_for(consumer)
    page = html(client.post("/accounts/profile/", {"op": "verify_send", "channel": "phone"}))
    assert "验证码已发送至" in page
    page = html(
        client.post("/accounts/profile/", {"op": "verify", "channel": "phone", "code": "999999"})
    )
    assert "验证码不正确" in page
    code = code_sent_to(consumer.phone or "")
    resp = client.post("/accounts/profile/", {"op": "verify", "channel": "phone", "code": code})
    assert resp.status_code == 302
    consumer.refresh_from_db()
    assert consumer.phone_verified_at is not None


def test_api_token_is_shown_once_and_can_be_revoked(
    consumer: User, other_consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(consumer)
    resp = client.post("/accounts/profile/", {"op": "token_create", "name": "我的脚本"})
    assert resp.status_code == 302
    page = html(client.get("/accounts/profile/"))
    raw = re.search(r'<code class="token">(tsk_[^<]+)</code>', page)
    assert raw, page
    assert "只显示这一次" in page
    assert raw.group(1) not in html(client.get("/accounts/profile/"))
    token = ApiToken.objects.get(user=consumer)
    # the token works against the API, then stops working once revoked
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw.group(1)}"}
    assert Client().get("/api/v1/me", **headers).status_code == 200
    # another user cannot revoke it
    client_for(other_consumer).post(
        "/accounts/profile/", {"op": "token_revoke", "token_id": token.pk}
    )
    token.refresh_from_db()
    assert token.revoked_at is None
    client.post("/accounts/profile/", {"op": "token_revoke", "token_id": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().get("/api/v1/me", **headers).status_code == 401


def test_token_needs_a_name(consumer: User, client_for: Callable[[User | None], Client]) -> None:
    page = html(client_for(consumer).post("/accounts/profile/", {"op": "token_create", "name": ""}))
    assert field_error(page, "name") == "请填写令牌名称"
    assert not ApiToken.objects.exists()


def test_profile_forms_need_csrf(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    resp = client.post("/accounts/profile/", {"op": "nickname", "nickname": "x"})
    assert resp.status_code == 403
