"""The public complaint page: what everyone sees, what only the parties see, 404s, the query
budget, cache validators and escaping."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from test_public_helpers import (
    XSS_IMG,
    XSS_SCRIPT,
    accepted,
    completed,
    days_ago,
    file,
    logged_in,
    text,
)

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.sla import sla_clock

pytestmark = pytest.mark.django_db

PRIVATE_MARK = "仅商家和平台可见"


def url(complaint: Complaint) -> str:
    return f"/complaints/{complaint.public_number}/"


@pytest.fixture
def public(consumer: User, company: Company, merchant: User, moderator: User) -> Complaint:
    """Accepted (processing), with a brand, two images and a purchase date."""
    brand = company.brands.get()
    return accepted(
        file(consumer, company, images=2, brand_id=brand.pk, purchase_date=days_ago(10).date()),
        moderator,
    )


@pytest.fixture
def rich(public: Complaint, consumer: User, merchant: User) -> Complaint:
    """The whole lifecycle: reply, follow-up, reply, completion, confirmation with a rating."""
    services.complaint_reply(complaint_id=public.pk, actor=merchant, message="请提供订单截图")
    services.complaint_follow_up(complaint_id=public.pk, actor=consumer, message="截图见附件")
    return completed(public, merchant, stars=(5, 4, 3), comment="退款到账，态度不错")


# --- what the public sees --------------------------------------------------------------------


def test_anonymous_visitor_sees_the_public_copy(public: Complaint, company: Company) -> None:
    resp = Client().get(url(public))
    assert resp.status_code == 200
    html = text(resp)
    assert public.title in html and public.details in html
    assert f'href="/companies/{company.pk}/"' in html and company.name in html
    assert "快乐跑腿" in html  # the brand
    for label in ("退款难", "未按约定发货/送达", "退款", "道歉"):
        assert label in html
    assert "¥58.50" in html
    assert 'data-status="processing"' in html and "处理中" in html
    assert public.consumer.pseudonym in html and "张三" not in html  # show_nickname is off
    # private fields: not even their labels
    assert public.order_number not in html and PRIVATE_MARK not in html and "订单号" not in html
    # evidence thumbnails through the checking route
    assert html.count(f'src="/complaints/{public.public_number}/evidence/') == 2
    assert 'alt="证据图片 1"' in html


def test_sla_clock_while_the_company_has_time(public: Complaint) -> None:
    clock = sla_clock(public)
    assert clock is not None and clock.kind == "reply_due"
    assert re.search(r"剩余 \d+ 个工作日|今天到期", clock.text)
    assert clock.text in text(Client().get(url(public)))


def test_sla_clock_when_the_company_is_overdue(
    consumer: User, company: Company, merchant: User, moderator: User
) -> None:
    complaint = accepted(file(consumer, company, now=days_ago(30)), moderator, now=days_ago(30))
    clock = sla_clock(complaint)
    assert clock is not None and clock.is_overdue
    assert re.fullmatch(r"商家已超时 \d+ 个工作日", clock.text)
    html = text(Client().get(url(complaint)))
    assert clock.text in html and 'class="sla overdue"' in html


def test_timeline_replies_follow_ups_and_rating(rich: Complaint) -> None:
    html = text(Client().get(url(rich)))
    for what in (
        "提交投诉",
        "审核通过，投诉公开",
        "商家回复",
        "投诉人补充说明",
        "商家申请完成",
        "投诉人确认完成并评价",
    ):
        assert what in html
    assert "请提供订单截图" in html and "截图见附件" in html and "已为您退款" in html
    assert f"投诉人 {rich.consumer.pseudonym}" in html
    assert "商家回复 2 次" in html
    assert "★★★★★" in html and "★★★★☆" in html and "★★★☆☆" in html
    assert "4 星（满分 5 星）" in html  # the stars for screen readers
    assert "退款到账，态度不错" in html
    assert 'data-status="completed"' in html


def test_nickname_shown_when_the_consumer_chose_it(
    consumer: User, company: Company, moderator: User
) -> None:
    complaint = accepted(file(consumer, company, show_nickname=True), moderator)
    html = text(Client().get(url(complaint)))
    assert "投诉人 张三" in html and consumer.pseudonym not in html


def test_reviewer_note_of_an_earlier_rejection_stays_private(
    consumer: User, company: Company, moderator: User
) -> None:
    complaint = file(consumer, company)
    services.complaint_reject(
        complaint_id=complaint.pk,
        actor=moderator,
        reason="insufficient",
        message="请补充订单截图XYZ",
    )
    services.complaint_resubmit(complaint_id=complaint.pk, actor=consumer)
    accepted(complaint, moderator)
    assert "请补充订单截图XYZ" not in text(Client().get(url(complaint)))
    assert "请补充订单截图XYZ" in text(logged_in(consumer).get(url(complaint)))


# --- who sees private fields -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["consumer", "merchant", "moderator"])
def test_parties_see_private_fields_marked(public: Complaint, who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    html = text(logged_in(user).get(url(public)))
    assert public.order_number in html and PRIVATE_MARK in html
    assert public.purchase_date is not None and public.purchase_date.isoformat() in html


@pytest.mark.parametrize("who", ["other_consumer", "other_merchant", "regulator"])
def test_others_do_not(public: Complaint, who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    resp = logged_in(user).get(url(public))
    assert resp.status_code == 200
    assert public.order_number not in text(resp) and PRIVATE_MARK not in text(resp)


def test_party_links_to_where_they_act(public: Complaint, consumer: User, merchant: User) -> None:
    assert f"/my/complaints/{public.public_number}/" in text(logged_in(consumer).get(url(public)))
    assert f"/merchant/complaints/{public.public_number}/" in text(
        logged_in(merchant).get(url(public))
    )
    assert "/my/complaints/" not in text(Client().get(url(public)))


# --- not public --------------------------------------------------------------------------------


def test_unknown_number_is_a_helpful_404() -> None:
    resp = Client().get("/complaints/TS0000000000/")
    assert resp.status_code == 404
    html = text(resp)
    assert "找不到这条投诉" in html
    assert 'href="/companies/"' in html and 'href="/complaints/new/"' in html and 'name="q"' in html


def test_pending_and_rejected_are_404_for_the_public_but_not_for_the_consumer(
    consumer: User, company: Company, moderator: User, merchant: User
) -> None:
    pending = file(consumer, company)
    rejected = file(consumer, company)
    services.complaint_reject(complaint_id=rejected.pk, actor=moderator, reason="spam")
    for complaint in (pending, rejected):
        for viewer in (None, merchant):
            resp = logged_in(viewer).get(url(complaint))
            assert resp.status_code == 404
            assert complaint.title not in text(resp) and "已被隐藏" not in text(resp)
        resp = logged_in(consumer).get(url(complaint))
        assert resp.status_code == 200
        assert "尚未公开" in text(resp) and '<meta name="robots" content="noindex">' in text(resp)


def test_withdrawn_is_404(consumer: User, company: Company) -> None:
    complaint = file(consumer, company)
    services.complaint_withdraw(complaint_id=complaint.pk, actor=consumer)
    assert Client().get(url(complaint)).status_code == 404


def test_hidden_is_404_with_a_page_that_says_so(
    public: Complaint, moderator: User, consumer: User, merchant: User
) -> None:
    services.complaint_hide(complaint_id=public.pk, actor=moderator, reason="privacy")
    resp = Client().get(url(public))
    assert resp.status_code == 404
    html = text(resp)
    assert "该投诉已被隐藏" in html and "投诉内容含有个人信息" in html
    assert public.title not in html and public.details not in html
    assert "/accounts/login/?next=" in html
    for party in (consumer, merchant, moderator):
        resp = logged_in(party).get(url(public))
        assert resp.status_code == 200 and "已被平台隐藏" in text(resp)


def test_lower_case_number_redirects_to_the_canonical_address(public: Complaint) -> None:
    resp = Client().get(f"/complaints/{public.public_number.lower()}/")
    assert resp.status_code == 301 and resp["Location"] == url(public)


def test_only_get_and_head(public: Complaint) -> None:
    assert Client().post(url(public)).status_code == 405
    assert Client().head(url(public)).status_code == 200


# --- budget and caching --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", [None, "consumer", "merchant", "moderator", "mediator", "other_consumer"]
)
def test_query_budget(
    rich: Complaint, who: str | None, request: Any, django_assert_max_num_queries: Any
) -> None:
    client = logged_in(request.getfixturevalue(who) if who else None)
    with django_assert_max_num_queries(10):
        resp = client.get(url(rich))
    assert resp.status_code == 200


def test_query_count_does_not_grow_with_the_timeline(
    public: Complaint, consumer: User, merchant: User, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert Client().get(url(public)).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(6):
        services.complaint_reply(complaint_id=public.pk, actor=merchant, message=f"回复{i}")
        services.complaint_follow_up(complaint_id=public.pk, actor=consumer, message=f"补充{i}")
    assert count() == before


def test_anonymous_responses_are_public_for_a_minute(public: Complaint) -> None:
    resp = Client().get(url(public))
    cache_control = resp["Cache-Control"]
    assert "public" in cache_control and "max-age=60" in cache_control
    assert "Cookie" in resp["Vary"]


def test_logged_in_responses_are_private(public: Complaint, consumer: User, merchant: User) -> None:
    for user in (consumer, merchant):
        cache_control = logged_in(user).get(url(public))["Cache-Control"]
        assert "private" in cache_control and "public" not in cache_control


def test_conditional_get_answers_304_until_the_complaint_changes(
    public: Complaint, merchant: User, moderator: User, django_assert_max_num_queries: Any
) -> None:
    client = Client()
    first = client.get(url(public))
    etag = first["ETag"]
    assert etag
    with django_assert_max_num_queries(3):
        again = client.get(url(public), HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == etag and "max-age=60" in again["Cache-Control"]

    services.complaint_reply(complaint_id=public.pk, actor=merchant, message="已处理")
    changed = client.get(url(public), HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and "已处理" in text(changed)
    assert changed["ETag"] != etag
    assert client.get(url(public), HTTP_IF_NONE_MATCH=changed["ETag"]).status_code == 304


def test_a_hidden_complaint_is_404_even_to_a_conditional_get(
    public: Complaint, moderator: User
) -> None:
    client = Client()
    etag = client.get(url(public))["ETag"]
    services.complaint_hide(complaint_id=public.pk, actor=moderator, reason="privacy")
    assert client.get(url(public), HTTP_IF_NONE_MATCH=etag).status_code == 404
    services.complaint_unhide(complaint_id=public.pk, actor=moderator)
    assert client.get(url(public), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_logged_in_pages_are_rendered_afresh(public: Complaint, consumer: User) -> None:
    anonymous = Client().get(url(public))["ETag"]
    owner = logged_in(consumer)
    resp = owner.get(url(public), HTTP_IF_NONE_MATCH=anonymous)
    # the owner's copy (private fields, their name in the header) is never confirmed by the
    # anonymous validator, and carries none of its own
    assert resp.status_code == 200 and PRIVATE_MARK in text(resp)
    assert not resp.has_header("ETag")
    assert "no-cache" in resp["Cache-Control"] and "private" in resp["Cache-Control"]


def test_etag_changes_with_a_follow_up(public: Complaint, consumer: User) -> None:
    etag = Client().get(url(public))["ETag"]
    services.complaint_follow_up(complaint_id=public.pk, actor=consumer, message="补充一张发票")
    resp = Client().get(url(public), HTTP_IF_NONE_MATCH=etag)
    assert resp.status_code == 200 and "补充一张发票" in text(resp)


def test_etag_changes_when_the_company_is_verified(public: Complaint, company: Company) -> None:
    from tousu.companies.models import Company as CompanyModel

    etag = Client().get(url(public))["ETag"]
    CompanyModel.objects.filter(pk=company.pk).update(is_verified=True)
    resp = Client().get(url(public), HTTP_IF_NONE_MATCH=etag)
    assert resp.status_code == 200 and "已认证" in text(resp)


# --- escaping ------------------------------------------------------------------------------------


def test_user_text_is_escaped(
    make_user: Callable[..., User], moderator: User, merchant: User, company: Company
) -> None:
    evil_company = company_create(name=XSS_SCRIPT, brands=[XSS_IMG])
    author = make_user(Role.CONSUMER, nickname=XSS_IMG)
    complaint = accepted(
        file(
            author,
            evil_company,
            title=XSS_SCRIPT,
            details=f"{XSS_IMG}\n{XSS_SCRIPT}",
            brand_id=evil_company.brands.get().pk,
            problem_types=[],
            problem_other=XSS_IMG,
            demands=[],
            demand_other=XSS_SCRIPT,
            show_nickname=True,
        ),
        moderator,
    )
    pages = [
        url(complaint),
        f"/companies/{evil_company.pk}/",
        "/complaints/",
        "/",
        f"/complaints/?company={evil_company.pk}",
        "/companies/?q=script",
    ]
    for page in pages:
        html = text(Client().get(page))
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, page
    html = text(Client().get(url(complaint)))
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in html  # details, brand, nickname
    suggest = text(Client().get("/companies/suggest?q=script", HTTP_HX_REQUEST="true"))
    assert "<script>alert" not in suggest and "&lt;script&gt;" in suggest
    # the search box echoes the query
    echoed = text(Client().get("/companies/", {"q": XSS_IMG}))
    assert "<img src=x" not in echoed and 'value="&quot;&gt;&lt;img' in echoed
