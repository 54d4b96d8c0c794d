"""The in-site notifications page: list, unread count, mark one or all read."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.engagement.models import Notification

pytestmark = pytest.mark.django_db


def html(resp: Any) -> str:
    return str(resp.content.decode())


@pytest.fixture
def complaint(consumer: User, company: Company) -> Complaint:
    filed, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="外卖超时两小时拒绝退款",
            details="6月1日点餐，超时两个小时才送到，申请退款被客服拒绝。",
            company_id=company.pk,
            problem_types=["delivery"],
            demands=["refund"],
        ),
    )
    return filed


def notify(user: User, title: str, complaint: Complaint | None = None) -> Notification:
    return Notification.objects.create(
        user=user, complaint=complaint, kind="reply", title=title, body=f"{title}的详情"
    )


def test_notifications_need_login() -> None:
    resp = Client().get("/notifications/")
    assert resp.status_code == 302
    assert resp["Location"] == "/accounts/login/?next=/notifications/"


def test_lists_my_notifications_newest_first_with_the_unread_count(
    consumer: User,
    other_consumer: User,
    complaint: Complaint,
    client_for: Callable[[User | None], Client],
) -> None:
    notify(consumer, "第一条", complaint)
    notify(consumer, "第二条")
    notify(other_consumer, "别人的通知")
    page = html(client_for(consumer).get("/notifications/"))
    assert page.index("第二条") < page.index("第一条")
    assert "别人的通知" not in page
    assert "2 条未读" in page
    assert f'href="/my/complaints/{complaint.public_number}/"' in page


def test_a_merchant_is_sent_to_the_console(
    merchant: User, complaint: Complaint, client_for: Callable[[User | None], Client]
) -> None:
    notify(merchant, "有一条新投诉需要处理", complaint)
    page = html(client_for(merchant).get("/notifications/"))
    assert f'href="/merchant/complaints/{complaint.public_number}/"' in page


def test_mark_one_read(consumer: User, client_for: Callable[[User | None], Client]) -> None:
    first = notify(consumer, "第一条")
    second = notify(consumer, "第二条")
    client = client_for(consumer)
    resp = client.post("/notifications/", {"id": first.pk})
    assert resp.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert "1 条未读" in html(client.get("/notifications/"))


def test_mark_all_read(consumer: User, client_for: Callable[[User | None], Client]) -> None:
    notify(consumer, "第一条")
    notify(consumer, "第二条")
    client = client_for(consumer)
    client.post("/notifications/", {})
    assert not Notification.objects.filter(user=consumer, read_at__isnull=True).exists()
    page = html(client.get("/notifications/"))
    assert "已全部标为已读" in page and "条未读" not in page


def test_someone_elses_notification_cannot_be_marked(
    consumer: User, other_consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    theirs = notify(other_consumer, "别人的通知")
    client = client_for(consumer)
    resp = client.post("/notifications/", {"id": theirs.pk})
    assert resp.status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert "找不到该通知" in html(client.get("/notifications/"))


def test_marking_read_needs_csrf(consumer: User) -> None:
    notify(consumer, "第一条")
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    assert client.post("/notifications/", {}).status_code == 403
    assert Notification.objects.filter(read_at__isnull=True).count() == 1


def test_notifications_are_paged(
    consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    for n in range(25):
        notify(consumer, f"通知{n:02d}")
    client = client_for(consumer)
    page = html(client.get("/notifications/"))
    assert "通知24" in page and "通知04" not in page and "第 1 / 2 页" in page
    assert "通知04" in html(client.get("/notifications/?page=2"))


def test_notifications_stay_within_a_query_budget(
    consumer: User,
    complaint: Complaint,
    client_for: Callable[[User | None], Client],
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(15):
        notify(consumer, f"通知{n}", complaint)
    client = client_for(consumer)
    with django_assert_max_num_queries(8):
        assert client.get("/notifications/").status_code == 200
