"""The /search/ page: a GET form that works without JS, facets, snippets, next-page link."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_search_page(
    file: Callable[..., Complaint], company: Company, other_company: Company
) -> None:
    for i in range(3):
        file(company, f"拒绝退款第{i}次", f"<i>课程</i>申请退款被拒绝{i}")
    file(other_company, "霸王条款", "押金不退还")
    page = Client().get("/search/", {"q": "退款", "size": "2"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'method="get"' in html and 'name="q"' in html
    assert "<mark>退款</mark>" in html and "&lt;i&gt;课程" in html
    assert "共 3 条投诉" in html
    assert 'rel="next"' in html and "cursor=r.2" in html
    # facet link for the sector with its count
    assert "sector=local_services" in html and '<span class="count">3</span>' in html
    nxt = Client().get("/search/", {"q": "退款", "size": "2", "cursor": "r.2"}).content.decode()
    assert nxt.count('class="complaint-item"') == 1
    assert 'href="/search/"' in Client().get("/").content.decode()


def test_search_page_bad_input(client_for: Callable[[User | None], Client], consumer: User) -> None:
    page = Client().get("/search/", {"date_from": "昨天"})
    assert page.status_code == 422
    assert "日期格式应为 YYYY-MM-DD" in page.content.decode()
    assert client_for(consumer).get("/search/", {"scope": "inbox"}).status_code == 403
