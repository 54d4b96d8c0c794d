"""The public API's answers in the page cache (ADR 0034, on ADR 0028): an anonymous
``GET /api/v1/complaints/{number}`` or public search is served from the cache, byte for byte
what the endpoint answers without it; every kind of change shows at the next request; anyone
with credentials bypasses it; the rate limits count hits as before.

The changes run inside ``django_capture_on_commit_callbacks(execute=True)``: versions are bumped
on commit, and a test runs inside a transaction that never commits."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from test_public_helpers import accepted, completed, file

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, HideReason
from tousu.privacy.models import Redaction
from tousu.privacy.services import redaction_add, redaction_revert

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _page_cache_on(settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": True}


@pytest.fixture
def commit(
    django_capture_on_commit_callbacks: OnCommit,
) -> Callable[[], AbstractContextManager[Any]]:
    """A change as it happens in production: its on-commit callbacks (the bumps) run."""

    def ctx() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return ctx


@pytest.fixture
def public(
    consumer: User,
    company: Company,
    merchant: User,  # a company with a member: accepted complaints are assigned to it
    moderator: User,
    commit: Callable[[], AbstractContextManager[Any]],
) -> Complaint:
    with commit():
        return accepted(file(consumer, company, brand_id=company.brands.get().pk), moderator)


def aurl(complaint: Complaint) -> str:
    return f"/api/v1/complaints/{complaint.public_number}"


SEARCH = "/api/v1/complaints/search?q=%E9%80%80%E6%AC%BE"  # 退款


def get(url: str, client: Client | None = None) -> Any:
    resp = (client or Client()).get(url)
    assert resp.status_code == 200, (url, resp.content)
    return resp


def warm(*urls: str) -> None:
    for url in urls:
        get(url)
        assert get(url)["X-Page-Cache"] == "hit", url


# --- hits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", ["detail", "search"])
def test_second_anonymous_request_is_a_hit_identical_to_the_uncached_answer(
    which: str, public: Complaint, settings: Any, django_assert_num_queries: Any
) -> None:
    url = aurl(public) if which == "detail" else SEARCH
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": False}
    plain = get(url)
    assert "X-Page-Cache" not in plain
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": True}
    first = get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):  # the versions, nothing else
        second = get(url)
    assert second["X-Page-Cache"] == "hit"
    assert plain.content == first.content == second.content
    assert second["Content-Type"] == plain["Content-Type"] == "application/json; charset=utf-8"
    assert second["ETag"] == first["ETag"] and second["ETag"].startswith('W/"')
    for resp in (first, second):  # the rate limit headers on hits too
        assert resp["X-RateLimit-Limit"] == plain["X-RateLimit-Limit"]
        assert "Set-Cookie" not in str(resp.cookies.get("sessionid", ""))
    if which == "detail":
        assert second.json()["public_number"] == public.public_number
        assert "order_number" not in second.json()  # the public copy
    else:
        assert public.public_number in second.content.decode()


def test_conditional_get_is_304(public: Complaint) -> None:
    etag = get(aurl(public))["ETag"]
    resp = Client().get(aurl(public), HTTP_IF_NONE_MATCH=etag)
    assert resp.status_code == 304 and resp["X-Page-Cache"] == "hit"


def test_hits_count_against_the_anonymous_rate_limit(public: Complaint, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "API_READ_PER_MINUTE_ANON": 3}
    remaining = [get(aurl(public))["X-RateLimit-Remaining"] for _ in range(3)]
    assert remaining == ["2", "1", "0"]
    refused = Client().get(aurl(public))
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert "X-Page-Cache" not in refused


def test_missing_and_unpublished_complaints_are_not_kept(
    consumer: User, company: Company, public: Complaint
) -> None:
    in_review = file(consumer, company)
    for url in ("/api/v1/complaints/TS00000000", aurl(in_review)):
        for _ in range(2):
            resp = Client().get(url)
            assert resp.status_code == 404 and "X-Page-Cache" not in resp
    # a number in another case is the same complaint (the API upper-cases it)
    lower = f"/api/v1/complaints/{public.public_number.lower()}"
    get(lower)
    assert get(lower)["X-Page-Cache"] == "hit"
    bad = Client().get("/api/v1/complaints/search?scope=inbox")
    assert bad.status_code == 401 and "X-Page-Cache" not in bad


# --- who bypasses it ---------------------------------------------------------------------------


def test_callers_with_credentials_bypass_the_cache(
    public: Complaint, consumer: User, merchant: User, moderator: User
) -> None:
    from tousu.accounts.services import token_create
    from tousu.merchants.api_keys import api_key_create
    from tousu.partners.services import partner_key_create

    warm(aurl(public), SEARCH)
    _t, token = token_create(user=consumer, name="cli")
    _k, company_key = api_key_create(
        actor=merchant, company_id=public.company_id, name="ERP", scopes=["read"]
    )
    _p, partner = partner_key_create(
        name="研究", organisation="某大学", contact_email="lab@example.com", created_by=moderator
    )
    session = Client()
    session.force_login(consumer)
    callers = {
        "token": Client(HTTP_AUTHORIZATION=f"Bearer {token}"),
        "company key": Client(HTTP_AUTHORIZATION=f"Bearer {company_key}"),
        "company key header": Client(HTTP_X_API_KEY=company_key),
        "partner key": Client(HTTP_X_API_KEY=partner),
        "session": session,
    }
    for name, client in callers.items():
        for url in (aurl(public), SEARCH):
            resp = client.get(url)
            assert resp.status_code == 200, (name, url, resp.content)
            assert "X-Page-Cache" not in resp, (name, url)
    # the parties still get the private fields
    for client in (callers["token"], session):
        assert client.get(aurl(public)).json()["order_number"] == public.order_number
    assert "X-Quota-Remaining" in callers["partner key"].get(aurl(public))
    # a bad credential is refused, never answered from the cache
    for headers in ({"HTTP_AUTHORIZATION": "Bearer tsk_nope"}, {"HTTP_X_API_KEY": "tpk_nope"}):
        resp = Client(**headers).get(aurl(public))
        assert resp.status_code in (401, 403) and "X-Page-Cache" not in resp


def test_a_private_answer_is_never_kept_for_the_public(public: Complaint, consumer: User) -> None:
    from tousu.accounts.services import token_create

    _t, token = token_create(user=consumer, name="cli")
    owner = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert owner.get(aurl(public)).json()["order_number"] == public.order_number
    resp = get(aurl(public))
    assert resp["X-Page-Cache"] == "miss" and public.order_number not in resp.content.decode()


# --- changes show at once ----------------------------------------------------------------------


def test_reply_status_and_rating_show_at_once(
    public: Complaint, merchant: User, commit: Callable[..., Any]
) -> None:
    warm(aurl(public), SEARCH)
    with commit():
        services.complaint_reply(complaint_id=public.pk, actor=merchant, message="已联系骑手核实")
    data = get(aurl(public)).json()
    assert "已联系骑手核实" in [e["message"] for e in data["events"]]
    warm(aurl(public))
    with commit():
        completed(public, merchant, stars=(5, 5, 4), comment="处理很快")
    data = get(aurl(public)).json()
    assert data["status"] == "completed"
    assert "处理很快" in [(e["rating"] or {}).get("comment") for e in data["events"]]
    search = get(SEARCH).json()
    assert [i["status"] for i in search["items"]] == ["completed"]


def test_hide_and_unhide_show_at_once(
    public: Complaint, moderator: User, commit: Callable[..., Any]
) -> None:
    warm(aurl(public), SEARCH)
    with commit():
        services.complaint_hide(
            complaint_id=public.pk, actor=moderator, reason=HideReason.PRIVACY, message="含手机号"
        )
    assert Client().get(aurl(public)).status_code == 404
    assert get(SEARCH).json()["items"] == []
    with commit():
        services.complaint_unhide(complaint_id=public.pk, actor=moderator)
    assert get(aurl(public)).json()["visibility"] == "public"
    assert [i["public_number"] for i in get(SEARCH).json()["items"]] == [public.public_number]


def test_staff_redaction_and_its_revert_show_at_once(
    public: Complaint, moderator: User, commit: Callable[..., Any]
) -> None:
    secret = public.details[:6]
    warm(aurl(public))
    assert secret in get(aurl(public)).json()["details"]
    with commit():
        redaction_add(complaint_id=public.pk, actor=moderator, field="details", text=secret)
    assert secret not in get(aurl(public)).json()["details"]
    warm(aurl(public))
    redaction = Redaction.objects.filter(complaint=public, reverted_at__isnull=True).latest("pk")
    with commit():
        redaction_revert(complaint_id=public.pk, redaction_id=redaction.pk, actor=moderator)
    assert secret in get(aurl(public)).json()["details"]


def test_redacted_title_shows_in_search_at_once(
    public: Complaint, moderator: User, commit: Callable[..., Any]
) -> None:
    secret = public.title[:4]  # 外卖超时
    warm(SEARCH)
    assert secret in get(SEARCH).json()["items"][0]["title"]
    with commit():
        redaction_add(complaint_id=public.pk, actor=moderator, field="title", text=secret)
    assert secret not in get(SEARCH).json()["items"][0]["title"]


def test_company_and_brand_renames_show_at_once(
    public: Complaint, company: Company, commit: Callable[..., Any]
) -> None:
    warm(aurl(public), SEARCH)
    with commit():
        company.name = "开心外卖集团有限公司"
        company.save(update_fields=["name"])
    assert get(aurl(public)).json()["company"]["name"] == "开心外卖集团有限公司"
    assert get(SEARCH).json()["items"][0]["company"]["name"] == "开心外卖集团有限公司"
    warm(aurl(public), SEARCH)
    brand = company.brands.get()
    with commit():
        brand.name = "开心跑腿"
        brand.save(update_fields=["name"])
    assert get(aurl(public)).json()["brand"]["name"] == "开心跑腿"
    assert get(SEARCH).json()["items"][0]["brand"] == "开心跑腿"


def test_consumer_public_name_change_shows_at_once(
    public: Complaint, consumer: User, commit: Callable[..., Any]
) -> None:
    warm(aurl(public))
    assert get(aurl(public)).json()["consumer_name"] == consumer.pseudonym
    with commit():
        consumer.pseudonym = "匿名用户Q"
        consumer.save(update_fields=["pseudonym"])
    assert get(aurl(public)).json()["consumer_name"] == "匿名用户Q"


def test_overdue_sweep_shows_at_once(public: Complaint, commit: Callable[..., Any]) -> None:
    warm(aurl(public))
    assert public.reply_due_at is not None
    with commit():
        counts = services.sla_sweep(now=public.reply_due_at + timedelta(minutes=1))
    assert counts["overdue"] == 1
    assert get(aurl(public)).json()["is_overdue"] is True


def test_a_new_public_complaint_shows_in_search_at_once(
    public: Complaint, consumer: User, company: Company, moderator: User, commit: Callable[..., Any]
) -> None:
    warm(SEARCH)
    with commit():
        newer = accepted(file(consumer, company), moderator)
    numbers = {i["public_number"] for i in get(SEARCH).json()["items"]}
    assert numbers == {public.public_number, newer.public_number}


def test_search_rebuild_flushes_kept_answers(public: Complaint, commit: Callable[..., Any]) -> None:
    from tousu.search.index import rebuild_all

    warm(SEARCH)
    with commit():
        rebuild_all()
    assert get(SEARCH)["X-Page-Cache"] == "miss"


# --- the company typeahead (an htmx fragment) --------------------------------------------------

SUGGEST = "/companies/suggest?q=%E5%BF%AB%E4%B9%90"  # 快乐


def suggest(url: str = SUGGEST) -> Any:
    resp = Client(HTTP_HX_REQUEST="true").get(url)
    assert resp.status_code == 200
    return resp


def names(resp: Any) -> list[str]:
    import re

    return re.findall(r'<a href="/companies/\d+/">([^<]+)</a>', resp.content.decode())


def test_typeahead_is_kept_and_follows_companies_and_volumes(
    public: Complaint,
    company: Company,
    consumer: User,
    moderator: User,
    commit: Callable[..., Any],
) -> None:
    from tousu.companies.models import Sector
    from tousu.companies.services import company_create, company_verify

    with commit():
        rival = company_create(name="快乐电商", sector=Sector.ECOMMERCE)
    first = suggest()
    assert first["X-Page-Cache"] == "miss" and "HX-Request" in first["Vary"]
    assert suggest()["X-Page-Cache"] == "hit"
    assert names(first) == [company.name, "快乐电商"]  # most complained-about first
    # the redirect of a plain visit is never kept
    assert Client().get(SUGGEST).status_code == 302
    with commit():  # two public complaints make the rival the bigger one
        for _ in range(2):
            accepted(file(consumer, rival), moderator)
    assert names(suggest()) == ["快乐电商", company.name]
    with commit():
        rival.name = "快乐电商集团"
        rival.save(update_fields=["name"])
    assert names(suggest())[0] == "快乐电商集团"
    assert "已认证" not in suggest().content.decode()
    with commit():
        company_verify(company_id=company.pk, actor=moderator)
    assert "已认证" in suggest().content.decode()
