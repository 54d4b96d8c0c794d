"""The public complaint list: filters, keyset paging, bad input, query budget."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from test_public_helpers import accepted, completed, file, text

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

LIST = "/complaints/"


def numbers(html: str) -> list[str]:
    return re.findall(r'class="title" href="/complaints/(TS[0-9A-Z]+)/"', html)


@pytest.fixture
def mixed(
    consumer: User,
    company: Company,
    other_company: Company,
    merchant: User,
    moderator: User,
) -> dict[str, Complaint]:
    """One complaint per interesting case; ``company`` is 生活服务 with a merchant (processing),
    ``other_company`` is 电商平台 without one (unassigned)."""
    made = {
        "processing": accepted(file(consumer, company), moderator),
        "unassigned": accepted(file(consumer, other_company), moderator),
        "completed": completed(accepted(file(consumer, company), moderator), merchant),
        "pending": file(consumer, company),
        "hidden": accepted(file(consumer, company), moderator),
    }
    services.complaint_hide(complaint_id=made["hidden"].pk, actor=moderator, reason="other")
    return made


def test_lists_public_complaints_newest_first(mixed: dict[str, Complaint]) -> None:
    resp = Client().get(LIST)
    assert resp.status_code == 200
    shown = numbers(text(resp))
    expected = [mixed[k] for k in ("completed", "unassigned", "processing")]
    assert shown == [c.public_number for c in expected]
    assert "public" in resp["Cache-Control"]


@pytest.mark.parametrize(
    ("query", "keys"),
    [
        ({"status": "processing"}, ["processing"]),
        ({"status": "completed"}, ["completed"]),
        ({"status": "unassigned"}, ["unassigned"]),
        ({"sector": "ecommerce"}, ["unassigned"]),
        ({"sector": "local_services"}, ["completed", "processing"]),
        ({"sector": "local_services", "status": "completed"}, ["completed"]),
        ({"sector": "finance"}, []),
    ],
)
def test_filters(mixed: dict[str, Complaint], query: dict[str, str], keys: list[str]) -> None:
    resp = Client().get(LIST, query)
    assert resp.status_code == 200
    assert numbers(text(resp)) == [mixed[k].public_number for k in keys]
    if not keys:
        assert "没有符合条件的公开投诉" in text(resp)


def test_company_filter(
    mixed: dict[str, Complaint], company: Company, other_company: Company
) -> None:
    resp = Client().get(LIST, {"company": other_company.pk})
    assert numbers(text(resp)) == [mixed["unassigned"].public_number]
    assert other_company.name in text(resp) and "不限企业" in text(resp)
    resp = Client().get(LIST, {"company": company.pk, "status": "processing"})
    assert numbers(text(resp)) == [mixed["processing"].public_number]


def test_selected_filters_stay_selected(mixed: dict[str, Complaint]) -> None:
    html = text(Client().get(LIST, {"status": "completed", "sector": "local_services"}))
    assert '<option value="completed" selected>' in html
    assert '<option value="local_services" selected>' in html


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"status": "pending_review"}, "「处理状态」的取值无效"),  # never public
        ({"status": "<script>"}, "「处理状态」的取值无效"),
        ({"sector": "nope"}, "「行业」的取值无效"),
        ({"company": "abc"}, "「企业」应为企业编号"),
        ({"company": "-1"}, "「企业」应为企业编号"),
        ({"company": "99999999999999999999999"}, "「企业」应为企业编号"),
        ({"company": "424242"}, "找不到该企业"),
        ({"before": "x"}, "翻页参数无效"),
        ({"before": "0"}, "翻页参数无效"),
        ({"before": "１２"}, "翻页参数无效"),  # full-width digits
    ],
)
def test_bad_filter_values_are_400_in_chinese(
    mixed: dict[str, Complaint], query: dict[str, str], message: str
) -> None:
    resp = Client().get(LIST, query)
    assert resp.status_code == 400
    html = text(resp)
    assert message in html and "清除筛选" in html
    assert "<script>" not in html
    assert not numbers(html)


def test_keyset_paging(
    consumer: User, company: Company, moderator: User, django_assert_max_num_queries: Any
) -> None:
    made = [accepted(file(consumer, company), moderator) for _ in range(25)]
    newest_first = [c.public_number for c in reversed(made)]

    first = Client().get(LIST)
    html = text(first)
    assert numbers(html) == newest_first[:20]
    match = re.search(r'<a rel="next" href="\?before=(\d+)">下一页</a>', html)
    assert match, html
    # a complaint filed meanwhile does not shift the next page
    accepted(file(consumer, company), moderator)
    with django_assert_max_num_queries(3):
        second = Client().get(LIST, {"before": match.group(1)})
    html = text(second)
    assert numbers(html) == newest_first[20:]
    assert 'rel="next"' not in html and "回到第一页" in html
    assert '<meta name="robots" content="noindex, follow">' in html


def test_paging_keeps_the_filters(
    consumer: User, company: Company, merchant: User, moderator: User
) -> None:
    for _ in range(21):
        accepted(file(consumer, company), moderator)
    html = text(Client().get(LIST, {"status": "processing", "company": company.pk}))
    assert re.search(
        rf'href="\?status=processing&amp;company={company.pk}&amp;before=\d+">下一页', html
    )


def test_query_budget_does_not_grow(
    consumer: User, company: Company, moderator: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(20):
        accepted(file(consumer, company), moderator)
    with django_assert_max_num_queries(2):
        assert Client().get(LIST, {"company": company.pk}).status_code == 200
