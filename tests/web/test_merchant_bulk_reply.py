"""Bulk reply: one message to many selected complaints, each through ``complaint_reply``; the
report says which were answered and which were refused and why."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_merchant_helpers import accepted, logged_in, replied, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.complaints import services
from tousu.complaints.models import EventKind
from tousu.complaints.states import Status
from tousu.engagement.reply_templates import reply_template_save

pytestmark = pytest.mark.django_db
URL = "/merchant/bulk-reply/"


def test_partial_success_is_reported_per_complaint(
    consumer: User,
    moderator: User,
    merchant: User,
    company: Company,
    other_merchant: User,
    other_company: Company,
) -> None:
    first = accepted(consumer, moderator, company)
    second = accepted(consumer, moderator, company)
    waiting = replied(consumer, moderator, merchant, company)
    services.complaint_request_completion(complaint_id=waiting.pk, actor=merchant)
    foreign = accepted(consumer, moderator, other_company)
    client = logged_in(merchant)
    numbers = [first.public_number, second.public_number, waiting.public_number]
    response = client.post(
        URL,
        {"numbers": [*numbers, foreign.public_number, "TSNOSUCH0000"], "message": "统一答复"},
    )
    assert response.status_code == 302 and response["Location"] == URL
    for complaint in (first, second):
        complaint.refresh_from_db()
        assert complaint.status == Status.REPLIED
        assert complaint.events.filter(message="统一答复", actor=merchant).count() == 1
    waiting.refresh_from_db()
    foreign.refresh_from_db()
    assert waiting.status == Status.COMPLETION_REQUESTED
    assert foreign.status == Status.PROCESSING
    report = client.get(URL)
    page = text(report)
    assert "成功回复 2 条，未能回复 3 条" in page
    assert "投诉当前状态为「待确认」，不能「商家回复」" in page
    assert page.count("找不到该投诉") == 2  # another company's and an unknown number
    assert foreign.title not in page  # not even the title of another company's complaint
    # post/redirect/get: the report is shown once, a reload does not reply again
    assert client.get(URL).status_code == 302


def test_a_replied_complaint_gets_a_further_reply(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = replied(consumer, moderator, merchant, company)
    logged_in(merchant).post(URL, {"numbers": [complaint.public_number], "message": "补充说明"})
    assert complaint.events.filter(kind=EventKind.REPLY, message="补充说明").exists()


def test_a_template_is_used_when_no_text_is_typed(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    template = reply_template_save(
        actor=merchant, company_id=company.pk, name="致歉", body="非常抱歉给您带来不便"
    )
    complaint = accepted(consumer, moderator, company)
    logged_in(merchant).post(
        URL, {"numbers": [complaint.public_number], "message": "", "template": template.pk}
    )
    assert complaint.events.filter(message="非常抱歉给您带来不便").exists()


def test_nothing_selected_or_no_text_is_an_error_that_keeps_the_selection(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = accepted(consumer, moderator, company)
    client = logged_in(merchant)
    response = client.post(URL, {"numbers": [complaint.public_number], "message": " "})
    assert response.status_code == 422
    page = text(response)
    assert "请填写回复内容" in page and f'value="{complaint.public_number}" checked' in page
    response = client.post(URL, {"message": "有内容"})
    assert response.status_code == 422 and "请先勾选" in text(response)
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING


def test_at_most_fifty_at_once(merchant: User) -> None:
    numbers = [f"TS{i:010d}" for i in range(51)]
    response = logged_in(merchant).post(URL, {"numbers": numbers, "message": "太多了"})
    assert response.status_code == 422 and "一次最多批量回复 50 条投诉" in text(response)


def test_a_viewer_is_refused_for_each_complaint(
    make_user: Callable[..., User], consumer: User, moderator: User, company: Company
) -> None:
    viewer = make_user(Role.MERCHANT)
    company_add_member(company=company, user=viewer, role=MemberRole.VIEWER)
    complaint = accepted(consumer, moderator, company)
    client = logged_in(viewer)
    client.post(URL, {"numbers": [complaint.public_number], "message": "只读"})
    assert "您无权对该投诉执行此操作" in text(client.get(URL))
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING


def test_consumers_and_anonymous_visitors_cannot_bulk_reply(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = accepted(consumer, moderator, company)
    data = {"numbers": [complaint.public_number], "message": "冒充商家"}
    assert logged_in(consumer).post(URL, data).status_code == 403
    assert logged_in(None).post(URL, data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING


def test_csrf_is_enforced(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = accepted(consumer, moderator, company)
    response = logged_in(merchant, csrf=True).post(
        URL, {"numbers": [complaint.public_number], "message": "没有令牌"}
    )
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING
