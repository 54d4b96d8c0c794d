"""GET /api/v1/complaints/search and GET /api/v1/companies/suggest."""

from __future__ import annotations

from collections.abc import Callable

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
