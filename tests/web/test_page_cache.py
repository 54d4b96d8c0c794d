"""The page cache of anonymous public pages (tousu.pagecache, ADR 0028): a kept page is served
without the page's queries, every kind of change shows at the next request, logged-in visitors
and anonymous ones never share a page, each visitor gets their own CSRF token, and the setting
turns it off.

The changes run inside ``django_capture_on_commit_callbacks(execute=True)``: versions are bumped
on commit, and a test runs inside a transaction that never commits."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from test_public_helpers import accepted, completed, file, logged_in, text

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.companies.services import company_verify
from tousu.complaints import services
from tousu.complaints.models import Complaint, HideReason
from tousu.pagecache import cache as page_cache
from tousu.privacy.services import redaction_add

pytestmark = pytest.mark.django_db

OnCommit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _page_cache_on(settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": True}


@pytest.fixture
def public(
    consumer: User,
    company: Company,
    merchant: User,
    moderator: User,
    django_capture_on_commit_callbacks: OnCommit,
) -> Complaint:
    with django_capture_on_commit_callbacks(execute=True):
        return accepted(file(consumer, company, brand_id=company.brands.get().pk), moderator)


@pytest.fixture
def commit(
    django_capture_on_commit_callbacks: OnCommit,
) -> Callable[[], AbstractContextManager[Any]]:
    """A change as it happens in production: its on-commit callbacks (the bumps) run."""

    def ctx() -> AbstractContextManager[Any]:
        return django_capture_on_commit_callbacks(execute=True)

    return ctx


def curl(complaint: Complaint) -> str:
    return f"/complaints/{complaint.public_number}/"


def kurl(company: Company) -> str:
    return f"/companies/{company.pk}/"


PAGES = ("complaint", "company", "list")


def page_url(which: str, complaint: Complaint) -> str:
    return {
        "complaint": curl(complaint),
        "company": kurl(complaint.company),
        "list": "/complaints/",
    }[which]


def get(url: str, client: Client | None = None) -> Any:
    resp = (client or Client()).get(url)
    assert resp.status_code == 200, url
    return resp


# --- hits ------------------------------------------------------------------------------------


@pytest.mark.parametrize("which", [*PAGES, "home"])
def test_second_request_is_served_from_the_cache(
    which: str, public: Complaint, django_assert_num_queries: Any
) -> None:
    url = "/" if which == "home" else page_url(which, public)
    first = get(url)
    assert first["X-Page-Cache"] == "miss"
    with django_assert_num_queries(1):  # the versions, nothing else
        second = get(url)
    assert second["X-Page-Cache"] == "hit"
    assert second["ETag"] == first["ETag"] and second["ETag"].startswith('W/"')
    assert "public" in second["Cache-Control"] and "Cookie" in second["Vary"]
    # the same page but each visitor's CSRF token
    token = re.compile(r'(?<=name="csrfmiddlewaretoken" value=")[^"]+|(?<="X-CSRFToken": ")[^"]+')
    assert token.sub("", text(first)) == token.sub("", text(second))
    assert page_cache.CSRF_HOLE not in text(second)


def test_conditional_get_of_a_kept_page_is_304(public: Complaint) -> None:
    etag = get(curl(public))["ETag"]
    resp = Client().get(curl(public), HTTP_IF_NONE_MATCH=etag)
    assert resp.status_code == 304 and resp["X-Page-Cache"] == "hit"


def test_each_visitor_gets_a_working_csrf_token_of_their_own(public: Complaint) -> None:
    get(curl(public))  # kept
    for _ in range(2):
        client = Client(enforce_csrf_checks=True)
        resp = get(curl(public), client)
        assert resp["X-Page-Cache"] == "hit"
        form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text(resp))
        header_token = re.search(r'"X-CSRFToken": "([^"]+)"', text(resp))
        assert form_token and header_token
        assert "csrftoken" in resp.cookies  # the cookie the token belongs to
        # the language switch (a POST form on every public page) accepts it
        switch = client.post(
            "/i18n/setlang/",
            {"language": "en", "next": "/", "csrfmiddlewaretoken": form_token.group(1)},
        )
        assert switch.status_code == 302


def test_language_and_query_string_are_separate_pages(public: Complaint) -> None:
    get("/complaints/")
    assert get("/complaints/?status=processing")["X-Page-Cache"] == "miss"
    english = Client(HTTP_ACCEPT_LANGUAGE="en").get("/complaints/")
    assert english["X-Page-Cache"] == "miss" and 'lang="en"' in text(english)
    assert 'lang="zh-Hans"' in text(get("/complaints/"))


# --- changes show at once ----------------------------------------------------------------------


def _warm(complaint: Complaint) -> None:
    for which in PAGES:
        get(page_url(which, complaint))
        assert get(page_url(which, complaint))["X-Page-Cache"] == "hit"


@pytest.mark.parametrize("which", PAGES)
def test_company_reply_shows_at_once(
    which: str, public: Complaint, merchant: User, commit: Callable[..., Any]
) -> None:
    _warm(public)
    with commit():
        services.complaint_reply(complaint_id=public.pk, actor=merchant, message="已联系骑手核实")
    resp = get(page_url(which, public))
    assert resp["X-Page-Cache"] == "miss"
    if which == "complaint":
        assert "已联系骑手核实" in text(resp)


def test_status_change_and_rating_show_at_once(
    public: Complaint, merchant: User, commit: Callable[..., Any]
) -> None:
    _warm(public)
    with commit():
        completed(public, merchant, stars=(5, 5, 4), comment="处理很快")
    page = text(get(curl(public)))
    assert "处理很快" in page and 'data-status="completed"' in page
    assert 'data-status="completed"' in text(get("/complaints/"))
    assert get(kurl(public.company))["X-Page-Cache"] == "miss"


def test_hidden_complaint_disappears_at_once(
    public: Complaint, moderator: User, commit: Callable[..., Any]
) -> None:
    _warm(public)
    with commit():
        services.complaint_hide(
            complaint_id=public.pk, actor=moderator, reason=HideReason.PRIVACY, message="含手机号"
        )
    assert Client().get(curl(public)).status_code == 404
    assert public.title not in text(get("/complaints/"))
    assert public.title not in text(get(kurl(public.company)))


def test_staff_redaction_disappears_at_once(
    public: Complaint, moderator: User, commit: Callable[..., Any]
) -> None:
    secret = public.details[:6]
    _warm(public)
    assert secret in text(get(curl(public)))
    with commit():
        redaction_add(complaint_id=public.pk, actor=moderator, field="details", text=secret)
    assert secret not in text(get(curl(public)))


def test_company_rename_and_verification_show_at_once(
    public: Complaint, company: Company, moderator: User, commit: Callable[..., Any]
) -> None:
    _warm(public)
    with commit():
        company.name = "开心外卖集团有限公司"
        company.save(update_fields=["name"])
    for which in PAGES:
        assert "开心外卖集团有限公司" in text(get(page_url(which, public))), which
    assert "已认证" not in text(get(kurl(company)))
    with commit():
        company_verify(company_id=company.pk, actor=moderator)
    assert "已认证" in text(get(kurl(company)))
    assert "已认证" in text(get(curl(public)))


def test_company_merge_shows_at_once(
    consumer: User, company: Company, moderator: User, commit: Callable[..., Any]
) -> None:
    from tousu.companies.services import company_confirm, company_resolve_or_create

    with commit():
        typed, _brand = company_resolve_or_create(name="开心外卖", user=consumer)
        complaint = accepted(file(consumer, typed), moderator)
    for url in (curl(complaint), kurl(typed), kurl(company), "/complaints/"):
        get(url)
        assert get(url)["X-Page-Cache"] == "hit"
    assert "开心外卖" in text(get(curl(complaint)))
    with commit():
        company_confirm(company_id=typed.pk, actor=moderator, merge_into_id=company.pk)
    page = text(get(curl(complaint)))
    assert company.name in page and f'href="/companies/{company.pk}/"' in page
    assert f'href="/companies/{typed.pk}/"' not in text(get("/complaints/"))
    resp = Client().get(kurl(typed))
    assert resp.status_code == 301 and resp["Location"] == kurl(company)
    assert complaint.title in text(get(kurl(company)))


def test_consumer_public_name_change_shows_at_once(
    public: Complaint, consumer: User, commit: Callable[..., Any]
) -> None:
    _warm(public)
    assert consumer.pseudonym in text(get(curl(public)))
    with commit():
        consumer.pseudonym = "匿名用户Q"
        consumer.save(update_fields=["pseudonym"])
    assert "匿名用户Q" in text(get(curl(public)))


def test_overdue_sweep_shows_at_once(public: Complaint, commit: Callable[..., Any]) -> None:
    _warm(public)
    assert public.reply_due_at is not None
    with commit():
        counts = services.sla_sweep(now=public.reply_due_at + timedelta(minutes=1))
    assert counts["overdue"] == 1
    assert "商家超时未回复" in text(get(curl(public)))
    assert get(kurl(public.company))["X-Page-Cache"] == "miss"


def test_a_page_expires_at_the_sla_deadline_it_shows(public: Complaint) -> None:
    """The clock text changes at the deadline with no write: the page is not kept past it."""
    get(curl(public))
    entry = _entry(curl(public))
    assert public.reply_due_at is not None
    assert entry["expires"] <= public.reply_due_at.timestamp()
    assert entry["expires"] <= (timezone.now() + timedelta(seconds=600)).timestamp()


def _entry(url: str) -> dict[str, Any]:
    from django.core.cache import caches
    from django.test import RequestFactory

    request = RequestFactory().get(url)
    key = page_cache.page_key(request, {"/complaints/": "complaints"}.get(url, "complaint"))
    entry = caches[page_cache.CACHE_ALIAS].get(key)
    assert entry is not None
    return entry


def test_a_bump_before_commit_is_not_visible_and_a_rolled_back_change_bumps_nothing(
    public: Complaint, merchant: User
) -> None:
    """Without the commit (this test's transaction never commits) nothing is bumped: the bump
    is an on-commit callback, never written before the data."""
    _warm(public)
    services.complaint_reply(complaint_id=public.pk, actor=merchant, message="未提交的回复")
    assert get(curl(public))["X-Page-Cache"] == "hit"


# --- who gets a kept page ----------------------------------------------------------------------


def test_logged_in_visitors_never_get_the_anonymous_page(
    public: Complaint, consumer: User, merchant: User
) -> None:
    _warm(public)
    for user in (consumer, merchant):
        resp = logged_in(user).get(curl(public))
        assert resp.status_code == 200
        assert "X-Page-Cache" not in resp and "private" in resp["Cache-Control"]
        assert public.order_number in text(resp)  # the parties see the private fields


def test_anonymous_never_gets_a_private_page(public: Complaint, consumer: User) -> None:
    owner = logged_in(consumer)
    for which in PAGES:
        assert "X-Page-Cache" not in owner.get(page_url(which, public))
    resp = get(curl(public))
    assert resp["X-Page-Cache"] == "miss"
    assert public.order_number not in text(resp) and consumer.nickname not in text(resp)


def test_a_page_with_a_message_waiting_is_not_kept(public: Complaint) -> None:
    from django.contrib.messages.storage.cookie import CookieStorage

    client = Client()
    storage = CookieStorage(None)  # type: ignore[arg-type]
    encoded = storage._encode([_message("已退出登录")])
    client.cookies["messages"] = encoded
    resp = client.get(curl(public))
    assert "X-Page-Cache" not in resp and "已退出登录" in text(resp)


def _message(body: str) -> Any:
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message

    return Message(constants.INFO, body)


def test_setting_off_renders_every_time(public: Complaint, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "PAGE_CACHE": False}
    get(curl(public))
    resp = get(curl(public))
    assert "X-Page-Cache" not in resp


def test_missing_pages_and_redirects_are_not_kept(public: Complaint) -> None:
    assert Client().get("/complaints/TS00000000/").status_code == 404
    resp = Client().get(curl(public).lower())
    assert resp.status_code == 301 and "X-Page-Cache" not in resp
    assert Client().get("/companies/999999/").status_code == 404
    assert "X-Page-Cache" not in Client().get("/complaints/?status=bogus")


def test_bulk_writers_flush_every_page(public: Complaint, commit: Callable[..., Any]) -> None:
    _warm(public)
    with commit():
        page_cache.flush()
    for which in PAGES:
        assert get(page_url(which, public))["X-Page-Cache"] == "miss"


def test_old_versions_are_pruned_and_a_pruned_key_reads_zero(commit: Callable[..., Any]) -> None:
    from tousu.pagecache.models import PageVersion

    with commit():
        page_cache.bump("c:1", "c:2")
    assert set(page_cache.read_versions(["c:1", "c:2", "c:3"]).values()) - {0} and (
        page_cache.read_versions(["c:3"]) == {"c:3": 0}
    )
    PageVersion.objects.filter(key="c:1").update(
        bumped_at=timezone.now() - timedelta(seconds=600 + 3600 + 1)
    )
    assert page_cache.prune() == 1
    assert page_cache.read_versions(["c:1"]) == {"c:1": 0}
    assert page_cache.read_versions(["c:2"])["c:2"] != 0
