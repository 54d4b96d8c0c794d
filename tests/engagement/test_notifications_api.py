"""/api/v1/notifications, /notifications/unread-count and /notifications/read."""

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

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


@pytest.fixture
def replied(
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> Complaint:
    """The consumer has three notifications: accepted, replied, completion requested."""
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, company)
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
        services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="已退款")
        services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
    assert Notification.objects.filter(user=consumer).count() == 3
    return complaint


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(path, body, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/notifications"),
        ("get", "/api/v1/notifications/unread-count"),
        ("post", "/api/v1/notifications/read"),
    ],
)
def test_anonymous_gets_401(method: str, path: str) -> None:
    client = Client()
    resp = client.get(path) if method == "get" else post(client, path, {})
    assert resp.status_code == 401
    assert resp.json()["code"] == "not_authenticated"


def test_list_shows_only_my_notifications_newest_first(
    replied: Complaint,
    consumer: User,
    merchant: User,
    client_for: Callable[[User | None], Client],
) -> None:
    resp = client_for(consumer).get("/api/v1/notifications")
    assert resp.status_code == 200
    body = resp.json()
    assert [n["title"] for n in body["results"]] == [
        "商家申请完成，请确认并评价",
        "商家回复了您的投诉",
        "您的投诉已通过审核，已转交企业处理",
    ]
    first = body["results"][0]
    assert first["complaint_number"] == replied.public_number
    assert first["kind"] == "request_completion"
    assert first["read_at"] is None
    assert set(first) == {
        "id",
        "kind",
        "title",
        "body",
        "complaint_number",
        "created_at",
        "read_at",
    }
    merchant_titles = [
        n["title"] for n in client_for(merchant).get("/api/v1/notifications").json()["results"]
    ]
    assert merchant_titles == ["有一条新投诉需要处理"]


def test_unread_count_and_mark_one_read(
    replied: Complaint, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(consumer)
    assert client.get("/api/v1/notifications/unread-count").json() == {"unread": 3}
    target = Notification.objects.filter(user=consumer).order_by("id").first()
    assert target is not None
    resp = post(client, "/api/v1/notifications/read", {"id": target.pk})
    assert resp.status_code == 200
    assert resp.json() == {"unread": 2}
    target.refresh_from_db()
    assert target.read_at is not None
    unread = client.get("/api/v1/notifications?unread=true").json()["results"]
    assert target.pk not in [n["id"] for n in unread]
    assert len(unread) == 2
    # marking it again changes nothing
    assert post(client, "/api/v1/notifications/read", {"id": target.pk}).json() == {"unread": 2}


def test_mark_all_read(
    replied: Complaint,
    consumer: User,
    merchant: User,
    client_for: Callable[[User | None], Client],
) -> None:
    resp = post(client_for(consumer), "/api/v1/notifications/read", {})
    assert resp.json() == {"unread": 0}
    assert not Notification.objects.filter(user=consumer, read_at__isnull=True).exists()
    # the merchant's notifications are untouched
    assert Notification.objects.filter(user=merchant, read_at__isnull=True).count() == 1


def test_cannot_mark_someone_elses_notification(
    replied: Complaint,
    consumer: User,
    merchant: User,
    client_for: Callable[[User | None], Client],
) -> None:
    theirs = Notification.objects.get(user=merchant)
    resp = post(client_for(consumer), "/api/v1/notifications/read", {"id": theirs.pk})
    assert resp.status_code == 404
    assert resp.json()["code"] == "notification_not_found"
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert Notification.objects.filter(user=consumer, read_at__isnull=True).count() == 3


def test_api_token_works_too(
    replied: Complaint, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    from tousu.accounts.services import token_create

    _, raw = token_create(user=consumer, name="脚本")
    resp = Client().get(
        "/api/v1/notifications/unread-count", headers={"Authorization": f"Bearer {raw}"}
    )
    assert resp.json() == {"unread": 3}


def test_list_is_paginated(
    consumer: User,
    moderator: User,
    company: Company,
    merchant: User,
    file_complaint: Callable[..., Complaint],
    client_for: Callable[[User | None], Client],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(11):
            c = file_complaint(consumer, company, title=f"外卖超时第{i}次，拒绝退款")
            services.complaint_accept(complaint_id=c.pk, actor=moderator)
            services.complaint_reply(complaint_id=c.pk, actor=merchant, message="抱歉")
    client = client_for(consumer)
    page = client.get("/api/v1/notifications").json()
    assert len(page["results"]) == 20
    assert page["next"]
    rest = client.get(page["next"]).json()
    assert len(rest["results"]) == 2
    ids = [n["id"] for n in page["results"] + rest["results"]]
    assert ids == sorted(ids, reverse=True)
    assert len(set(ids)) == 22
