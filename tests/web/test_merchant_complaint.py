"""A complaint in the merchant console /merchant/complaints/<number>/: private fields for the
company only, the full timeline, reply / propose a solution / request completion through the
services, reply templates without JavaScript, CSRF."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_merchant_helpers import accepted, file, logged_in, replied, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.complaints import services
from tousu.complaints.models import Complaint, EventKind
from tousu.complaints.states import Status
from tousu.engagement.reply_templates import reply_template_save

pytestmark = pytest.mark.django_db


def url(complaint: Complaint) -> str:
    return f"/merchant/complaints/{complaint.public_number}/"


@pytest.fixture
def processing(consumer: User, moderator: User, merchant: User, company: Company) -> Complaint:
    return accepted(consumer, moderator, company, purchase_date=None)


def test_the_company_sees_the_private_fields_and_the_timeline(
    consumer: User, merchant: User, processing: Complaint
) -> None:
    page = text(logged_in(merchant).get(url(processing)))
    assert processing.order_number in page
    assert "仅商家和平台可见" in page
    assert "审核通过" in page and "提交投诉" in page  # the timeline
    assert consumer.pseudonym in page  # the public name, as the public sees it
    assert consumer.phone not in page  # never the consumer's phone number
    assert 'name="csrfmiddlewaretoken"' in page


def test_console_pages_are_not_cached(merchant: User, processing: Complaint) -> None:
    for path in (url(processing), "/merchant/"):
        response = logged_in(merchant).get(path)
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_a_merchant_of_another_company_gets_404_and_no_private_field(
    other_merchant: User, processing: Complaint
) -> None:
    response = logged_in(other_merchant).get(url(processing))
    assert response.status_code == 404
    assert processing.order_number not in text(response)
    response = logged_in(other_merchant).post(url(processing), {"op": "reply", "message": "hi"})
    assert response.status_code == 404
    assert not processing.events.filter(kind=EventKind.REPLY).exists()


def test_complaints_still_in_review_are_not_shown_to_the_company(
    consumer: User, merchant: User, company: Company
) -> None:
    assert logged_in(merchant).get(url(file(consumer, company))).status_code == 404


def test_unknown_numbers_are_404(merchant: User) -> None:
    assert logged_in(merchant).get("/merchant/complaints/TSNOSUCH0000/").status_code == 404


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.MODERATOR])
def test_other_roles_are_refused(
    make_user: Callable[..., User], processing: Complaint, role: str
) -> None:
    assert logged_in(make_user(role)).get(url(processing)).status_code == 403


def test_the_complaining_consumer_is_refused_too(consumer: User, processing: Complaint) -> None:
    assert logged_in(consumer).get(url(processing)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(processing: Complaint) -> None:
    response = logged_in(None).get(url(processing))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_reply_then_request_completion(merchant: User, processing: Complaint) -> None:
    client = logged_in(merchant)
    response = client.post(url(processing), {"op": "reply", "message": "您好，已为您退款58.5元"})
    assert response.status_code == 302 and response["Location"] == url(processing)
    processing.refresh_from_db()
    assert processing.status == Status.REPLIED
    page = text(client.get(url(processing)))
    assert "已回复，消费者会收到通知" in page and "您好，已为您退款58.5元" in page
    response = client.post(url(processing), {"op": "request_completion", "message": "请确认"})
    assert response.status_code == 302
    processing.refresh_from_db()
    assert processing.status == Status.COMPLETION_REQUESTED
    assert processing.confirm_due_at is not None


def test_propose_a_solution(merchant: User, processing: Complaint) -> None:
    response = logged_in(merchant).post(
        url(processing), {"op": "solution", "message": "为您办理退货退款"}
    )
    assert response.status_code == 302
    event = processing.events.order_by("-id").first()
    assert event is not None and event.kind == EventKind.SOLUTION


def test_a_refused_action_keeps_the_text_and_says_why(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = replied(consumer, moderator, merchant, company)
    services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
    response = logged_in(merchant).post(url(complaint), {"op": "reply", "message": "再补充一句"})
    assert response.status_code == 409
    page = text(response)
    assert "不能「商家回复」" in page
    assert "再补充一句" in page  # shown for copying, although the reply box is gone
    response = logged_in(merchant).post(url(complaint), {"op": "request_completion"})
    assert response.status_code == 409


def test_an_empty_reply_is_refused_next_to_the_box(merchant: User, processing: Complaint) -> None:
    response = logged_in(merchant).post(url(processing), {"op": "reply", "message": "  "})
    assert response.status_code == 422
    assert "请填写回复内容" in text(response)
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING


def test_the_forms_follow_the_state_machine(
    consumer: User, moderator: User, merchant: User, company: Company, processing: Complaint
) -> None:
    page = text(logged_in(merchant).get(url(processing)))
    assert 'value="reply"' in page and 'value="request_completion"' not in page
    answered = replied(consumer, moderator, merchant, company)
    page = text(logged_in(merchant).get(url(answered)))
    assert 'value="reply"' in page and 'value="request_completion"' in page


def test_a_viewer_reads_but_cannot_act(
    make_user: Callable[..., User], company: Company, processing: Complaint
) -> None:
    viewer = make_user(Role.MERCHANT)
    company_add_member(company=company, user=viewer, role=MemberRole.VIEWER)
    client = logged_in(viewer)
    page = text(client.get(url(processing)))
    assert processing.order_number in page and 'value="reply"' not in page and "只能查看" in page
    response = client.post(url(processing), {"op": "reply", "message": "我只是看看"})
    assert response.status_code == 403
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING


def test_csrf_is_enforced(merchant: User, processing: Complaint) -> None:
    client = logged_in(merchant, csrf=True)
    response = client.post(url(processing), {"op": "reply", "message": "没有令牌"})
    assert response.status_code == 403
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING


def test_inserting_a_template_without_javascript_keeps_what_was_typed(
    merchant: User, company: Company, processing: Complaint
) -> None:
    template = reply_template_save(
        actor=merchant, company_id=company.pk, name="退款", body="已为您办理退款，请查收。"
    )
    client = logged_in(merchant)
    page = text(client.get(url(processing)))
    assert "退款</option>" in page
    response = client.post(
        url(processing), {"op": "insert_template", "template": template.pk, "message": "您好"}
    )
    assert response.status_code == 200
    assert response.context["reply_text"] == "您好\n\n已为您办理退款，请查收。"
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING  # inserting is not replying
    # the GET parameter pre-fills an empty box
    response = client.get(url(processing) + f"?template={template.pk}")
    assert response.context["reply_text"] == "已为您办理退款，请查收。"


def test_another_companys_template_cannot_be_inserted(
    other_merchant: User, other_company: Company, merchant: User, processing: Complaint
) -> None:
    theirs = reply_template_save(
        actor=other_merchant, company_id=other_company.pk, name="别家", body="别家的话术"
    )
    response = logged_in(merchant).post(
        url(processing), {"op": "insert_template", "template": theirs.pk, "message": ""}
    )
    assert "别家的话术" not in text(response)
    response = logged_in(merchant).get(url(processing) + f"?template={theirs.pk}")
    assert "别家的话术" not in text(response)


def test_user_text_is_escaped(
    consumer: User, moderator: User, merchant: User, company: Company
) -> None:
    complaint = accepted(
        consumer,
        moderator,
        company,
        title="<script>alert(1)</script>",
        details="<img src=x onerror=alert(2)> 详情足够长的内容",
    )
    page = text(logged_in(merchant).get(url(complaint)))
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<img src=x" not in page
