"""SLA deadlines in Chinese working days (2025–2026 holidays and 调休 working weekends) and the
periodic SLA sweep: overdue, auto-completion, closing, idempotence."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tousu.accounts.models import User
from tousu.common import calendar
from tousu.common.calendar import add_working_days, is_working_day, working_days_between
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind, Rating
from tousu.complaints.states import Action, Actor, Status


def at(text: str) -> datetime:
    """``at("2025-09-30 10:00")``: a time in Asia/Shanghai."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai"))


# --- the calendar -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2025-09-27", False),  # Saturday
        ("2025-09-28", True),  # Sunday, 调休 working day before 国庆
        ("2025-09-30", True),
        ("2025-10-01", False),  # 国庆 + 中秋 1–8 October
        ("2025-10-06", False),
        ("2025-10-08", False),
        ("2025-10-09", True),
        ("2025-10-11", True),  # Saturday, 调休 working day after 国庆
        ("2025-10-12", False),  # Sunday
        ("2026-01-01", False),
        ("2026-01-04", True),  # Sunday, 调休 after 元旦 2026
        ("2026-02-14", True),  # Saturday, 调休 before 春节 2026
        ("2026-02-15", False),  # 春节 15–23 February
        ("2026-02-17", False),
        ("2026-02-23", False),  # a Monday, still 春节
        ("2026-02-24", True),
        ("2026-02-28", True),  # Saturday, 调休 after 春节
        ("2026-05-05", False),  # 劳动节, a Tuesday
        ("2026-05-09", True),  # Saturday, 调休
        ("2026-09-20", True),  # Sunday, 调休 before 国庆 2026
        ("2026-10-07", False),
        ("2026-10-10", True),  # Saturday, 调休
    ],
)
def test_working_days_follow_the_2025_2026_holiday_schedule(day: str, working: bool) -> None:
    assert is_working_day(date.fromisoformat(day)) is working


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # assigned the Tuesday before 国庆: 9, 10, 11 (Saturday, 调休), 13, 14 October
        ("2025-09-30 10:00", 5, "2025-10-14 10:00"),
        # Friday before 国庆: Sunday 28 September is a working day
        ("2025-09-26 16:45", 5, "2025-10-10 16:45"),
        ("2025-09-26 15:00", 2, "2025-09-29 15:00"),
        # early morning in Shanghai is still the previous day in UTC: the local date counts
        ("2025-09-30 07:00", 5, "2025-10-14 07:00"),
        # 春节 2026: Saturday 14 February works, 15–23 February do not
        ("2026-02-12 09:30", 5, "2026-02-26 09:30"),
        ("2026-02-13 18:00", 1, "2026-02-14 18:00"),
        ("2026-02-13 18:00", 5, "2026-02-27 18:00"),
        # started on a holiday: counting starts with the next working day
        ("2025-10-03 11:00", 1, "2025-10-09 11:00"),
        ("2025-12-31 12:00", 0, "2025-12-31 12:00"),
    ],
)
def test_add_working_days_exact(start: str, days: int, due: str) -> None:
    assert add_working_days(at(start), days) == at(due)


def test_working_days_between_counts_both_ways() -> None:
    assert working_days_between(at("2025-09-30 10:00"), at("2025-10-14 10:00")) == 5
    assert working_days_between(at("2025-10-14 10:00"), at("2025-09-30 10:00")) == -5
    assert working_days_between(at("2026-02-13 09:00"), at("2026-02-24 09:00")) == 2


def test_working_days_between_equals_walking_the_days_across_years() -> None:
    """Running counts per year give the same as counting day by day, over year ends, 调休
    weekends and both directions (a clock overdue for two years was 13 ms walking the days)."""
    import random

    def walk(start: datetime, end: datetime) -> int:
        a, b = start.date(), end.date()
        sign = 1
        if b < a:
            a, b, sign = b, a, -1
        return sign * sum(is_working_day(a + timedelta(days=n)) for n in range(1, (b - a).days + 1))

    rng = random.Random(5)
    base = at("2024-11-01 08:00")
    for _ in range(400):
        start = base + timedelta(hours=rng.randint(0, 24 * 800))
        end = base + timedelta(hours=rng.randint(0, 24 * 800))
        assert working_days_between(start, end) == walk(start, end), (start, end)
    assert working_days_between(at("2025-12-31 23:00"), at("2026-01-01 01:00")) == 0  # 元旦


