"""The merchant console in Chromium: a merchant inserts a reply template, replies and requests
completion; the inbox fits a 360 px phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.states import Action, Status
from tousu.engagement.reply_templates import reply_template_save


def log_in_as(page: Any, live_server: Any, user: User) -> None:
    """Start the browser with a session of ``user`` (the log-in form has its own tests)."""
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


@pytest.fixture
def processing(
    transactional_db: None, consumer: User, moderator: User, merchant: User, company: Company
) -> Complaint:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="外卖洒了商家拒绝退款",
            details="6月1日点的外卖送到时汤全洒了，联系商家要求退款被拒绝。",
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
            amount="42.00",
            order_number="DD20250601999",
        ),
    )
    return services.complaint_accept(complaint_id=complaint.pk, actor=moderator)


def test_merchant_replies_with_a_template_and_requests_completion(
    page: Any, live_server: Any, merchant: User, company: Company, processing: Complaint
) -> None:
    reply_template_save(
        actor=merchant, company_id=company.pk, name="退款致歉", body="非常抱歉，已为您全额退款。"
    )
    log_in_as(page, live_server, merchant)
    page.goto("/merchant/")
    row = page.locator(".inbox-row", has_text="外卖洒了商家拒绝退款")
    assert "剩余" in row.inner_text()  # the SLA countdown
    row.get_by_role("link", name="外卖洒了商家拒绝退款").click()
    assert "DD20250601999" in page.inner_text(".private")

    box = page.get_by_label("回复内容")
    box.fill("您好，")
    page.get_by_label("回复模板").select_option(label="退款致歉")  # htmx swaps the form in
    page.wait_for_function("document.getElementById('reply-message').value.includes('全额退款')")
    assert page.get_by_label("回复内容").input_value() == "您好，\n\n非常抱歉，已为您全额退款。"
    page.get_by_role("button", name="回复", exact=True).click()
    page.wait_for_load_state()
    assert "已回复，消费者会收到通知" in page.inner_text("main")
    assert "非常抱歉，已为您全额退款。" in page.inner_text(".timeline")

    page.get_by_label("给消费者的说明（选填）").fill("款项已原路退回，请查收后确认")
    page.get_by_role("button", name="申请完成").click()
    page.wait_for_load_state()
    assert "已申请完成" in page.inner_text("main")
    assert page.locator(".badge[data-status=completion_requested]").count() == 1

    processing.refresh_from_db()
    assert processing.status == Status.COMPLETION_REQUESTED
    assert processing.events.filter(action=Action.REPLY, actor=merchant).count() == 1


def test_the_inbox_and_a_complaint_fit_a_phone(
    phone_page: Any, live_server: Any, merchant: User, processing: Complaint
) -> None:
    log_in_as(phone_page, live_server, merchant)
    for path in ("/merchant/", f"/merchant/complaints/{processing.public_number}/"):
        phone_page.goto(path)
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    assert phone_page.get_by_role("button", name="回复", exact=True).is_visible()
