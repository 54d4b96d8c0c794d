"""A reply due within one working day: the company's merchants get one in-site reminder per
complaint and deadline, however often the job runs (issue 6 §6, SLA follow-through)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
import time_machine

from tousu.accounts.models import User
from tousu.common.jobs import JOBS, run_job
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.engagement.models import Notification
from tousu.engagement.services import notify_sla_due_soon

pytestmark = pytest.mark.django_db


def _reminders() -> list[tuple[int, int, str]]:
    return sorted(
        Notification.objects.filter(kind="sla_due_soon").values_list(
            "user_id", "complaint_id", "title"
        )
    )


def test_merchants_are_reminded_once_per_deadline(
    file_complaint: Callable[..., Any],
    consumer: User,
    company: Company,
    other_company: Company,
    merchant: User,
    other_merchant: User,
    moderator: User,
    make_user: Callable[..., User],
) -> None:
    agent = make_user(role="merchant", nickname="客服二号")
    company_add_member(company=company, user=agent, role=MemberRole.AGENT)
    gone = make_user(role="merchant", nickname="离职客服", is_active=False)
    company_add_member(company=company, user=gone, role=MemberRole.AGENT)
    complaint: Complaint = file_complaint(consumer, company)
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    complaint.refresh_from_db()
    due = complaint.reply_due_at
    assert due is not None

    assert notify_sla_due_soon() == 0  # five working days ahead
    with time_machine.travel(due - timedelta(hours=2)):
        assert notify_sla_due_soon() == 2
        assert notify_sla_due_soon() == 0  # not repeated on the next run
        job = next(j for j in JOBS if j.name == "sla_due_soon_reminders")
        assert run_job(job) == {"created": 0}
    title = "投诉即将超过回复时限，请尽快回复"
    assert _reminders() == sorted(
        [(merchant.pk, complaint.pk, title), (agent.pk, complaint.pk, title)]
    )
    note = Notification.objects.get(user=merchant, kind="sla_due_soon")
    assert complaint.public_number in note.body and "前回复" in note.body
    assert note.read_at is None
    # the other company's merchant, the inactive member and the consumer hear nothing of it
    assert not Notification.objects.filter(
        kind="sla_due_soon", user__in=[other_merchant, gone, consumer]
    ).exists()

    # once overdue, no reminder is due any more
    with time_machine.travel(due + timedelta(minutes=5)):
        services.sla_sweep()
        assert notify_sla_due_soon() == 0
    assert len(_reminders()) == 2


def test_a_new_deadline_is_a_new_reminder(
    file_complaint: Callable[..., Any],
    consumer: User,
    company: Company,
    merchant: User,
    moderator: User,
) -> None:
    complaint: Complaint = file_complaint(consumer, company)
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    complaint.refresh_from_db()
    first_due = complaint.reply_due_at
    assert first_due is not None
    with time_machine.travel(first_due - timedelta(hours=2)):
        assert notify_sla_due_soon() == 1
    # the same complaint with a later deadline (as after re-entering processing)
    later = first_due + timedelta(days=7)
    Complaint.objects.filter(pk=complaint.pk).update(reply_due_at=later)
    with time_machine.travel(later - timedelta(hours=2)):
        assert notify_sla_due_soon() == 1
        assert notify_sla_due_soon() == 0
    assert Notification.objects.filter(user=merchant, kind="sla_due_soon").count() == 2