def test_unknown_year_falls_back_to_weekends_and_fixed_holidays(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calendar._warn_unknown_year.cache_clear()
    with caplog.at_level(logging.WARNING, logger="tousu.common.calendar"):
        assert add_working_days(at("2031-09-30 10:00"), 5) == at("2031-10-14 10:00")
        assert add_working_days(at("2031-04-30 10:00"), 2) == at("2031-05-06 10:00")
        assert is_working_day(date(2031, 1, 1)) is False  # fixed holiday, a Wednesday
        assert is_working_day(date(2031, 1, 2)) is True
        assert is_working_day(date(2031, 10, 4)) is False  # fixed holiday on a Saturday
        assert is_working_day(date(2031, 10, 11)) is False  # plain Saturday: no 调休 known
        assert is_working_day(date(2031, 10, 8)) is True
    warnings = [r for r in caplog.records if r.name == "tousu.common.calendar"]
    assert len(warnings) == 1  # once per year, not once per day looked at
    assert warnings[0].levelno == logging.WARNING
    assert "2031" in warnings[0].getMessage()


# --- deadlines stored on the complaint ------------------------------------------------------------


def test_review_and_reply_deadlines_are_stored_when_the_clock_starts(
    file_complaint: Callable[..., Complaint], company: Company, merchant: User, moderator: User
) -> None:
    c = file_complaint(company, at("2025-09-26 15:00"))
    assert c.review_due_at == at("2025-09-29 15:00")
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at("2025-09-30 10:00"))
    c.refresh_from_db()
    assert c.status == Status.PROCESSING
    assert c.assigned_at == at("2025-09-30 10:00")
    assert c.reply_due_at == at("2025-10-14 10:00")


def test_assignment_before_spring_festival_2026(
    file_complaint: Callable[..., Complaint], company: Company, merchant: User, moderator: User
) -> None:
    c = file_complaint(company, at("2026-02-11 09:00"))
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at("2026-02-12 09:30"))
    c.refresh_from_db()
    assert c.reply_due_at == at("2026-02-26 09:30")


def test_the_reply_clock_restarts_after_follow_up_dispute_and_reopen(
    file_complaint: Callable[..., Complaint],
    company: Company,
    consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    c = file_complaint(company, at("2025-09-22 09:00"))
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at("2025-09-22 10:00"))
    services.complaint_reply(
        complaint_id=c.pk, actor=merchant, message="已退款", now=at("2025-09-23 10:00")
    )
    services.complaint_follow_up(
        complaint_id=c.pk, actor=consumer, message="没收到", now=at("2025-09-30 10:00")
    )
    c.refresh_from_db()
    assert (c.status, c.reply_due_at, c.is_overdue) == (
        Status.PROCESSING,
        at("2025-10-14 10:00"),
        False,
    )
    services.complaint_reply(
        complaint_id=c.pk, actor=merchant, message="再次退款", now=at("2025-10-09 09:00")
    )
    services.complaint_request_completion(
        complaint_id=c.pk, actor=merchant, now=at("2025-10-09 10:00")
    )
    c.refresh_from_db()
    assert c.confirm_due_at == at("2025-10-16 10:00")  # 7 calendar days
    services.complaint_dispute_completion(
        complaint_id=c.pk, actor=consumer, message="只退了一半", now=at("2026-02-13 18:00")
    )
    c.refresh_from_db()
    assert (c.status, c.reply_due_at, c.confirm_due_at) == (
        Status.PROCESSING,
        at("2026-02-27 18:00"),
        None,
    )


# --- the sweep ------------------------------------------------------------------------------------


@pytest.fixture
def processing(
    file_complaint: Callable[..., Complaint], company: Company, merchant: User, moderator: User
) -> Complaint:
    """Assigned 2025-09-30 10:00, reply due 2025-10-14 10:00."""
    c = file_complaint(company, at("2025-09-29 09:00"))
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at("2025-09-30 10:00"))
    c.refresh_from_db()
    assert c.reply_due_at == at("2025-10-14 10:00")
    return c


