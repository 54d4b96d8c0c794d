"""消费热点: weekly rising words from public complaints."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.insights.hotspots import hotspots_build, hotspots_due
from tousu.insights.models import Hotspot

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)


def _file(consumer: User, moderator: User, company: Company, when: datetime, n: int,
          text: str, accept: bool = True) -> None:  # fmt: skip
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=f"{text}第{n}次",
            details=f"订单{n}：{text}，客服一直推脱，要求退款。",
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
        ),
        now=when,
    )
    if accept:
        services.complaint_accept(
            complaint_id=complaint.pk, actor=moderator, now=when + timedelta(hours=2)
        )


@pytest.fixture
def weeks(make_user: Callable[..., User], moderator: User, company: Company) -> None:
    start = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # four weeks before MONDAY
    for i in range(40):
        user = make_user(role="consumer")
        _file(user, moderator, company, start + timedelta(hours=16 * i), i, "外卖超时送达")
    for i in range(30):
        user = make_user(role="consumer")
        when = datetime(2026, 6, 1, 2, 0, tzinfo=UTC) + timedelta(hours=5 * i)
        _file(user, moderator, company, when, 100 + i, "会员被自动续费扣款")
    # private (not accepted) complaints never count
    _file(make_user(role="consumer"), moderator, company,
          datetime(2026, 6, 2, 2, 0, tzinfo=UTC), 999, "秘密词汇泄露", accept=False)  # fmt: skip


def test_the_week_shows_what_rose(weeks: None, company: Company) -> None:
    assert hotspots_build(MONDAY) >= 2
    national = Hotspot.objects.get(week_start=MONDAY, scope_kind="all")
    words = [t["term"] for t in national.terms]
    assert "自动续费" in words or "续费" in words
    assert "外卖" not in words and "秘密" not in "".join(words)
    assert national.complaints == 30 and national.baseline_weekly == 10.0
    sector = Hotspot.objects.get(week_start=MONDAY, scope_kind="sector", scope_key=company.sector)
    assert sector.terms
    assert hotspots_build(MONDAY) == Hotspot.objects.filter(week_start=MONDAY).count()
    with pytest.raises(ValueError):
        hotspots_build(MONDAY + timedelta(days=1))


def test_page_api_and_job(weeks: None, client: Client) -> None:
    later = datetime(2026, 6, 8, 4, 0, tzinfo=UTC)  # Monday noon in Beijing
    assert hotspots_due(later)["week"] == str(MONDAY)
    assert "skipped" in hotspots_due(later)
    page = client.get("/hotspots/")
    assert page.status_code == 200 and "续费" in page.content.decode()
    data = client.get("/api/v1/hotspots?scope_kind=all").json()
    assert data[0]["week_start"] == str(MONDAY) and data[0]["terms"]
    assert client.get("/hotspots/?week=2020-01-06").status_code == 404
    assert client.get("/hotspots/?week=nonsense").status_code == 404
