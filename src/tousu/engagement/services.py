"""Notifications: who hears about a timeline event, in-site and by e-mail/SMS.

``notify_for_event`` runs in the worker (``tasks.notify_event``, enqueued on commit by every
service that writes a ``ComplaintEvent``). It decides the recipients from the event alone, never
notifies the actor of their own action, writes one ``Notification`` per recipient (a unique
constraint makes a second run of the same task create nothing) and hands fresh events to the
configured e-mail/SMS sender. A notification carries the time of the event it reports, not the
time the worker got to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.calendar import add_working_days
from tousu.common.errors import NotFound
from tousu.common.text import site_text
from tousu.companies.models import CompanyMembership
from tousu.complaints.models import (
    Complaint,
    ComplaintEvent,
    EventKind,
    HideReason,
    RejectionReason,
)
from tousu.complaints.states import Action, Status

from .models import Notification
from .senders import get_sender

# Events older than this get an in-site notification only: nobody wants an SMS about something
# that happened last month (a worker that was down, or the demo data's backdated timeline).
SEND_MESSAGES_WITHIN = timedelta(hours=24)
EXCERPT_CHARS = 140

CONSUMER, MERCHANTS, MEDIATORS = "consumer", "merchants", "mediators"

# What each party is told about a status change, by action; for ACCEPT it depends on the target.
TRANSITION_TITLES: dict[str, dict[str, str]] = {
    Action.ACCEPT: {},  # see ACCEPT_TITLES
    Action.REJECT: {CONSUMER: "您的投诉未通过审核"},
    Action.ASSIGN: {
        CONSUMER: "您的投诉已转交企业处理",
        MERCHANTS: "有一条新投诉需要处理",
    },
    Action.CLOSE_UNASSIGNED: {CONSUMER: "暂时无法联系到被投诉企业，投诉已关闭"},
    Action.REPLY: {CONSUMER: "商家回复了您的投诉"},
    Action.ESCALATE: {
        CONSUMER: "投诉已进入调解",
        MERCHANTS: "投诉已进入调解",
        MEDIATORS: "有一条投诉申请调解",
    },
    Action.CLOSE_OVERDUE: {
        CONSUMER: "商家长期未回复，投诉已关闭",
        MERCHANTS: "投诉因长期未回复已关闭",
    },
    Action.FOLLOW_UP: {MERCHANTS: "消费者补充了投诉内容"},
    Action.REQUEST_COMPLETION: {CONSUMER: "商家申请完成，请确认并评价"},
    Action.CONFIRM: {MERCHANTS: "消费者确认完成并评价"},
    Action.DISPUTE: {MERCHANTS: "消费者对完成申请有异议"},
    Action.AUTO_COMPLETE: {
        CONSUMER: "投诉超时未确认，已自动完成",
        MERCHANTS: "投诉超时未确认，已自动完成",
    },
    Action.REOPEN: {MERCHANTS: "消费者重新打开了投诉"},
    Action.MEDIATION_SUCCEEDED: {
        CONSUMER: "调解成功，投诉已完成",
        MERCHANTS: "调解成功，投诉已完成",
    },
    Action.MEDIATION_FAILED: {
        CONSUMER: "调解未能达成一致，投诉已关闭",
        MERCHANTS: "调解未能达成一致，投诉已关闭",
    },
    Action.WITHDRAW: {},
    Action.RESUBMIT: {},
}
ACCEPT_TITLES: dict[str, dict[str, str]] = {
    Status.PROCESSING: {
        CONSUMER: "您的投诉已通过审核，已转交企业处理",
        MERCHANTS: "有一条新投诉需要处理",
    },
    Status.UNASSIGNED: {CONSUMER: "您的投诉已通过审核，等待企业入驻处理"},
}
# Timeline entries that do not change the status.
OTHER_TITLES: dict[str, dict[str, str]] = {
    EventKind.REPLY: {CONSUMER: "商家回复了您的投诉"},
    EventKind.SOLUTION: {CONSUMER: "商家提出了解决方案"},
    EventKind.FOLLOW_UP: {MERCHANTS: "消费者补充了投诉内容"},
    EventKind.OVERDUE: {
        CONSUMER: "商家超时未回复，您可以继续等待或申请调解",
        MERCHANTS: "投诉已超过回复时限，请尽快处理",
    },
    EventKind.HIDDEN: {CONSUMER: "您的投诉已被隐藏"},
    EventKind.UNHIDDEN: {CONSUMER: "您的投诉已恢复公开"},
    EventKind.REDACTED: {CONSUMER: "平台调整了您投诉公开内容中的个人信息隐藏"},
}
MESSAGE_REDACTED_TITLE = "平台调整了您留言公开内容中的个人信息隐藏"
# Events whose message the recipient should read in the notification itself.
WITH_MESSAGE = {
    Action.REJECT,
    Action.REPLY,
    Action.FOLLOW_UP,
    Action.DISPUTE,
    Action.REOPEN,
    Action.REQUEST_COMPLETION,
    Action.CLOSE_UNASSIGNED,
    Action.MEDIATION_SUCCEEDED,
    Action.MEDIATION_FAILED,
    EventKind.SOLUTION,
    EventKind.HIDDEN,
    EventKind.REDACTED,
}


@dataclass(frozen=True)
class Recipient:
    user: User
    title: str


def titles_for(event: ComplaintEvent) -> dict[str, str]:
    """Party → headline for an event (parties: consumer, merchants, mediators)."""
    if event.kind == EventKind.TRANSITION:
        if event.action == Action.ACCEPT:
            return ACCEPT_TITLES.get(event.to_status, {})
        return TRANSITION_TITLES.get(event.action, {})
    return OTHER_TITLES.get(event.kind, {})


def _merchants(complaint: Complaint) -> list[User]:
    return list(
        User.objects.filter(memberships__company_id=complaint.company_id, is_active=True).distinct()
    )


def recipients_for(event: ComplaintEvent) -> list[Recipient]:
    """Who is told about ``event``; the actor is never notified of their own action."""
    complaint = event.complaint
    out: list[Recipient] = []
    if event.kind == EventKind.REDACTED and "event" in (event.payload or {}):
        # staff changed a timeline message's public copy: its author is told (the consumer or
        # the merchant who wrote it), nobody else
        author = User.objects.filter(pk=event.payload.get("author")).first()
        if author is not None and author.pk != event.actor_id and author.is_active:
            return [Recipient(author, MESSAGE_REDACTED_TITLE)]
        return []
    for party, title in titles_for(event).items():
        if party == CONSUMER:
            users = [complaint.consumer]
        elif party == MERCHANTS:
            users = _merchants(complaint)
        else:
            users = list(User.objects.filter(role=Role.MEDIATOR, is_active=True))
        out.extend(Recipient(u, title) for u in users)
    seen: set[int] = set()
    result = []
    for r in out:
        if r.user.pk == event.actor_id or r.user.pk in seen or not r.user.is_active:
            continue
        seen.add(r.user.pk)
        result.append(r)
    return result


def _body(event: ComplaintEvent, title: str) -> str:
    complaint = event.complaint
    body = f"投诉 {complaint.public_number}「{complaint.title}」：{title}"
    key = event.action if event.kind == EventKind.TRANSITION else event.kind
    text = (event.message or "").strip()
    if key == EventKind.HIDDEN and event.reason:
        text = f"原因：{site_text(HideReason(event.reason).label)}" + (f"。{text}" if text else "")
    elif key == Action.REJECT and event.reason and not text:
        text = site_text(RejectionReason(event.reason).label)
    if key in WITH_MESSAGE and text:
        if len(text) > EXCERPT_CHARS:
            text = text[:EXCERPT_CHARS] + "…"
        body += f"\n{text}"
    return body


def notification_kind(event: ComplaintEvent) -> str:
    """``accept``, ``reply``, ``overdue`` …: the action for status changes, else the kind."""
    return event.action if event.kind == EventKind.TRANSITION and event.action else event.kind


def notify_for_event(event_id: int) -> int:
    """Create in-site notifications and send messages; running it twice creates nothing new."""
    event = (
        ComplaintEvent.objects.select_related("complaint", "complaint__consumer")
        .filter(pk=event_id)
        .first()
    )
    if event is None:
        return 0
    recipients = recipients_for(event)
    if not recipients:
        return 0
    already = set(Notification.objects.filter(event=event).values_list("user_id", flat=True))
    fresh = timezone.now() - event.created_at <= SEND_MESSAGES_WITHIN
    sender = get_sender() if fresh else None
    created = 0
    for recipient in recipients:
        user = recipient.user
        if user.pk in already:
            continue
        body = _body(event, recipient.title)
        try:
            with transaction.atomic():
                Notification.objects.create(
                    user=user,
                    complaint=event.complaint,
                    event=event,
                    kind=notification_kind(event),
                    title=recipient.title,
                    body=body,
                    created_at=event.created_at,
                )
        except IntegrityError:
            continue  # a concurrent run of this task got there first
        created += 1
        if sender is not None:
            if user.email:
                sender.send_email(user.email, recipient.title, body)
            elif user.phone:
                sender.send_sms(user.phone, body)
    return created


DUE_SOON_KIND = "sla_due_soon"
DUE_SOON_TITLE = "投诉即将超过回复时限，请尽快回复"


def due_soon_key(complaint: Complaint) -> str:
    """One reminder per complaint and deadline: a new deadline (the case re-entered processing)
    is a new reminder. The same key as the ``complaint.sla_due_soon`` webhook."""
    assert complaint.reply_due_at is not None
    return f"due_soon:{complaint.pk}:{int(complaint.reply_due_at.timestamp())}"


def notify_sla_due_soon(*, now: datetime | None = None) -> int:
    """Periodic: tell the company's merchants in-site that a reply is due within one working
    day (processing, not yet overdue), once per complaint and deadline however often it runs.
    The same window as the ``complaint.sla_due_soon`` webhook; companies without an endpoint
    are reminded too."""
    now = now or timezone.now()
    due = list(
        Complaint.objects.filter(
            status=Status.PROCESSING,
            is_overdue=False,
            reply_due_at__gte=now,
            reply_due_at__lte=add_working_days(now, 1),
        ).only("pk", "company_id", "public_number", "title", "reply_due_at")
    )
    if not due:
        return 0
    members: dict[int, list[int]] = {}
    for company_id, user_id in CompanyMembership.objects.filter(
        company_id__in={c.company_id for c in due}, user__is_active=True
    ).values_list("company_id", "user_id"):
        members.setdefault(company_id, []).append(user_id)
    keys = {c.pk: due_soon_key(c) for c in due}
    sent = set(
        Notification.objects.filter(dedupe_key__in=list(keys.values())).values_list(
            "user_id", "dedupe_key"
        )
    )
    rows = []
    for c in due:
        assert c.reply_due_at is not None
        at = timezone.localtime(c.reply_due_at).strftime("%Y-%m-%d %H:%M")
        body = f"投诉 {c.public_number}「{c.title}」：请在 {at} 前回复，逾期将计入超时未回复。"
        rows += [
            Notification(
                user_id=user_id,
                complaint_id=c.pk,
                kind=DUE_SOON_KIND,
                title=DUE_SOON_TITLE,
                body=body,
                created_at=now,
                dedupe_key=keys[c.pk],
            )
            for user_id in members.get(c.company_id, [])
            if (user_id, keys[c.pk]) not in sent
        ]
    # a concurrent run may have written some of them: the unique key keeps one
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def notifications_for(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).select_related("complaint")


def notification_unread_count(user: User) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notification_mark_read(*, user: User, notification_id: int | None = None) -> int:
    """Mark one notification (or all of ``user``'s) read; another user's id is a 404."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.filter(user=user, pk=notification_id).exists():
            raise NotFound("找不到该通知", code="notification_not_found")
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