NOTHING = {"overdue": 0, "auto_completed": 0, "closed_overdue": 0, "closed_unassigned": 0}
SECOND = timedelta(seconds=1)


def test_sweep_marks_overdue_after_the_deadline_without_changing_status(
    processing: Complaint,
) -> None:
    due = at("2025-10-14 10:00")
    assert services.sla_sweep(now=due) == NOTHING
    assert services.sla_sweep(now=due + SECOND) == {**NOTHING, "overdue": 1}
    processing.refresh_from_db()
    assert (processing.status, processing.is_overdue) == (Status.PROCESSING, True)
    assert processing.overdue_marked_at == due + SECOND
    event = processing.events.order_by("-id").first()
    assert event is not None
    assert (event.kind, event.actor_role, event.actor_id, event.from_status, event.to_status) == (
        EventKind.OVERDUE,
        Actor.SYSTEM,
        None,
        "",
        "",
    )
    assert event.created_at == due + SECOND
    assert datetime.fromisoformat(event.payload["reply_due_at"]) == due


def test_a_late_reply_clears_the_overdue_flag(processing: Complaint, merchant: User) -> None:
    services.sla_sweep(now=at("2025-10-15 10:00"))
    services.complaint_reply(
        complaint_id=processing.pk,
        actor=merchant,
        message="抱歉回复晚了",
        now=at("2025-10-16 10:00"),
    )
    processing.refresh_from_db()
    assert (processing.status, processing.is_overdue) == (Status.REPLIED, False)
    assert processing.first_reply_at == at("2025-10-16 10:00")


def test_sweep_closes_processing_complaints_30_working_days_overdue(
    processing: Complaint,
) -> None:
    limit = add_working_days(at("2025-10-14 10:00"), 30)
    assert limit == at("2025-11-25 10:00")
    assert services.sla_sweep(now=limit) == {**NOTHING, "overdue": 1}
    assert services.sla_sweep(now=limit + SECOND) == {**NOTHING, "closed_overdue": 1}
    processing.refresh_from_db()
    assert (processing.status, processing.closed_at) == (Status.CLOSED, limit + SECOND)
    last = processing.events.order_by("-id").first()
    assert last is not None
    assert (last.action, last.from_status, last.to_status, last.actor_role) == (
        Action.CLOSE_OVERDUE,
        Status.PROCESSING,
        Status.CLOSED,
        Actor.SYSTEM,
    )


def test_one_sweep_long_after_the_deadline_marks_overdue_and_closes(processing: Complaint) -> None:
    assert services.sla_sweep(now=at("2026-01-05 10:00")) == {
        **NOTHING,
        "overdue": 1,
        "closed_overdue": 1,
    }
    kinds = list(processing.events.order_by("id").values_list("kind", "action"))
    assert kinds[-2:] == [(EventKind.OVERDUE, ""), (EventKind.TRANSITION, Action.CLOSE_OVERDUE)]


def test_sweep_auto_completes_after_7_days_without_ratings(
    processing: Complaint, merchant: User
) -> None:
    services.complaint_reply(
        complaint_id=processing.pk, actor=merchant, message="已退款", now=at("2025-10-09 10:00")
    )
    services.complaint_request_completion(
        complaint_id=processing.pk, actor=merchant, now=at("2025-10-09 11:00")
    )
    due = at("2025-10-16 11:00")
    assert services.sla_sweep(now=due) == NOTHING
    assert services.sla_sweep(now=due + SECOND) == {**NOTHING, "auto_completed": 1}
    processing.refresh_from_db()
    assert (processing.status, processing.completed_at) == (Status.AUTO_COMPLETED, due + SECOND)
    assert not Rating.objects.filter(complaint=processing).exists()
    last = processing.events.order_by("-id").first()
    assert last is not None
    assert (last.action, last.actor_role, last.actor_id) == (
        Action.AUTO_COMPLETE,
        Actor.SYSTEM,
        None,
    )


