"""A form posted without a valid CSRF token gets a Chinese page that explains how to go on;
the API keeps its JSON error shape."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client, RequestFactory

from tousu.accounts.models import User
from tousu.web.views import errors

pytestmark = pytest.mark.django_db


def test_the_csrf_failure_view_is_ours() -> None:
    assert settings.CSRF_FAILURE_VIEW == "tousu.web.views.errors.csrf_failure"


def test_a_form_without_a_token_gets_the_chinese_page(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    resp = client.post("/accounts/login/", {"login": consumer.phone, "password": "correct-horse-9"})
    assert resp.status_code == 403
    assert resp["Content-Type"].startswith("text/html")
    page = resp.content.decode()
    assert "页面已过期，请刷新后重试" in page
    assert "请刷新页面" in page and "Cookie" in page
    assert '<a class="button" href="/">返回首页</a>' in page
    assert '<meta name="robots" content="noindex">' in page
    assert "CSRF verification failed" not in page  # not Django's English page
    assert "_auth_user_id" not in client.session


def test_a_logged_in_form_post_without_a_token(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    resp = client.post(
        "/accounts/profile/",
        {"op": "nickname", "nickname": "被篡改"},
        HTTP_REFERER="http://testserver/accounts/profile/",
    )
    assert resp.status_code == 403
    page = resp.content.decode()
    assert "页面已过期" in page
    assert 'href="http://testserver/accounts/profile/">返回刚才的页面</a>' in page
    consumer.refresh_from_db()
    assert consumer.nickname == "张三"


def test_a_referer_on_another_site_is_not_linked(consumer: User) -> None:
    resp = Client(enforce_csrf_checks=True).post(
        "/accounts/login/", {"login": consumer.phone}, HTTP_REFERER="https://evil.example/form"
    )
    assert resp.status_code == 403
    assert "evil.example" not in resp.content.decode()


def test_the_api_still_answers_json(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    resp = client.post("/api/v1/me/tokens", {"name": "x"}, content_type="application/json")
    assert resp.status_code == 403
    body = resp.json()
    assert set(body) == {"code", "message", "details"}
    assert "CSRF" in body["message"]


def test_the_view_answers_json_under_api(rf: RequestFactory) -> None:
    resp: Any = errors.csrf_failure(rf.post("/api/v1/anything"), reason="CSRF cookie not set.")
    assert resp.status_code == 403
    assert resp["Content-Type"] == "application/json"
    assert b'"permission_denied"' in resp.content
