"""Notifications: who hears about a timeline event, in-site and by e-mail/SMS."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import User
from tousu.common.errors import NotFound
from tousu.complaints.models import ComplaintEvent, EventKind
from tousu.complaints.states import Status

from .models import Notification
from .senders import get_sender

# What the consumer is told when their complaint moves.
CONSUMER_TITLES = {
    Status.PENDING_REVIEW: "您的投诉已提交，正在审核",
    Status.REJECTED: "您的投诉未通过审核",
    Status.UNASSIGNED: "您的投诉已通过审核，等待企业入驻处理",
    Status.PROCESSING: "您的投诉已转交企业处理",
    Status.REPLIED: "商家回复了您的投诉",
    Status.COMPLETION_REQUESTED: "商家申请完成，请确认并评价",
    Status.COMPLETED: "投诉已完成",
    Status.AUTO_COMPLETED: "投诉超时未确认，已自动完成",
    Status.MEDIATION: "投诉已进入调解",
    Status.CLOSED: "投诉已关闭",
    Status.WITHDRAWN: "投诉已撤回",
}
MERCHANT_TITLES = {
    Status.PROCESSING: "有一条投诉需要处理",
    Status.COMPLETED: "消费者确认完成",
    Status.MEDIATION: "投诉已进入调解",
    Status.CLOSED: "投诉已关闭",
    Status.AUTO_COMPLETED: "投诉已自动完成",
}


def recipients_for(event: ComplaintEvent) -> list[tuple[User, str]]:
    """(user, title) pairs for an event; the actor is never notified of their own action."""
    complaint = event.complaint
    out: list[tuple[User, str]] = []
    merchants = list(User.objects.filter(memberships__company_id=complaint.company_id))
    if event.kind == EventKind.TRANSITION:
        title = CONSUMER_TITLES.get(Status(event.to_status))
        if title:
            out.append((complaint.consumer, title))
        if (
            event.from_status not in (Status.PENDING_REVIEW, Status.REJECTED, Status.UNASSIGNED)
            or event.to_status == Status.PROCESSING
        ):
            mtitle = MERCHANT_TITLES.get(Status(event.to_status))
            if event.action == "follow_up":
                mtitle = "消费者补充了投诉内容"
            elif event.action == "dispute":
                mtitle = "消费者对完成申请有异议"
            if mtitle:
                out.extend((m, mtitle) for m in merchants)
    elif event.kind in (EventKind.REPLY, EventKind.SOLUTION):
        out.append((complaint.consumer, "商家回复了您的投诉"))
    elif event.kind == EventKind.FOLLOW_UP and complaint.status != Status.PENDING_REVIEW:
        out.extend((m, "消费者补充了投诉内容") for m in merchants)
    elif event.kind == EventKind.OVERDUE:
        out.extend((m, "投诉已超过回复时限") for m in merchants)
    elif event.kind == EventKind.SUBMITTED:
        out.append((complaint.consumer, CONSUMER_TITLES[Status.PENDING_REVIEW]))
    return [(u, t) for u, t in out if u.pk != event.actor_id]


def notify_for_event(event_id: int) -> int:
    """Create in-site notifications and send messages; safe to run twice."""
    event = (
        ComplaintEvent.objects.select_related("complaint", "complaint__consumer")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    created = 0
    sender = get_sender()
    for user, title in recipients_for(event):
        body = f"投诉 {event.complaint.public_number}「{event.complaint.title}」：{title}"
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user,
                    complaint=event.complaint,
                    event=event,
                    kind=event.kind,
                    title=title,
                    body=body,
                )
        except IntegrityError:
            continue  # already notified by an earlier run of this task
        created += 1
        if user.email:
            sender.send_email(user.email, title, body)
        elif user.phone:
            sender.send_sms(user.phone, body)
    return created


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("complaint")


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise NotFound("找不到该通知", code="notification_not_found")
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
