"""Query budgets: a list costs the same number of queries for 3 rows as for 30.

Each test fills a list with 3 items, counts the queries of one request, grows the list to 30 and
counts again: the counts must be equal (no N+1) and within the endpoint's budget.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from PIL import Image

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, Sector
from tousu.companies.services import company_add_alias, company_create
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file, store_evidence
from tousu.complaints.models import Complaint
from tousu.engagement.models import Notification

pytestmark = pytest.mark.django_db

SMALL, LARGE = 3, 30


def png(i: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 4), (i % 256, 10, 20)).save(out, "PNG")
    return out.getvalue()


class Counter:
    def __init__(self) -> None:
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.n


@pytest.fixture
def seq() -> Counter:
    return Counter()


def new_company(seq: Counter, *, brands: int = 1, aliases: int = 1) -> Company:
    i = seq.next()
    company = company_create(
        name=f"第{i}号测试企业",
        sector=Sector.ECOMMERCE,
        brands=[f"品牌{i}-{b}" for b in range(brands)],
    )
    for a in range(aliases):
        company_add_alias(company=company, alias=f"别名{i}-{a}")
    return company


def new_complaint(
    seq: Counter, consumer: User, company: Company, *, brand: bool = True
) -> Complaint:
    i = seq.next()
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=f"第{i}条投诉：发货延迟",
            details=f"第{i}次下单后一直没有发货，客服不回复，要求退款。",
            company_id=company.pk,
            brand_id=company.brands.first().pk if brand and company.brands.exists() else None,
            problem_types=["delivery"],
            demands=["refund"],
            amount="10.00",
            order_number=f"NO{i:08d}",
        ),
        files=[prepare_file(png(i), f"{i}.png")],
    )
    return complaint


def count_queries(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        resp = client.get(url)
    assert resp.status_code == 200, resp.content
    return len(ctx.captured_queries), resp


def assert_flat(
    client: Client,
    url: str,
    grow_to: Callable[[int], None],
    budget: int,
    django_assert_max_num_queries: Any,
    *,
    items: Callable[[Any], list[Any]] = lambda body: body["results"],
) -> None:
    grow_to(SMALL)
    small, resp = count_queries(client, url)
    assert len(items(resp.json())) == SMALL
    grow_to(LARGE)
    with django_assert_max_num_queries(budget):
        resp = client.get(url)
    large, resp = count_queries(client, url)
    assert len(items(resp.json())) == LARGE
    assert large == small, f"{url}: {small} queries for {SMALL} rows, {large} for {LARGE}"


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_public_complaints(
    seq: Counter, consumer: User, moderator: User, django_assert_max_num_queries: Any
) -> None:
    made: list[Complaint] = []

    def grow_to(n: int) -> None:
        while len(made) < n:
            c = new_complaint(seq, consumer, new_company(seq))
            services.complaint_accept(complaint_id=c.pk, actor=moderator)
            made.append(c)

    assert_flat(
        Client(), "/api/v1/complaints?page_size=50", grow_to, 1, django_assert_max_num_queries
    )


def test_companies(seq: Counter, django_assert_max_num_queries: Any) -> None:
    def grow_to(n: int) -> None:
        while Company.objects.count() < n:
            new_company(seq, brands=2, aliases=2)

    assert_flat(
        Client(), "/api/v1/companies?page_size=50", grow_to, 3, django_assert_max_num_queries
    )


def test_my_complaints(seq: Counter, consumer: User, django_assert_max_num_queries: Any) -> None:
    def grow_to(n: int) -> None:
        while Complaint.objects.filter(consumer=consumer).count() < n:
            new_complaint(seq, consumer, new_company(seq))

    assert_flat(
        logged_in(consumer),
        "/api/v1/me/complaints?page_size=50",
        grow_to,
        3,  # session, user, page
        django_assert_max_num_queries,
    )


def test_merchant_inbox(
    seq: Counter,
    make_user: Callable[..., User],
    merchant: User,
    company: Company,
    moderator: User,
    django_assert_max_num_queries: Any,
) -> None:
    def grow_to(n: int) -> None:
        while Complaint.objects.filter(company=company).count() < n:
            consumer = make_user(Role.CONSUMER)
            c = new_complaint(seq, consumer, company)
            services.complaint_accept(complaint_id=c.pk, actor=moderator)
            services.complaint_reply(complaint_id=c.pk, actor=merchant, message="已处理")

    assert_flat(
        logged_in(merchant),
        "/api/v1/merchant/complaints?page_size=50",
        grow_to,
        4,  # session, user, memberships, page
        django_assert_max_num_queries,
    )


def test_moderation_queue(
    seq: Counter,
    make_user: Callable[..., User],
    moderator: User,
    django_assert_max_num_queries: Any,
) -> None:
    def grow_to(n: int) -> None:
        while Complaint.objects.count() < n:
            new_complaint(seq, make_user(Role.CONSUMER), new_company(seq))

    assert_flat(
        logged_in(moderator),
        "/api/v1/moderation/queue?page_size=50",
        grow_to,
        3,
        django_assert_max_num_queries,
    )


def test_mediation_queue(
    seq: Counter,
    make_user: Callable[..., User],
    mediator: User,
    moderator: User,
    merchant: User,
    company: Company,
    django_assert_max_num_queries: Any,
) -> None:
    def grow_to(n: int) -> None:
        while Complaint.objects.count() < n:
            consumer = make_user(Role.CONSUMER)
            c = new_complaint(seq, consumer, company)
            services.complaint_accept(complaint_id=c.pk, actor=moderator)
            services.complaint_escalate(complaint_id=c.pk, actor=consumer)

    assert_flat(
        logged_in(mediator),
        "/api/v1/mediation/queue?page_size=50",
        grow_to,
        3,
        django_assert_max_num_queries,
    )


def test_notifications(
    seq: Counter,
    consumer: User,
    moderator: User,
    django_assert_max_num_queries: Any,
) -> None:
    def grow_to(n: int) -> None:
        while Notification.objects.filter(user=consumer).count() < n:
            c = new_complaint(seq, consumer, new_company(seq))
            Notification.objects.create(
                user=consumer, complaint=c, kind="transition", title="状态变更", body=c.title
            )

    assert_flat(
        logged_in(consumer),
        "/api/v1/notifications?page_size=50",
        grow_to,
        3,
        django_assert_max_num_queries,
    )


def test_api_tokens(consumer: User, django_assert_max_num_queries: Any) -> None:
    from tousu.accounts.services import token_create

    def grow_to(n: int) -> None:
        while consumer.api_tokens.count() < n:
            token_create(user=consumer, name=f"令牌{consumer.api_tokens.count()}")

    assert_flat(
        logged_in(consumer),
        "/api/v1/me/tokens",
        grow_to,
        3,
        django_assert_max_num_queries,
        items=lambda body: body,
    )


# complaint, events (+ actors), ratings, evidence; a session costs session + user; a merchant's
# membership check one more
@pytest.mark.parametrize(
    ("viewer", "budget"), [("anonymous", 4), ("consumer", 6), ("merchant", 7), ("moderator", 6)]
)
def test_complaint_detail(
    viewer: str,
    budget: int,
    seq: Counter,
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    django_assert_max_num_queries: Any,
) -> None:
    """Timeline and evidence grow; the detail's query count does not."""
    complaint = new_complaint(seq, consumer, company)
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="第一次回复")
    services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
    services.complaint_confirm_completion(
        complaint_id=complaint.pk, actor=consumer, attitude=4, speed=4, satisfaction=5
    )
    users = {"consumer": consumer, "merchant": merchant, "moderator": moderator}
    client = logged_in(users[viewer]) if viewer in users else Client()
    url = f"/api/v1/complaints/{complaint.public_number}"

    def grow_to(n: int) -> None:
        have = complaint.events.count()
        while have < n:
            services.complaint_reopen(complaint_id=complaint.pk, actor=consumer, message="又坏了")
            services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="再处理")
            services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
            services.complaint_confirm_completion(
                complaint_id=complaint.pk, actor=consumer, attitude=5, speed=5, satisfaction=5
            )
            have = complaint.events.count()
        files = [prepare_file(png(100 + i), "x.png") for i in range(n - complaint.evidence.count())]
        store_evidence(complaint=complaint, files=files, user=consumer)

    def events_and_evidence(body: dict[str, Any]) -> list[Any]:
        assert len(body["evidence"]) == complaint.evidence.count()
        return body["evidence"]

    assert_flat(
        client, url, grow_to, budget, django_assert_max_num_queries, items=events_and_evidence
    )
    body = client.get(url).json()
    assert len(body["events"]) >= LARGE
    assert sum(1 for e in body["events"] if e["rating"]) >= 2
