"""The moderator console: the review queue /moderation/ (oldest first, review SLA, bounded
queries), accept, reject with a reason, hide / unhide with a reason and the audit timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from test_merchant_helpers import accepted, count_queries, file, logged_in, text

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, EventKind, Visibility
from tousu.complaints.states import Status

pytestmark = pytest.mark.django_db
QUEUE = "/moderation/"


def url(complaint: Complaint) -> str:
    return f"/moderation/complaints/{complaint.public_number}/"


def test_anonymous_visitors_are_sent_to_log_in(consumer: User, company: Company) -> None:
    assert logged_in(None).get(QUEUE)["Location"].startswith("/accounts/login/?next=")
    complaint = file(consumer, company)
    assert logged_in(None).get(url(complaint)).status_code == 302


@pytest.mark.parametrize("role", [Role.CONSUMER, Role.MERCHANT, Role.MEDIATOR, Role.REGULATOR])
def test_everyone_but_moderators_is_refused(
    make_user: Callable[..., User], consumer: User, company: Company, role: str
) -> None:
    complaint = file(consumer, company)
    client = logged_in(make_user(role))
    assert client.get(QUEUE).status_code == 403
    assert client.get(url(complaint)).status_code == 403
    assert client.post(url(complaint), {"op": "accept"}).status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW


def test_the_queue_lists_oldest_first_with_the_review_clock(
    moderator: User, consumer: User, company: Company
) -> None:
    now = timezone.now()
    newer = file(consumer, company, now=now - timedelta(hours=1))
    older = file(consumer, company, now=now - timedelta(days=10))
    response = logged_in(moderator).get(QUEUE)
    assert [c.pk for c in response.context["page_obj"]] == [older.pk, newer.pk]
    page = text(response)
    assert "审核已超时" in page and "审核剩余" in page
    assert "data-kbd-hints" in page and "web/moderation" in page  # hints and the script
    assert 'name="csrfmiddlewaretoken"' in page


def test_the_query_count_does_not_grow_with_the_queue(
    make_user: Callable[..., User], moderator: User, company: Company
) -> None:
    def fill(n: int) -> None:
        for _ in range(n):
            file(make_user(Role.CONSUMER), company)

    client = logged_in(moderator)
    fill(3)
    few, _ = count_queries(client, QUEUE)
    fill(27)
    many, response = count_queries(client, QUEUE)
    assert len(response.context["page_obj"]) == 30
    assert few == many, (few, many)
    assert many <= 10, many


def test_accept_from_the_queue_returns_to_the_queue(
    moderator: User, consumer: User, merchant: User, company: Company
) -> None:
    complaint = file(consumer, company)
    response = logged_in(moderator).post(url(complaint), {"op": "accept", "return": "queue"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING and complaint.visibility == Visibility.PUBLIC


def test_accept_on_the_page_goes_on_to_the_next_complaint(
    moderator: User, consumer: User, company: Company
) -> None:
    now = timezone.now()
    first = file(consumer, company, now=now - timedelta(hours=2))
    second = file(consumer, company, now=now - timedelta(hours=1))
    client = logged_in(moderator)
    page = text(client.get(url(first)))
    assert f'href="{url(second)}" data-next' in page
    response = client.post(url(first), {"op": "accept"})
    assert response["Location"] == url(second)
    first.refresh_from_db()
    assert first.status == Status.UNASSIGNED  # nobody at the company yet
    response = client.post(url(second), {"op": "accept"})
    assert response["Location"] == QUEUE  # the queue is empty now


def test_reject_with_a_reason_and_a_message(
    moderator: User, consumer: User, company: Company
) -> None:
    complaint = file(consumer, company)
    client = logged_in(moderator)
    page = text(client.get(url(complaint)))
    assert 'id="reject-reason"' in page and "劳动纠纷" in page
    response = client.post(
        url(complaint),
        {"op": "reject", "reason": "labour_dispute", "message": "请向劳动仲裁委员会申请"},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == Status.REJECTED
    assert complaint.rejection_reason == "labour_dispute"
    assert complaint.rejection_message == "请向劳动仲裁委员会申请"
    page = text(client.get(url(complaint)))
    assert "审核驳回" in page and "劳动纠纷" in page and "审核员 审核员" in page


def test_reject_without_a_reason_is_refused_next_to_the_field(
    moderator: User, consumer: User, company: Company
) -> None:
    complaint = file(consumer, company)
    response = logged_in(moderator).post(
        url(complaint), {"op": "reject", "reason": "", "message": "保留的说明"}
    )
    assert response.status_code == 422
    page = text(response)
    assert "请选择驳回原因" in page and "保留的说明" in page
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW


def test_a_second_review_is_a_conflict(moderator: User, consumer: User, company: Company) -> None:
    complaint = file(consumer, company)
    client = logged_in(moderator)
    client.post(url(complaint), {"op": "accept"})
    response = client.post(url(complaint), {"op": "reject", "reason": "spam"})
    assert response.status_code == 409
    assert "不能「审核驳回」" in text(response)


def test_hide_and_unhide_with_the_audit_timeline(
    moderator: User, consumer: User, merchant: User, company: Company
) -> None:
    complaint = accepted(consumer, moderator, company)
    client = logged_in(moderator)
    page = text(client.get(url(complaint)))
    assert 'id="hide-reason"' in page
    response = client.post(url(complaint), {"op": "hide", "reason": "", "message": ""})
    assert response.status_code == 422 and "请选择隐藏原因" in text(response)
    response = client.post(
        url(complaint), {"op": "hide", "reason": "privacy", "message": "正文含身份证号"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.HIDDEN and complaint.hidden_reason == "privacy"
    response = client.post(url(complaint), {"op": "unhide", "message": "已处理"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.PUBLIC
    page = text(client.get(url(complaint)))
    assert "隐藏" in page and "含有个人信息" in page and "正文含身份证号" in page
    assert "取消隐藏" in page and page.count("不公开</span>") == 2  # the non-public events
    assert "审核员 审核员" in page  # the moderator's name
    # the company sees that the case was hidden, but not who did it
    merchant_page = text(
        logged_in(merchant).get(f"/merchant/complaints/{complaint.public_number}/")
    )
    assert "含有个人信息" in merchant_page and "审核员 审核员" not in merchant_page


def test_the_audit_timeline_shows_overdue_marks(
    moderator: User, consumer: User, merchant: User, company: Company
) -> None:
    complaint = accepted(consumer, moderator, company, now=timezone.now() - timedelta(days=20))
    services.sla_sweep()
    assert complaint.events.filter(kind=EventKind.OVERDUE).exists()
    page = text(logged_in(moderator).get(url(complaint)))
    assert "商家超时未回复" in page and "平台（自动）" in page


def test_lookup_by_number(moderator: User, consumer: User, company: Company) -> None:
    complaint = file(consumer, company)
    client = logged_in(moderator)
    response = client.get(QUEUE + f"?number={complaint.public_number.lower()}")
    assert response["Location"] == url(complaint)
    assert client.get(QUEUE + "?number=<script>").status_code == 200
    assert client.get("/moderation/complaints/TSNOSUCH0000/").status_code == 404


def test_csrf_is_enforced(moderator: User, consumer: User, company: Company) -> None:
    complaint = file(consumer, company)
    response = logged_in(moderator, csrf=True).post(url(complaint), {"op": "accept"})
    assert response.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_REVIEW


def test_the_shortcut_script_is_served(moderator: User) -> None:
    from django.contrib.staticfiles import finders

    path = finders.find("web/moderation.js")
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    assert "keydown" in source and "reject-reason" in source and "hide-reason" in source