def test_sweep_closes_complaints_unassigned_for_90_days(
    file_complaint: Callable[..., Complaint], other_company: Company, moderator: User
) -> None:
    c = file_complaint(other_company, at("2025-09-29 09:00"))
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at("2025-09-30 10:00"))
    c.refresh_from_db()
    assert c.status == Status.UNASSIGNED
    limit = at("2025-09-30 10:00") + timedelta(days=90)
    assert services.sla_sweep(now=limit) == NOTHING
    assert services.sla_sweep(now=limit + SECOND) == {**NOTHING, "closed_unassigned": 1}
    c.refresh_from_db()
    assert (c.status, c.closed_at) == (Status.CLOSED, limit + SECOND)
    last = c.events.order_by("-id").first()
    assert last is not None
    assert (last.action, last.actor_role) == (Action.CLOSE_UNASSIGNED, Actor.SYSTEM)


def _everything() -> dict[str, Any]:
    return {
        "complaints": list(Complaint.objects.order_by("id").values()),
        "events": list(ComplaintEvent.objects.order_by("id").values()),
        "ratings": Rating.objects.count(),
    }


def test_running_the_sweep_twice_changes_nothing_the_second_time(
    file_complaint: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    consumer: User,
    merchant: User,
    moderator: User,
) -> None:
    t0 = at("2025-09-30 10:00")
    created = [file_complaint(company, t0) for _ in range(5)]
    unassigned = file_complaint(other_company, t0)
    pending = file_complaint(company, t0)
    for c in [*created, unassigned]:
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=t0)
    _, b, c, d, _ = created
    for x in (b, c, d):
        services.complaint_reply(complaint_id=x.pk, actor=merchant, message="已处理", now=t0)
    for x in (c, d):
        services.complaint_request_completion(complaint_id=x.pk, actor=merchant, now=t0)
    services.complaint_confirm_completion(
        complaint_id=d.pk, actor=consumer, attitude=5, speed=5, satisfaction=5, now=t0
    )
    later = at("2026-02-27 12:00")
    first = services.sla_sweep(now=later)
    assert first == {"overdue": 2, "auto_completed": 1, "closed_overdue": 2, "closed_unassigned": 1}
    before = _everything()
    assert services.sla_sweep(now=later) == NOTHING
    assert _everything() == before
    statuses = dict(Complaint.objects.values_list("pk", "status"))
    assert statuses[pending.pk] == Status.PENDING_REVIEW
    assert statuses[b.pk] == Status.REPLIED  # replied: waiting for the consumer, no clock
    assert statuses[d.pk] == Status.COMPLETED


def test_sweep_rechecks_the_confirm_deadline_under_the_lock(
    processing: Complaint, merchant: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the sweep's query and its lock, the consumer disputed, the merchant replied and
    asked again: the new completion request has a fresh 7-day clock and must not auto-complete."""
    services.complaint_reply(
        complaint_id=processing.pk, actor=merchant, message="已退款", now=at("2025-10-09 10:00")
    )
    services.complaint_request_completion(
        complaint_id=processing.pk, actor=merchant, now=at("2025-10-09 11:00")
    )
    sweep_at = at("2025-10-20 10:00")
    lock = services._lock

    def lock_after_a_new_request(pk: int) -> Complaint:
        Complaint.objects.filter(pk=pk).update(
            completion_requested_at=sweep_at, confirm_due_at=sweep_at + timedelta(days=7)
        )
        return lock(pk)

    monkeypatch.setattr(services, "_lock", lock_after_a_new_request)
    assert services.sla_sweep(now=sweep_at)["auto_completed"] == 0
    processing.refresh_from_db()
    assert processing.status == Status.COMPLETION_REQUESTED


def test_sweep_rechecks_the_reply_deadline_under_the_lock(
    processing: Complaint, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Marked overdue long ago; between the query and the lock the merchant replied and the
    consumer followed up, so the complaint is processing again with a fresh deadline."""
    services.sla_sweep(now=at("2025-10-15 10:00"))
    sweep_at = at("2026-01-05 10:00")
    lock = services._lock

    def lock_after_follow_up(pk: int) -> Complaint:
        Complaint.objects.filter(pk=pk).update(
            is_overdue=False, reply_due_at=add_working_days(sweep_at, 5)
        )
        return lock(pk)

    monkeypatch.setattr(services, "_lock", lock_after_follow_up)
    assert services.sla_sweep(now=sweep_at)["closed_overdue"] == 0
    processing.refresh_from_db()
    assert processing.status == Status.PROCESSING
