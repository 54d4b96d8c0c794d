"""GET /api/v1/complaints/search and GET /api/v1/companies/suggest."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.companies.services import company_create
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_search_endpoint(
    file: Callable[..., Complaint], company: Company, other_company: Company
) -> None:
    a = file(company, "拒绝退款", "<b>课程</b>申请退款被拒绝", amount="300")
    file(other_company, "霸王条款", "押金不退还")
    file(company, "退款不到账", "审核中的投诉", accept=False)
    r = Client().get("/api/v1/complaints/search", {"q": "退款", "sector": "local_services"})
    assert r.status_code == 200, r.content
    body = r.json()
    assert [i["public_number"] for i in body["items"]] == [a.public_number]
    assert body["total"] == 1 and body["total_exact"]
    assert "<mark>退款</mark>" in body["items"][0]["snippet_html"]
    assert "&lt;b&gt;" in body["items"][0]["snippet_html"]
    assert {f["value"] for f in body["facets"]["sector"]} == {"local_services"}
    r = Client().get("/api/v1/complaints/search", {"q": "退款", "date_from": "2026-13-01"})
    assert r.status_code == 422
    assert r.json()["details"]["field"] == "date_from"
    r = Client().get("/api/v1/complaints/search", {"scope": "inbox"})
    assert r.status_code == 401


def test_inbox_scope(
    file: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    merchant: User,
    moderator: User,
    consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:
    from tousu.complaints import services
    from tousu.complaints.models import HideReason

    mine = file(company, "拒绝退款", "申请退款被拒绝")
    services.complaint_hide(complaint_id=mine.pk, actor=moderator, reason=HideReason.PRIVACY)
    theirs = file(other_company, "拒绝退款", "申请退款被拒绝了")

    def numbers(user: User | None, **params: str) -> list[str]:
        r = client_for(user).get("/api/v1/complaints/search", {"q": "退款", **params})
        assert r.status_code == 200, r.content
        return [i["public_number"] for i in r.json()["items"]]

    assert numbers(None) == [theirs.public_number]
    assert numbers(merchant, scope="inbox") == [mine.public_number]
    assert set(numbers(moderator, scope="inbox")) == {mine.public_number, theirs.public_number}
    assert client_for(consumer).get("/api/v1/complaints/search?scope=inbox").status_code == 403


def test_company_key_searches_its_own_inbox(
    file: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    merchant: User,
    other_merchant: User,
    moderator: User,
) -> None:
    """A company API key with scope=inbox sees its own company's complaints, private ones and
    private fields included, and nothing of other companies, even when the owner who created it
    also works for them; public scope stays public; a reply-only key may not read the inbox."""
    from tousu.companies.models import MemberRole
    from tousu.companies.services import company_add_member
    from tousu.complaints import services
    from tousu.complaints.models import HideReason
    from tousu.merchants.api_keys import api_key_create

    company_add_member(company=other_company, user=merchant, role=MemberRole.AGENT)
    mine = file(company, "拒绝退款", "申请退款被拒绝", order_number="DD20250601123456")
    services.complaint_hide(complaint_id=mine.pk, actor=moderator, reason=HideReason.PRIVACY)
    theirs = file(other_company, "拒绝退款", "申请退款被拒绝了", order_number="TT99")
    in_review = file(company, "退款不到账", "还在审核的投诉", accept=False)
    _key, raw = api_key_create(actor=merchant, company_id=company.pk, name="ERP", scopes=["read"])
    _key, reply_only = api_key_create(
        actor=merchant, company_id=company.pk, name="回复", scopes=["reply"]
    )

    def get(headers: dict[str, str], **params: str) -> Any:
        return Client(**headers).get("/api/v1/complaints/search", {"q": "退款", **params})

    for headers in ({"HTTP_AUTHORIZATION": f"Bearer {raw}"}, {"HTTP_X_API_KEY": raw}):
        r = get(headers, scope="inbox")
        assert r.status_code == 200, r.content
        items = r.json()["items"]
        assert [i["public_number"] for i in items] == [mine.public_number]
        assert items[0]["is_public"] is False
        assert items[0]["private"] == {"order_number": "DD20250601123456", "purchase_date": None}
        assert theirs.public_number not in r.content.decode()
        assert in_review.public_number not in r.content.decode()
        assert "TT99" not in r.content.decode()
        # other companies' complaints stay out even when asked for by filter
        r = get(headers, scope="inbox", company=str(other_company.pk))
        assert r.status_code == 200 and r.json()["items"] == []
        public = get(headers).json()["items"]
        assert [i["public_number"] for i in public] == [theirs.public_number]
        assert public[0]["private"] is None
    # the user session of the same owner sees both companies' inboxes
    session = Client()
    session.force_login(merchant)
    both = session.get("/api/v1/complaints/search", {"q": "退款", "scope": "inbox"}).json()
    assert {i["public_number"] for i in both["items"]} == {mine.public_number, theirs.public_number}
    r = get({"HTTP_AUTHORIZATION": f"Bearer {reply_only}"}, scope="inbox")
    assert r.status_code == 403 and r.json()["code"] == "insufficient_scope"
    r = get({"HTTP_AUTHORIZATION": "Bearer tsm_not-a-key"}, scope="inbox")
    assert r.status_code == 401 and set(r.json()) == {"code", "message", "details"}
    assert other_merchant.pk  # the other company's own merchant is not involved


def test_suggest_by_pinyin_initials_and_script(file: Callable[..., Complaint]) -> None:
    meituan = company_create(name="美团", sector="local_services", brands=["美团外卖"])
    other = company_create(name="美特斯邦威", sector="fashion_beauty")
    file(meituan, "外卖退款难", "商家拒绝退款")
    for q in ("meituan", "mt", "美团", "美團", "MeiTuan", "美团外"):
        r = Client().get("/api/v1/companies/suggest", {"q": q})
        assert r.status_code == 200
        assert r.json()[0]["id"] == meituan.pk, q
    # ranked by public complaint volume: 美团 (1) before 美特斯邦威 (0) for "m"
    ids = [c["id"] for c in Client().get("/api/v1/companies/suggest", {"q": "m"}).json()]
    assert ids.index(meituan.pk) < ids.index(other.pk)
    assert Client().get("/api/v1/companies/suggest", {"q": "  "}).json() == []
