"""Company pages: the directory with its search and typeahead, and one company's page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from test_public_helpers import accepted, completed, file, logged_in, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, Sector
from tousu.companies.services import (
    company_confirm,
    company_create,
    company_resolve_or_create,
    company_verify,
)
from tousu.complaints import services

pytestmark = pytest.mark.django_db

DIRECTORY = "/companies/"
SUGGEST = "/companies/suggest"


def company_links(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="title" href="/companies/(\d+)/"', html)]


# --- the directory -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    ["快乐外卖有限公司", "快乐外卖", "快乐跑腿", "快樂外賣", "快 乐", "ＫＬ", "有限公司"],
)
def test_search_by_name_alias_brand_any_script(company: Company, query: str) -> None:
    if query == "ＫＬ":
        company_create(name="KL 美妆", sector=Sector.FASHION_BEAUTY)
        resp = Client().get(DIRECTORY, {"q": query})
        assert "KL 美妆" in text(resp)
        return
    resp = Client().get(DIRECTORY, {"q": query})
    assert resp.status_code == 200
    assert company_links(text(resp)) == [company.pk]


def test_best_match_first(company: Company) -> None:
    longer = company_create(name="快乐外卖加盟店")
    exact = company_create(name="快乐")
    html = text(Client().get(DIRECTORY, {"q": "快乐"}))
    links = company_links(html)
    assert links[0] == exact.pk and set(links) == {exact.pk, company.pk, longer.pk}


def test_unconfirmed_companies_are_not_listed(consumer: User, moderator: User) -> None:
    typed, _brand = company_resolve_or_create(name="路边小店", user=consumer)
    assert company_links(text(Client().get(DIRECTORY, {"q": "路边小店"}))) == []
    assert company_links(text(Client().get(DIRECTORY))) == []
    company_confirm(company_id=typed.pk, actor=moderator)
    assert company_links(text(Client().get(DIRECTORY, {"q": "路边"}))) == [typed.pk]


def test_no_match_says_how_to_go_on(company: Company) -> None:
    html = text(Client().get(DIRECTORY, {"q": "不存在的企业"}))
    assert "没有找到符合条件的企业" in html and 'href="/complaints/new/"' in html


def test_punctuation_only_query_asks_for_a_name(company: Company) -> None:
    resp = Client().get(DIRECTORY, {"q": "！！"})
    assert resp.status_code == 200 and "请输入企业名称中的文字" in text(resp)


def test_sector_filter_and_bad_values(company: Company, other_company: Company) -> None:
    html = text(Client().get(DIRECTORY, {"sector": "ecommerce"}))
    assert company_links(html) == [other_company.pk]
    assert company_links(text(Client().get(DIRECTORY, {"q": "快乐", "sector": "ecommerce"}))) == []
    for query in ({"sector": "bogus"}, {"after": "x"}, {"after": "-3"}):
        resp = Client().get(DIRECTORY, query)
        assert resp.status_code == 400
        assert "无效" in text(resp)


def test_directory_paging(django_assert_max_num_queries: Any) -> None:
    made = [company_create(name=f"第{i}号企业", brands=[f"品牌{i}"]) for i in range(23)]
    with django_assert_max_num_queries(3):
        first = Client().get(DIRECTORY)
    html = text(first)
    assert company_links(html) == [c.pk for c in made[:20]]
    match = re.search(r'<a rel="next" href="\?after=(\d+)">下一页</a>', html)
    assert match
    html = text(Client().get(DIRECTORY, {"after": match.group(1)}))
    assert company_links(html) == [c.pk for c in made[20:]]
    assert 'rel="next"' not in html and 'href="?">回到第一页' in html


def test_directory_paging_keeps_the_sector() -> None:
    made = [company_create(name=f"电商{i}", sector=Sector.ECOMMERCE) for i in range(21)]
    company_create(name="别的行业")
    html = text(Client().get(DIRECTORY, {"sector": "ecommerce"}))
    match = re.search(r'<a rel="next" href="\?sector=ecommerce&amp;after=(\d+)">下一页</a>', html)
    assert match
    html = text(Client().get(DIRECTORY, {"sector": "ecommerce", "after": match.group(1)}))
    assert company_links(html) == [made[20].pk]
    assert 'href="?sector=ecommerce">回到第一页' in html


def test_directory_shows_counts_brands_and_badge(
    consumer: User, company: Company, merchant: User, moderator: User
) -> None:
    accepted(file(consumer, company), moderator)
    accepted(file(consumer, company), moderator)
    file(consumer, company)  # in review: not counted
    company_verify(company_id=company.pk, actor=moderator)
    html = text(Client().get(DIRECTORY, {"q": "快乐"}))
    assert "有效投诉 2" in html and "快乐跑腿" in html and "已认证" in html


def test_search_box_works_without_js_and_with_htmx() -> None:
    html = text(Client().get(DIRECTORY))
    form = html[html.index('<form class="card company-search"') :]
    form = form[: form.index("</form>")]
    assert 'method="get"' in form and 'action="/companies/"' in form
    assert '<label for="company-q">' in form and 'name="q"' in form
    assert f'hx-get="{SUGGEST}"' in form and 'hx-target="#company-suggestions"' in form
    assert 'aria-live="polite"' in form


def test_suggest_returns_a_fragment(company: Company, django_assert_max_num_queries: Any) -> None:
    with django_assert_max_num_queries(2):
        resp = Client().get(SUGGEST, {"q": "快樂"}, HTTP_HX_REQUEST="true")
    assert resp.status_code == 200
    html = text(resp)
    assert "<html" not in html and "<ul" in html
    assert f'href="/companies/{company.pk}/"' in html and "快乐跑腿" in html
    assert "HX-Request" in resp["Vary"]
    empty = text(Client().get(SUGGEST, {"q": ""}, HTTP_HX_REQUEST="true"))
    assert "<li" not in empty
    none = text(Client().get(SUGGEST, {"q": "没有这家"}, HTTP_HX_REQUEST="true"))
    assert "没有找到「没有这家」" in none


def test_suggest_without_htmx_goes_to_the_directory(company: Company) -> None:
    resp = Client().get(SUGGEST, {"q": "快乐"})
    assert resp.status_code == 302 and resp["Location"].startswith("/companies/?q=")


def test_suggest_limits_its_list() -> None:
    for i in range(12):
        company_create(name=f"同名企业{i}")
    html = text(Client().get(SUGGEST, {"q": "同名"}, HTTP_HX_REQUEST="true"))
    assert html.count("<li") == 8


# --- one company ---------------------------------------------------------------------------------


@pytest.fixture
def busy(
    company: Company,
    consumer: User,
    other_consumer: User,
    merchant: User,
    moderator: User,
) -> Company:
    """Four valid complaints: one completed (5,4,3), one completed (1,2,3), one replied, one
    unanswered; plus one in review. Problem types: refund_difficult ×4 (+1 pending),
    delivery ×3, quality ×1."""
    first = accepted(file(consumer, company), moderator)
    completed(first, merchant, stars=(5, 4, 3), comment="好")
    second = accepted(file(other_consumer, company), moderator)
    completed(second, merchant, stars=(1, 2, 3))
    third = accepted(
        file(consumer, company, problem_types=["refund_difficult", "quality"]), moderator
    )
    services.complaint_reply(complaint_id=third.pk, actor=merchant, message="处理中")
    accepted(file(other_consumer, company), moderator)
    file(consumer, company)
    return company


def test_company_page(busy: Company, moderator: User) -> None:
    company_verify(company_id=busy.pk, actor=moderator)
    resp = Client().get(f"/companies/{busy.pk}/")
    assert resp.status_code == 200
    html = text(resp)
    assert busy.name in html and "已认证" in html and "生活服务" in html
    assert "快乐跑腿" in html and "快乐外卖" in html  # brand, alias
    metrics = html[
        html.index('class="metrics"') : html.index("</dl>", html.index('class="metrics"'))
    ]
    assert "<dt>有效投诉</dt><dd><strong>4</strong>" in metrics
    assert "<dt>回复率</dt><dd><strong>75%</strong>" in metrics  # 3 of 4 assigned
    assert "<dt>完成率</dt><dd><strong>50%</strong>" in metrics
    assert "<dt>满意度</dt><dd><strong>3.0 / 5</strong>" in metrics  # (4 + 2) / 2
    assert "统计口径" in html
    bars = re.findall(r'bar-label">([^<]+)</span>.*?bar-count">(\d+)<', html)
    assert bars == [("退款难", "4"), ("未按约定发货/送达", "3"), ("质量问题", "1")]
    assert len(re.findall(r'class="complaint-item"', html)) == 4
    assert f'href="/complaints/?company={busy.pk}"' in html
    assert "public" in resp["Cache-Control"]


def test_company_without_complaints(other_company: Company) -> None:
    html = text(Client().get(f"/companies/{other_company.pk}/"))
    assert "暂无公开投诉" in html and "暂无数据" in html and "已认证" not in html
    assert "<dt>回复率</dt><dd><strong>—</strong>" in html


def test_unconfirmed_company_page_says_so(consumer: User) -> None:
    typed, _brand = company_resolve_or_create(name="路边小店", user=consumer)
    html = text(Client().get(f"/companies/{typed.pk}/"))
    assert "平台尚未核实" in html


def test_unknown_company_is_404_and_merged_redirects(
    consumer: User, company: Company, moderator: User
) -> None:
    resp = Client().get("/companies/424242/")
    assert resp.status_code == 404 and "找不到该企业" in text(resp)
    typed, _brand = company_resolve_or_create(name="快乐外卖分店", user=consumer)
    company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=company.pk)
    resp = Client().get(f"/companies/{typed.pk}/")
    assert resp.status_code == 301 and resp["Location"] == f"/companies/{company.pk}/"


def test_only_web_addresses_are_links() -> None:
    good = company_create(name="好网站", website="https://example.com/")
    bad = company_create(name="坏网站", website="javascript:alert(1)")
    assert 'href="https://example.com/"' in text(Client().get(f"/companies/{good.pk}/"))
    assert "javascript:" not in text(Client().get(f"/companies/{bad.pk}/"))


@pytest.mark.parametrize("who", [None, "consumer", "merchant"])
def test_company_page_query_budget(
    busy: Company, who: str | None, request: Any, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(request.getfixturevalue(who) if who else None)
    # constant whatever the number of complaints: session and user, company, windows, overdue,
    # problem types, weekly chart, list positions, latest complaints, brands, aliases, unread
    with django_assert_max_num_queries(11):
        assert client.get(f"/companies/{busy.pk}/").status_code == 200


def test_company_page_conditional_get(busy: Company, consumer: User, moderator: User) -> None:
    address = f"/companies/{busy.pk}/"
    etag = Client().get(address)["ETag"]
    assert etag
    assert Client().get(address, HTTP_IF_NONE_MATCH=etag).status_code == 304
    accepted(file(consumer, busy), moderator)
    changed = Client().get(address, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag


def test_merchant_sees_the_same_public_company_page(
    busy: Company, merchant: User, make_user: Any
) -> None:
    html = text(logged_in(merchant).get(f"/companies/{busy.pk}/"))
    assert "DD2025" not in html  # no order numbers on the company page
    viewer = make_user(Role.MODERATOR)
    assert logged_in(viewer).get(f"/companies/{busy.pk}/").status_code == 200
