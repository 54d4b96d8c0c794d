"""Windows, the service index, the 红黑榜 snapshots and their API."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company, CompanyMembership, MemberRole, Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.metrics import formula
from tousu.metrics.models import ImmutableError, RankingList
from tousu.metrics.rankings import periods, rankings_generate
from tousu.metrics.selectors import Scope, Totals, windows

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")


def test_wilson_interval() -> None:
    lo, hi = formula.wilson(8, 10) or (0, 0)
    assert round(lo, 3) == 0.490 and round(hi, 3) == 0.943
    assert formula.wilson(0, 0) is None
    assert formula.wilson(10, 10) == pytest.approx((0.7225, 1.0), abs=1e-3)


def test_index_needs_a_minimum_volume_and_rewards_answering() -> None:
    few = formula.service_index(
        valid=9, assigned=9, replied=9, replied_in_sla=9, completed=9, rated=9, rating_sum=135
    )
    assert few.rated is False and few.index is None
    good = formula.service_index(
        valid=100,
        assigned=100,
        replied=95,
        replied_in_sla=90,
        completed=70,
        rated=50,
        rating_sum=50 * 13,
    )
    bad = formula.service_index(
        valid=100,
        assigned=100,
        replied=20,
        replied_in_sla=5,
        completed=5,
        rated=5,
        rating_sum=5 * 4,
    )
    assert good.index is not None and bad.index is not None
    assert 0 <= bad.index < good.index <= 100


def test_median_first_reply_from_the_histogram() -> None:
    # 3 replies within an hour, 1 in 4–12 h: the median is in the first bucket
    t = Totals(replied=4, frt_hist=(3, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0))
    assert t.median_frt_hours == pytest.approx(2 / 3)
    assert Totals().median_frt_hours is None


def test_periods_are_the_last_complete_ones() -> None:
    p = periods(date(2026, 5, 13))  # a Wednesday
    assert p["weekly"] == (date(2026, 5, 4), date(2026, 5, 10))
    assert p["monthly"] == (date(2026, 4, 1), date(2026, 4, 30))
    assert p["quarterly"] == (date(2026, 1, 1), date(2026, 3, 31))
    assert p["overall"] == (None, date(2026, 5, 10))


def _company_with_complaints(
    name: str, n: int, replies: int, consumer: User, moderator: User, merchant: User, at: datetime
) -> Company:
    company = company_create(name=name, sector=Sector.ECOMMERCE)
    CompanyMembership.objects.create(company=company, user=merchant, role=MemberRole.AGENT)
    for i in range(n):
        c, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title=f"{name}订单{i}迟迟不发货",
                details=f"{name}第{i}单：付款后十天没有发货，客服一直不回复，要求退款。",
                company_id=company.pk,
                problem_types=["delivery"],
                demands=["refund"],
            ),
            now=at,
        )
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at)
        if i < replies:
            services.complaint_reply(
                complaint_id=c.pk, actor=merchant, message="马上处理", now=at + timedelta(hours=2)
            )
    return company


@pytest.fixture
def ranked(consumer: User, moderator: User, make_user: Callable[..., User]) -> list[Company]:
    at = datetime(2026, 5, 5, 10, 0, tzinfo=TZ)
    merchant = make_user(role="merchant")
    return [
        _company_with_complaints("好商家", 12, 12, consumer, moderator, merchant, at),
        _company_with_complaints("差商家", 12, 1, consumer, moderator, merchant, at),
        _company_with_complaints("小商家", 3, 3, consumer, moderator, merchant, at),
    ]


def test_windows_sum_the_cohort_days(ranked: list[Company]) -> None:
    good = ranked[0]
    w = windows(Scope(company_id=good.pk), today=date(2026, 5, 11))
    assert (w["7"].valid, w["30"].valid, w["all"].valid) == (12, 12, 12)
    assert w["7"].reply_rate == 1.0
    later = windows(Scope(company_id=good.pk), today=date(2026, 5, 12))
    assert later["7"].valid == 0 and later["30"].valid == 12
    sector = windows(Scope(sector=Sector.ECOMMERCE), today=date(2026, 5, 11))
    assert sector["7"].valid == 27


def test_lists_are_published_once_immutable_and_served(
    ranked: list[Company], client: Client
) -> None:
    counts = rankings_generate(today=date(2026, 5, 13))
    assert counts["weekly"] == 2  # all sectors + 电商平台
    assert rankings_generate(today=date(2026, 5, 13)) == dict.fromkeys(counts, 0)
    weekly = RankingList.objects.get(kind="weekly", sector="")
    assert (weekly.rated, weekly.not_rated) == (2, 1)  # 小商家 has too few complaints
    assert [e["name"] for e in weekly.red] == ["好商家"]
    assert [e["name"] for e in weekly.black] == ["差商家"]
    assert weekly.formula["version"] == formula.VERSION
    assert weekly.positions.get(rank=1).data["inputs"]["replied"] == 12
    weekly.red = []
    with pytest.raises(ImmutableError):
        weekly.save()
    with pytest.raises(ImmutableError):
        weekly.delete()

    body = client.get("/api/v1/rankings?kind=weekly&sector=").json()
    assert [item["id"] for item in body["items"]] == [weekly.pk]
    one = client.get(f"/api/v1/rankings/{weekly.pk}").json()
    assert one["red"][0]["company_id"] == ranked[0].pk
    assert client.get("/api/v1/rankings/999999").json()["code"] == "ranking_not_found"

    m = client.get(f"/api/v1/companies/{ranked[1].pk}/metrics").json()
    assert m["windows"]["all"]["valid"] == 12
    assert m["windows"]["all"]["replied"] == 1
    assert m["windows"]["all"]["index_rated"] is True
    assert client.get("/api/v1/companies/999999/metrics").status_code == 404


def test_a_complaint_is_counted_once_however_it_moves(
    ranked: list[Company], moderator: User
) -> None:
    assert Complaint.objects.count() == 27
    before = windows(Scope(), today=date(2026, 5, 11))["all"]
    assert before.valid == 27 and before.replied == 16


def test_sector_and_region_metrics_api(ranked: list[Company], client: Client) -> None:
    body = client.get("/api/v1/metrics?sector=ecommerce").json()
    assert body["windows"]["all"]["valid"] == 27
    assert client.get("/api/v1/metrics?sector=travel").json()["windows"]["all"]["valid"] == 0
    assert client.get("/api/v1/metrics").json()["windows"]["all"]["valid"] == 27
    bad = client.get("/api/v1/metrics?sector=nonsense")
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_sector"
    assert client.get("/api/v1/metrics?region=11").json()["code"] == "invalid_region"
    assert client.get("/api/v1/metrics?region=110000").json()["windows"]["all"]["valid"] == 0
    from tousu.companies.models import Region

    province = Region.objects.get_or_create(code="330000", defaults={"name": "浙江省", "level": 1})[
        0
    ]
    city = Region.objects.get_or_create(
        code="330100", defaults={"name": "杭州市", "level": 2, "parent": province}
    )[0]
    Company.objects.filter(pk=ranked[0].pk).update(region=city)
    assert client.get("/api/v1/metrics?region=330000").json()["windows"]["all"]["valid"] == 12
    assert client.get("/api/v1/metrics?region=330100").json()["windows"]["all"]["valid"] == 12
    assert client.get("/api/v1/metrics?region=330200").json()["windows"]["all"]["valid"] == 0
