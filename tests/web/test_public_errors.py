"""Error pages: Chinese, helpful, wired as handler404/403/500; the 500 page needs no database."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory
from django.urls import get_resolver, include, path

from tousu import urls as root_urls
from tousu.web.views import errors

HELP_LINKS = ('href="/"', 'href="/complaints/"', 'href="/complaints/new/"', 'name="q"')


def _boom(request: HttpRequest) -> HttpResponse:
    raise DatabaseError("the database went away")


def _forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


# a URLconf for these tests: the site plus two failing views, with the site's error handlers
urlpatterns = [
    path("test-boom/", _boom),
    path("test-forbidden/", _forbidden),
    path("", include(root_urls)),
]
handler404 = root_urls.handler404
handler403 = root_urls.handler403
handler500 = root_urls.handler500


def test_handlers_are_wired() -> None:
    resolver = get_resolver("tousu.urls")
    assert resolver.resolve_error_handler(404) is errors.page_not_found
    assert resolver.resolve_error_handler(403) is errors.permission_denied
    assert resolver.resolve_error_handler(500) is errors.server_error


@pytest.mark.django_db
def test_404_page_helps_on() -> None:
    resp = Client().get("/no-such-page/")
    assert resp.status_code == 404
    html = resp.content.decode()
    assert "抱歉，找不到这个页面" in html and '<html lang="zh-Hans">' in html
    for link in HELP_LINKS:
        assert link in html
    assert '<meta name="robots" content="noindex">' in html


@pytest.mark.django_db
def test_api_paths_get_json_errors() -> None:
    resp = Client().get("/api/v1/no-such-endpoint")
    assert resp.status_code == 404
    assert resp.json()["code"] == "not_found"


@pytest.mark.django_db
def test_403_page(settings: Any, make_user: Any) -> None:
    settings.ROOT_URLCONF = __name__
    resp = Client().get("/test-forbidden/")
    assert resp.status_code == 403
    html = resp.content.decode()
    assert "没有权限" in html and "/accounts/login/?next=/test-forbidden/" in html
    for link in HELP_LINKS:
        assert link in html
    client = Client()
    client.force_login(make_user())
    html = client.get("/test-forbidden/").content.decode()
    assert "当前登录的账号不能访问这里" in html


def test_500_page_needs_no_database() -> None:
    # no ``db`` fixture: pytest-django fails any query made here
    resp = errors.server_error(RequestFactory().get("/complaints/"))
    assert resp.status_code == 500
    html = resp.content.decode()
    assert "服务暂时出错" in html and "本平台免费" in html
    for link in HELP_LINKS:
        assert link in html


def test_500_for_the_api_is_json() -> None:
    resp = errors.server_error(RequestFactory().get("/api/v1/complaints"))
    assert resp.status_code == 500 and resp["Content-Type"] == "application/json"


@pytest.mark.django_db
def test_500_through_the_stack(settings: Any) -> None:
    settings.ROOT_URLCONF = __name__
    client = Client(raise_request_exception=False)
    resp = client.get("/test-boom/")
    assert resp.status_code == 500
    assert "抱歉，服务暂时出错了" in resp.content.decode()


@pytest.mark.django_db
def test_404_page_falls_back_when_the_layout_fails(monkeypatch: Any) -> None:
    def broken(*args: Any, **kwargs: Any) -> HttpResponse:
        raise DatabaseError("no database")

    monkeypatch.setattr(errors, "render", broken)
    resp = errors.page_not_found(RequestFactory().get("/x/"), Exception())
    assert resp.status_code == 404 and "找不到这个页面" in resp.content.decode()
