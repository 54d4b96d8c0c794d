"""消费者服务之星: nominations from the data, staff decide, the award page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.common.errors import Conflict, PermissionDenied
from tousu.companies.models import Company, CompanyMembership, MemberRole
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.metrics.models import ServiceStar, StarState
from tousu.metrics.stars import star_decide, stars_nominate

pytestmark = pytest.mark.django_db

AT = datetime(2026, 2, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def excellent(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    consumer: User,
) -> Company:
    CompanyMembership.objects.get_or_create(
        company=company, user=merchant, defaults={"role": MemberRole.OWNER}
    )
    for i in range(30):
        at = AT + timedelta(hours=i)
        c = file_complaint(company, at)
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at)
        services.complaint_reply(complaint_id=c.pk, actor=merchant, message="已退款", now=at)
        services.complaint_request_completion(complaint_id=c.pk, actor=merchant, now=at)
        services.complaint_confirm_completion(
            complaint_id=c.pk, actor=consumer, attitude=5, speed=5, satisfaction=5, now=at
        )
    return company


def test_nominate_decide_and_show(
    excellent: Company, moderator: User, merchant: User, client: Client
) -> None:
    made = stars_nominate(today=date(2026, 4, 2))
    assert made == {"quarterly": 1, "annual": 0}
    assert stars_nominate(today=date(2026, 4, 2)) == {"quarterly": 0, "annual": 0}
    star = ServiceStar.objects.get()
    assert (star.company_id, star.rank, star.state) == (excellent.pk, 1, StarState.NOMINATED)
    assert star.inputs["valid"] == 30 and star.index >= 70

    assert excellent.name not in client.get("/rankings/stars/").content.decode()
    with pytest.raises(PermissionDenied):
        star_decide(star_id=star.pk, actor=merchant, confirm=True)

    client.force_login(moderator)
    review = client.get("/rankings/stars/review/")
    assert excellent.name in review.content.decode()
    resp = client.post(f"/rankings/stars/{star.pk}/decide", {"decision": "confirm"})
    assert resp.status_code == 302
    star.refresh_from_db()
    assert (star.state, star.decided_by_id) == (StarState.CONFIRMED, moderator.pk)
    with pytest.raises(Conflict):
        star_decide(star_id=star.pk, actor=moderator, confirm=False)
    client.logout()
    assert excellent.name in client.get("/rankings/stars/").content.decode()


def test_review_page_is_for_staff_only(merchant: User, client: Client) -> None:
    client.force_login(merchant)
    assert client.get("/rankings/stars/review/").status_code == 403
    assert client.post("/rankings/stars/1/decide", {"decision": "confirm"}).status_code == 403


def test_annual_star_nominates_the_qualifying_company_only(
    excellent: Company,
    other_company: Company,
    other_merchant: User,
    moderator: User,
    file_complaint: Callable[..., Complaint],
) -> None:
    # another company with as many complaints in the same year, accepted but never answered:
    # enough volume, an index far below the bar
    for i in range(30):
        at = AT + timedelta(days=60, hours=i)
        c = file_complaint(other_company, at)
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at)

    # early 2027: the latest complete year is 2026; the latest quarter (2026 Q4) is empty
    made = stars_nominate(today=date(2027, 1, 5))
    assert made == {"quarterly": 0, "annual": 1}
    star = ServiceStar.objects.get()
    assert (star.period, star.period_start, star.period_end) == (
        "annual",
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert (star.company_id, star.rank, star.state) == (excellent.pk, 1, StarState.NOMINATED)
    assert star.inputs["valid"] == 30 and star.inputs["completed"] == 30
    assert star.index >= 70
    # once per year and formula version
    assert stars_nominate(today=date(2027, 3, 1)) == {"quarterly": 0, "annual": 0}
