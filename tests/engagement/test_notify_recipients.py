"""Who is told what when a complaint moves: in-site notifications and the message sender."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.engagement.models import Notification
from tousu.engagement.services import notify_for_event
from tousu.pagecache.cache import PendingBumps

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("inline_tasks")]


def titles(user: User) -> list[str]:
    return list(
        Notification.objects.filter(user=user).order_by("id").values_list("title", flat=True)
    )


@pytest.fixture
def accepted(
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> Complaint:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, company)
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    return complaint


def test_accept_tells_the_consumer_and_the_merchants_but_not_the_moderator(
    accepted: Complaint, consumer: User, merchant: User, moderator: User, other_merchant: User
) -> None:
    assert titles(consumer) == ["您的投诉已通过审核，已转交企业处理"]
    assert titles(merchant) == ["有一条新投诉需要处理"]
    assert titles(moderator) == []
    assert titles(other_merchant) == []  # another company's merchant hears nothing
    note = Notification.objects.get(user=merchant)
    assert note.complaint_id == accepted.pk
    assert note.kind == "accept"
    assert accepted.public_number in note.body
    assert note.read_at is None


def test_submission_notifies_nobody(
    consumer: User,
    merchant: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        file_complaint(consumer, company)
    # the task ran (the other callback bumps the page-cache versions)…
    assert len([c for c in callbacks if not isinstance(c, PendingBumps)]) == 1
    assert Notification.objects.count() == 0  # …and told no one: the consumer did it


def test_consumer_is_told_of_the_merchant_reply_and_of_further_replies(
    accepted: Complaint,
    consumer: User,
    merchant: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(
            complaint_id=accepted.pk, actor=merchant, message="您好，已为您办理退款58.5元。"
        )
        services.complaint_propose_solution(
            complaint_id=accepted.pk, actor=merchant, message="另补偿10元无门槛券。"
        )
    assert titles(consumer)[1:] == ["商家回复了您的投诉", "商家提出了解决方案"]
    reply = Notification.objects.filter(user=consumer, kind="reply").get()
    assert "已为您办理退款58.5元" in reply.body
    assert titles(merchant) == ["有一条新投诉需要处理"]  # not told of their own replies


def test_merchants_are_told_of_the_consumer_follow_up(
    accepted: Complaint,
    consumer: User,
    merchant: User,
    make_user: Callable[..., User],
    company: Company,
    django_capture_on_commit_callbacks: Any,
) -> None:
    colleague = make_user(Role.MERCHANT, nickname="同事")
    company_add_member(company=company, user=colleague, role=MemberRole.AGENT)
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(complaint_id=accepted.pk, actor=merchant, message="请提供订单截图")
        services.complaint_follow_up(
            complaint_id=accepted.pk, actor=consumer, message="截图已补充，请尽快退款"
        )
    Complaint.objects.get(pk=accepted.pk, status="processing")
    for user in (merchant, colleague):
        assert titles(user)[-1] == "消费者补充了投诉内容"
        assert "截图已补充" in Notification.objects.filter(user=user).first().body  # type: ignore[union-attr]
    assert titles(colleague) == ["消费者补充了投诉内容"]  # replies go to the consumer only
    assert titles(consumer) == ["您的投诉已通过审核，已转交企业处理", "商家回复了您的投诉"]


def test_follow_up_while_processing_reaches_the_merchants(
    accepted: Complaint, consumer: User, merchant: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_follow_up(complaint_id=accepted.pk, actor=consumer, message="补充说明")
    assert titles(merchant) == ["有一条新投诉需要处理", "消费者补充了投诉内容"]


def test_completion_rating_dispute_and_reopen(
    accepted: Complaint, consumer: User, merchant: User, django_capture_on_commit_callbacks: Any
) -> None:
    pk = accepted.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(complaint_id=pk, actor=merchant, message="已退款")
        services.complaint_request_completion(complaint_id=pk, actor=merchant, message="请确认")
        services.complaint_dispute_completion(complaint_id=pk, actor=consumer, message="没到账")
        services.complaint_reply(complaint_id=pk, actor=merchant, message="已重新退款")
        services.complaint_request_completion(complaint_id=pk, actor=merchant)
        services.complaint_confirm_completion(
            complaint_id=pk, actor=consumer, attitude=5, speed=4, satisfaction=5
        )
        services.complaint_reopen(complaint_id=pk, actor=consumer, message="又被扣回了")
    assert titles(consumer) == [
        "您的投诉已通过审核，已转交企业处理",
        "商家回复了您的投诉",
        "商家申请完成，请确认并评价",
        "商家回复了您的投诉",
        "商家申请完成，请确认并评价",
    ]
    assert titles(merchant) == [
        "有一条新投诉需要处理",
        "消费者对完成申请有异议",
        "消费者确认完成并评价",
        "消费者重新打开了投诉",
    ]


def test_escalation_reaches_mediators_and_the_outcome_both_parties(
    accepted: Complaint,
    consumer: User,
    merchant: User,
    mediator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_escalate(complaint_id=accepted.pk, actor=consumer, message="申请调解")
        services.complaint_record_mediation(
            complaint_id=accepted.pk, actor=mediator, succeeded=True, message="商家退款并致歉"
        )
    assert titles(mediator) == ["有一条投诉申请调解"]
    assert titles(consumer)[1:] == ["调解成功，投诉已完成"]
    assert titles(merchant)[1:] == ["投诉已进入调解", "调解成功，投诉已完成"]


def test_rejection_tells_the_consumer_why(
    consumer: User,
    moderator: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, company)
        services.complaint_reject(
            complaint_id=complaint.pk, actor=moderator, reason="labour_dispute"
        )
    note = Notification.objects.get(user=consumer)
    assert note.title == "您的投诉未通过审核"
    assert "劳动纠纷" in note.body


def test_unassigned_complaint_reaches_the_merchant_who_joins_later(
    consumer: User,
    moderator: User,
    other_company: Company,
    make_user: Callable[..., User],
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, other_company)
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    assert titles(consumer) == ["您的投诉已通过审核，等待企业入驻处理"]
    newcomer = make_user(Role.MERCHANT, nickname="新入驻商家")
    with django_capture_on_commit_callbacks(execute=True):
        company_add_member(company=other_company, user=newcomer)
    assert titles(newcomer) == ["有一条新投诉需要处理"]
    assert titles(consumer)[-1] == "您的投诉已转交企业处理"


def test_overdue_mark_tells_both_sides(
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    django_capture_on_commit_callbacks: Any,
) -> None:
    long_ago = timezone.now() - timedelta(days=20)
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, company, now=long_ago)
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator, now=long_ago)
        services.sla_sweep()
    assert titles(merchant)[-1] == "投诉已超过回复时限，请尽快处理"
    assert titles(consumer)[-1] == "商家超时未回复，您可以继续等待或申请调解"
    # notifications carry the time of what happened, not the time the worker ran
    accept_note = Notification.objects.get(user=merchant, kind="accept")
    assert accept_note.created_at == long_ago


def test_the_actor_is_never_notified_of_their_own_action(
    accepted: Complaint,
    consumer: User,
    merchant: User,
    moderator: User,
    mediator: User,
    django_capture_on_commit_callbacks: Any,
) -> None:
    pk = accepted.pk
    with django_capture_on_commit_callbacks(execute=True):
        services.complaint_reply(complaint_id=pk, actor=merchant, message="已处理")
        services.complaint_follow_up(complaint_id=pk, actor=consumer, message="没有处理")
        services.complaint_reply(complaint_id=pk, actor=merchant, message="再次处理")
        services.complaint_escalate(complaint_id=pk, actor=moderator, message="平台介入")
        services.complaint_record_mediation(complaint_id=pk, actor=mediator, succeeded=False)
    events = ComplaintEvent.objects.filter(complaint_id=pk)
    assert events.count() == 7
    for event in events:
        assert not Notification.objects.filter(event=event, user_id=event.actor_id).exists()
    assert Notification.objects.filter(user=consumer, title="投诉已进入调解").exists()


def test_running_the_task_twice_creates_nothing_new(
    accepted: Complaint, consumer: User, merchant: User
) -> None:
    event = ComplaintEvent.objects.filter(complaint=accepted, action="accept").get()
    before = Notification.objects.count()
    assert before == 2
    assert notify_for_event(event.pk) == 0
    assert notify_for_event(event.pk) == 0
    assert Notification.objects.count() == before
    assert notify_for_event(10**9) == 0  # an event that no longer exists


def test_fresh_events_go_to_the_sender_old_ones_stay_in_site(
    consumer: User,
    merchant: User,
    moderator: User,
    company: Company,
    file_complaint: Callable[..., Complaint],
    outbox: list[tuple[str, str, str]],
    django_capture_on_commit_callbacks: Any,
) -> None:
    merchant.email = "kefu@example.com"
    merchant.save(update_fields=["email"])
    with django_capture_on_commit_callbacks(execute=True):
        complaint = file_complaint(consumer, company)
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    channels = sorted((kind, target) for kind, target, _ in outbox)
    assert channels == [("email", "kefu@example.com"), ("sms", consumer.phone)]
    assert all(complaint.public_number in body for _, _, body in outbox)

    outbox.clear()
    month_ago = timezone.now() - timedelta(days=30)
    with django_capture_on_commit_callbacks(execute=True):
        old = file_complaint(consumer, company, title="另一条投诉：超时未送达", now=month_ago)
        services.complaint_accept(complaint_id=old.pk, actor=moderator, now=month_ago)
    assert outbox == []
    assert Notification.objects.filter(complaint=old).count() == 2
