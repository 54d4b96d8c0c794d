"""The merchant inbox /merchant/: who gets in, which complaints it lists, filters, sorting,
SLA countdowns and a query count that does not grow with the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from test_merchant_helpers import accepted, count_queries, file, logged_in, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole, Sector
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db
URL = "/merchant/"


def test_anonymous_visitors_are_sent_to_log_in() -> None:
    response = logged_in(None).get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/merchant/")


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.MODERATOR, Role.REGULATOR, Role.MEDIATOR])
def test_other_roles_are_refused(make_user: Callable[..., User], role: str) -> None:
    assert logged_in(make_user(role)).get(URL).status_code == 403


def test_a_merchant_sees_its_own_companys_accepted_complaints_only(
    consumer: User,
    moderator: User,
    merchant: User,
    company: Company,
    other_merchant: User,
    other_company: Company,
) -> None:
    mine = accepted(consumer, moderator, company)
    theirs = accepted(consumer, moderator, other_company)
    in_review = file(consumer, company)
    page = text(logged_in(merchant).get(URL))
    assert mine.title in page and mine.public_number in page
    assert theirs.title not in page
    assert in_review.title not in page
    assert "剩余" in page  # the SLA countdown ("商家回复剩余 5 个工作日")
    assert 'name="numbers"' in page and "csrfmiddlewaretoken" in page


def test_a_viewer_sees_the_inbox_without_bulk_reply(
    make_user: Callable[..., User],
    consumer: User,
    moderator: User,
    merchant: User,
    company: Company,
) -> None:
    viewer = make_user(Role.MERCHANT)
    company_add_member(company=company, user=viewer, role=MemberRole.VIEWER)
    complaint = accepted(consumer, moderator, company)
    page = text(logged_in(viewer).get(URL))
    assert complaint.title in page
    assert 'name="numbers"' not in page


@pytest.fixture
def spread(consumer: User, moderator: User, merchant: User, company: Company) -> dict[str, Any]:
    """An overdue, a due-soon, a replied and a branded complaint of ``company``."""
    now = timezone.now()
    brand = company.brands.get()
    overdue = accepted(consumer, moderator, company, now=now - timedelta(days=20))
    services.sla_sweep()
    soon = accepted(consumer, moderator, company)
    Complaint.objects.filter(pk=soon.pk).update(reply_due_at=now + timedelta(hours=3))
    answered = accepted(consumer, moderator, company)
    services.complaint_reply(complaint_id=answered.pk, actor=merchant, message="您好，已退款")
    branded = accepted(consumer, moderator, company, brand_id=brand.pk)
    return {
        "overdue": overdue,
        "soon": soon,
        "replied": answered,
        "branded": branded,
        "brand": brand,
    }


def _titles(merchant: User, query: str) -> list[str]:
    response = logged_in(merchant).get(URL + query)
    assert response.status_code == 200
    return [c.title for c in response.context["page_obj"]]


def test_filters(merchant: User, spread: dict[str, Any]) -> None:
    title = {k: v.title for k, v in spread.items() if isinstance(v, Complaint)}
    assert _titles(merchant, "?status=replied") == [title["replied"]]
    assert _titles(merchant, "?due=overdue") == [title["overdue"]]
    assert _titles(merchant, "?due=soon") == [title["soon"]]
    assert _titles(merchant, f"?brand={spread['brand'].pk}") == [title["branded"]]
    today = timezone.localdate()
    old = (today - timedelta(days=10)).isoformat()
    assert _titles(merchant, f"?until={old}") == [title["overdue"]]
    assert title["overdue"] not in _titles(merchant, f"?since={today.isoformat()}")
    assert len(_titles(merchant, f"?since={today.isoformat()}")) == 3


def test_overdue_rows_show_how_late_the_company_is(merchant: User, spread: dict[str, Any]) -> None:
    page = text(logged_in(merchant).get(URL + "?due=overdue"))
    assert "商家已超时" in page


def test_sorting_by_due_time_and_by_newest(merchant: User, spread: dict[str, Any]) -> None:
    by_due = _titles(merchant, "?order=due")
    # overdue first, then due within hours, then the normal deadline; no deadline (replied) last
    assert by_due[:2] == [spread["overdue"].title, spread["soon"].title]
    assert by_due[-1] == spread["replied"].title
    assert _titles(merchant, "") == by_due  # due time is the default order
    newest = _titles(merchant, "?order=newest")
    assert newest[0] == spread["branded"].title and newest[-1] == spread["overdue"].title


def test_a_wrong_filter_value_is_reported_and_the_others_still_apply(
    merchant: User, other_company: Company, spread: dict[str, Any]
) -> None:
    response = logged_in(merchant).get(URL + f"?company={other_company.pk}&status=replied")
    assert response.status_code == 200
    assert response.context["form"].errors["company"]
    assert [c.title for c in response.context["page_obj"]] == [spread["replied"].title]


def test_a_merchant_of_several_companies_filters_by_company(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    second = company_create(name="第二家公司", sector=Sector.FOOD)
    company_add_member(company=second, user=merchant, role=MemberRole.AGENT)
    a = accepted(consumer, moderator, company)
    b = accepted(consumer, moderator, second)
    page = text(logged_in(merchant).get(URL))
    assert a.title in page and b.title in page and 'name="company"' in page
    assert _titles(merchant, f"?company={second.pk}") == [b.title]


def test_the_query_count_does_not_grow_with_the_rows(
    make_user: Callable[..., User],
    consumer: User,
    moderator: User,
    merchant: User,
    company: Company,
) -> None:
    def fill(n: int) -> None:
        for _ in range(n):
            filer = make_user(Role.CONSUMER)  # a new consumer and brand each time: no caching
            accepted(filer, moderator, company, brand_id=company.brands.get().pk)

    client = logged_in(merchant)
    fill(3)
    few, _ = count_queries(client, URL)
    fill(27)
    many, response = count_queries(client, URL)
    assert len(response.context["page_obj"]) == 30
    assert few == many, (few, many)
    assert many <= 12, many
