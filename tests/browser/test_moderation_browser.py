"""The moderator console in Chromium: accept with the keyboard, reject with a reason, and the
hide shortcut."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status


def log_in_as(page: Any, live_server: Any, user: User) -> None:
    """Start the browser with a session of ``user`` (the log-in form has its own tests)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def submit(consumer: User, company: Company, title: str, hours_ago: int) -> Complaint:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=title,
            details=f"{title}：购买后发现问题，联系客服多次没有结果，要求退款。",
            company_id=company.pk,
            problem_types=["quality"],
            demands=["refund"],
        ),
        now=timezone.now() - timedelta(hours=hours_ago),
    )
    return complaint


@pytest.fixture
def two_pending(
    transactional_db: None, consumer: User, company: Company
) -> tuple[Complaint, Complaint]:
    return (
        submit(consumer, company, "耳机一周就坏了", hours_ago=5),
        submit(consumer, company, "充电宝鼓包不给换", hours_ago=1),
    )


def test_moderator_accepts_with_the_keyboard_and_rejects_with_a_reason(
    page: Any, live_server: Any, moderator: User, two_pending: tuple[Complaint, Complaint]
) -> None:
    older, newer = two_pending
    log_in_as(page, live_server, moderator)
    page.goto("/moderation/")
    assert page.locator("[data-kbd-hints]").is_visible()  # the script revealed the hints
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == "耳机一周就坏了"  # oldest first
    with page.expect_navigation():
        page.keyboard.press("a")
    assert "已通过" in page.inner_text("main")
    older.refresh_from_db()
    assert older.status == Status.UNASSIGNED and older.accepted_at is not None

    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == "充电宝鼓包不给换"
    with page.expect_navigation():
        page.keyboard.press("r")
    page.wait_for_function(
        "document.activeElement && document.activeElement.id === 'reject-reason'"
    )
    page.get_by_label("驳回原因").select_option(label="信息不足，请补充后重新提交")
    page.get_by_label("给消费者的说明").fill("请补充购买凭证和鼓包照片")
    page.get_by_role("button", name="驳回", exact=True).click()
    page.wait_for_load_state()
    assert "已驳回" in page.inner_text("main")
    newer.refresh_from_db()
    assert newer.status == Status.REJECTED
    assert newer.rejection_reason == "insufficient"
    assert newer.rejection_message == "请补充购买凭证和鼓包照片"


def test_shortcuts_on_a_complaint_page(
    page: Any, live_server: Any, moderator: User, two_pending: tuple[Complaint, Complaint]
) -> None:
    older, newer = two_pending
    log_in_as(page, live_server, moderator)
    page.goto(f"/moderation/complaints/{older.public_number}/")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reject-reason"
    page.locator("h1").click()  # leave the field: typing letters there is not a shortcut
    with page.expect_navigation():
        page.keyboard.press("j")
    assert newer.public_number in page.url
    with page.expect_navigation():
        page.keyboard.press("k")
    assert older.public_number in page.url
    with page.expect_navigation():
        page.keyboard.press("a")  # accept, then on to the next one
    assert newer.public_number in page.url
    older.refresh_from_db()
    assert older.status == Status.UNASSIGNED
    page.goto(f"/moderation/complaints/{older.public_number}/")
    page.keyboard.press("h")
    assert page.evaluate("document.activeElement.id") == "hide-reason"
