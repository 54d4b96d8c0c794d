"""The home page: counters, the latest public complaints, the warning panel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from test_public_helpers import accepted, completed, file, logged_in, text

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.companies.services import company_resolve_or_create
from tousu.complaints import services

pytestmark = pytest.mark.django_db


def counter(html: str, name: str) -> str:
    start = html.index(f'data-counter="{name}">') + len(f'data-counter="{name}">')
    return html[start : html.index("<", start)]


def test_counters_count_valid_and_consumer_confirmed(
    consumer: User,
    company: Company,
    other_company: Company,
    merchant: User,
    moderator: User,
) -> None:
    done = accepted(file(consumer, company), moderator)
    completed(done, merchant)
    accepted(file(consumer, company), moderator)  # processing
    hidden = accepted(file(consumer, company), moderator)
    services.complaint_hide(complaint_id=hidden.pk, actor=moderator, reason="privacy")
    file(consumer, company)  # in review: not valid
    rejected = file(consumer, company)
    services.complaint_reject(complaint_id=rejected.pk, actor=moderator, reason="spam")
    # a company a consumer typed in, not yet confirmed by staff: not in the directory count
    company_resolve_or_create(name="没听说过的小店", user=consumer)

    html = text(Client().get("/"))
    assert counter(html, "valid") == "3"  # hidden ones were accepted too
    assert counter(html, "completed") == "1"
    assert counter(html, "companies") == "2"
    assert "统计口径" in html


def test_latest_lists_only_public_complaints(
    consumer: User, company: Company, moderator: User
) -> None:
    shown = accepted(file(consumer, company), moderator)
    pending = file(consumer, company)
    hidden = accepted(file(consumer, company), moderator)
    services.complaint_hide(complaint_id=hidden.pk, actor=moderator, reason="abuse")
    html = text(Client().get("/"))
    assert shown.title in html and f"/complaints/{shown.public_number}/" in html
    assert pending.title not in html and hidden.title not in html


def test_warning_panel_and_ways_on() -> None:
    html = text(Client().get("/"))
    for phrase in ("完全免费", "从不收费加急", "从不要求屏幕共享", "没有客服热线"):
        assert phrase in html
    assert 'action="/companies/"' in html and 'href="/complaints/new/"' in html
    assert "暂无公开投诉" in html


def test_home_query_budget_and_cache(
    consumer: User, company: Company, moderator: User, django_assert_max_num_queries: Any
) -> None:
    for _ in range(12):
        accepted(file(consumer, company), moderator)
    with django_assert_max_num_queries(4):
        resp = Client().get("/")
    assert resp.status_code == 200
    assert "public" in resp["Cache-Control"] and "max-age=60" in resp["Cache-Control"]
    client = logged_in(consumer)
    with django_assert_max_num_queries(10):
        resp = client.get("/")
    assert "private" in resp["Cache-Control"]
