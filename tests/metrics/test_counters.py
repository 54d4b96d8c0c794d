"""The counters follow the definitions of docs/domain.md "Metrics" and agree with a rebuild."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from conftest import complaint_table, day_table
from tousu.accounts.models import User
from tousu.companies.models import Company, CompanyMembership, MemberRole
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.metrics.models import (
    CompanyDay,
    CompanyMonth,
    CompanyProblem,
    CompanyTotal,
    ComplaintMetric,
    SubmissionDay,
)
from tousu.metrics.selectors import Scope, totals

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 23, 30, tzinfo=TZ)  # a Monday, late: UTC is still the same day


def _claim(company: Company, merchant: User) -> None:
    CompanyMembership.objects.get_or_create(
        company=company, user=merchant, defaults={"role": MemberRole.OWNER}
    )


def _all(company: Company) -> dict[str, int]:
    t = totals(Scope(company_id=company.pk))
    return {
        k: getattr(t, k)
        for k in ("valid", "assigned", "replied", "replied_in_sla", "completed", "rated")
    }


def test_a_lifecycle_is_counted_on_its_cohort_day(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    consumer: User,
) -> None:
    _claim(company, merchant)
    c = file_complaint(company, T0)
    assert _all(company)["valid"] == 0  # pending review is not valid yet
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0 + timedelta(hours=1))
    services.complaint_reply(
        complaint_id=c.pk, actor=merchant, message="已退款", now=T0 + timedelta(hours=5)
    )
    services.complaint_request_completion(
        complaint_id=c.pk, actor=merchant, now=T0 + timedelta(hours=6)
    )
    services.complaint_confirm_completion(
        complaint_id=c.pk,
        actor=consumer,
        attitude=5,
        speed=4,
        satisfaction=3,
        now=T0 + timedelta(days=2),
    )
    assert _all(company) == {
        "valid": 1,
        "assigned": 1,
        "replied": 1,
        "replied_in_sla": 1,
        "completed": 1,
        "rated": 1,
    }
    (row,) = CompanyDay.objects.all()
    assert row.day == T0.date()  # the local date of submission, not UTC's
    assert (row.attitude_sum, row.speed_sum, row.satisfaction_sum) == (5, 4, 3)
    assert row.frt_seconds == 4 * 3600
    assert row.frt_b1 == 1  # 1 h < 4 h ≤ 4 h

    # reopened: no longer a completion (the rating stays until a new one replaces it)
    services.complaint_reopen(
        complaint_id=c.pk, actor=consumer, message="又扣款了", now=T0 + timedelta(days=3)
    )
    assert _all(company)["completed"] == 0
    assert _all(company)["rated"] == 1


def test_auto_completion_does_not_count_and_mediation_does(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    consumer: User,
    mediator: User,
) -> None:
    _claim(company, merchant)
    auto, mediated = file_complaint(company, T0), file_complaint(company, T0)
    for c in (auto, mediated):
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0)
    services.complaint_reply(complaint_id=auto.pk, actor=merchant, message="好", now=T0)
    services.complaint_request_completion(complaint_id=auto.pk, actor=merchant, now=T0)
    services.sla_sweep(now=T0 + timedelta(days=8))
    assert Complaint.objects.get(pk=auto.pk).status == "auto_completed"
    services.complaint_escalate(complaint_id=mediated.pk, actor=consumer, now=T0)
    services.complaint_record_mediation(
        complaint_id=mediated.pk, actor=mediator, succeeded=True, now=T0 + timedelta(days=9)
    )
    counts = _all(company)
    assert counts["completed"] == 1
    assert counts["valid"] == 2
    assert counts["replied"] == 1


def test_a_late_first_reply_is_outside_the_sla_and_overdue_is_live(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
) -> None:
    _claim(company, merchant)
    c = file_complaint(company, T0)
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0)
    services.sla_sweep(now=T0 + timedelta(days=10))
    assert totals(Scope(company_id=company.pk)).overdue_now == 1
    services.complaint_reply(
        complaint_id=c.pk, actor=merchant, message="抱歉", now=T0 + timedelta(days=11)
    )
    t = totals(Scope(company_id=company.pk))
    assert (t.replied, t.replied_in_sla, t.overdue_now) == (1, 0, 0)


def test_windows_sum_their_bands_and_a_range_without_rows_keeps_the_live_overdue(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
) -> None:
    """The windows are summed per band of days in one query: each equals the totals of its
    own range; a range without day rows still reports the live overdue count."""
    from tousu.metrics.selectors import window_start, windows

    _claim(company, merchant)
    today = (T0 + timedelta(days=400)).date()
    for days_before in (0, 3, 20, 60, 200, 399):
        c = file_complaint(company, T0 + timedelta(days=400 - days_before))
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=c.submitted_at)
    services.sla_sweep(now=T0 + timedelta(days=420))
    scope = Scope(company_id=company.pk)
    got = windows(scope, today)
    for label, days in (("7", 7), ("30", 30), ("90", 90), ("365", 365), ("all", None)):
        assert got[label] == totals(scope, window_start(days, today) if days else None, today)
    assert [got[k].valid for k in ("7", "30", "90", "365", "all")] == [2, 3, 4, 5, 6]
    empty = totals(scope, today + timedelta(days=1), today + timedelta(days=9))
    assert empty.valid == 0 and empty.overdue_now == got["all"].overdue_now > 0


def test_unassigned_and_rejected_complaints(
    file_complaint: Callable[..., Complaint], company: Company, moderator: User
) -> None:
    a, b = file_complaint(company, T0), file_complaint(company, T0)
    services.complaint_accept(complaint_id=a.pk, actor=moderator, now=T0)  # no merchant yet
    services.complaint_reject(complaint_id=b.pk, actor=moderator, reason="spam", now=T0)
    assert _all(company) == {
        "valid": 1,
        "assigned": 0,
        "replied": 0,
        "replied_in_sla": 0,
        "completed": 0,
        "rated": 0,
    }


def test_rebuild_gives_the_same_tables_and_heals_a_missing_row(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
) -> None:
    _claim(company, merchant)
    cs = [file_complaint(company, T0 + timedelta(days=i)) for i in range(3)]
    for c in cs:
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0 + timedelta(days=3))
    incremental = (day_table(), complaint_table())
    call_command("metrics_rebuild")
    assert (day_table(), complaint_table()) == incremental
    # three cohort days, three problem types of valid complaints, and the submissions: two
    # problem types on the first day, one on the third; a province on each of those days; the
    # company's month and all-time rollup rows
    assert len(incremental[0]) == 3 + 3 + 3 + 2 + 2

    # complaints filed before the metrics existed: the first event folds the whole timeline
    CompanyTotal.objects.all().delete()
    CompanyMonth.objects.all().delete()
    CompanyDay.objects.all().delete()
    CompanyProblem.objects.all().delete()
    SubmissionDay.objects.all().delete()
    ComplaintMetric.objects.all().delete()
    services.complaint_reply(
        complaint_id=cs[0].pk, actor=merchant, message="已处理", now=T0 + timedelta(days=4)
    )
    healed = complaint_table()
    assert list(healed) == [cs[0].pk]
    # replied: after keys, state, types and region (9), submitted, valid, assigned
    assert healed[cs[0].pk][12] == 1
    call_command("metrics_rebuild")
    assert complaint_table()[cs[0].pk] == healed[cs[0].pk]


def test_company_merge_moves_the_counters(
    file_complaint: Callable[..., Complaint],
    company: Company,
    other_company: Company,
    moderator: User,
    make_user: Callable[..., User],
) -> None:
    from tousu.companies.services import company_confirm

    c = file_complaint(other_company, T0)
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0)
    assert _all(other_company)["valid"] == 1
    staff = make_user(role="moderator", phone="13900009999")
    company_confirm(company_id=other_company.pk, merge_into_id=company.pk, actor=staff)
    assert _all(company)["valid"] == 1
    before = day_table()
    call_command("metrics_rebuild")
    assert day_table() == before


def test_imported_histories_are_counted_like_a_rebuild(
    company: Company, other_company: Company, consumer: User
) -> None:
    from django.db import transaction

    from tousu.complaints.services import ImportedComplaint, ImportedStep, complaints_import

    def history(n: int, company: Company, *steps: tuple[str, int]) -> ImportedComplaint:
        at = T0 - timedelta(days=n)
        return ImportedComplaint(
            title=f"导入投诉{n}",
            details=f"导入投诉{n}：商家拒不退款。",
            company_id=company.pk,
            submitted_at=at,
            problem_types=["refund_difficult", "quality"],
            steps=[
                ImportedStep(
                    action,
                    at + timedelta(hours=h),
                    target="processing" if action == "accept" else None,
                    rating=(4, 4, 5) if action == "confirm" else None,
                )
                for action, h in steps
            ],
        )

    records = [
        history(
            1, company, ("accept", 1), ("reply", 30), ("request_completion", 40), ("confirm", 50)
        ),
        history(2, company, ("accept", 1), ("reply", 300)),
        history(
            2,
            other_company,
            ("accept", 1),
            ("reply", 2),
            ("request_completion", 3),
            ("auto_complete", 200),
        ),
        history(3, other_company),
    ]
    with transaction.atomic():
        complaints_import(consumer=consumer, records=records)
    assert _all(company) == {
        "valid": 2,
        "assigned": 2,
        "replied": 2,
        "replied_in_sla": 1,
        "completed": 1,
        "rated": 1,
    }
    incremental = (day_table(), complaint_table())
    call_command("metrics_rebuild")
    assert (day_table(), complaint_table()) == incremental
    assert incremental[0][(company.pk, "quality")] == (2,)


def test_cached_reply_deadline_equals_the_calendar() -> None:
    from tousu.common.calendar import add_working_days
    from tousu.metrics.fold import reply_deadline

    start = datetime(2025, 9, 20, 23, 59, tzinfo=TZ)  # across 国庆 2025 and weekends
    for hours in range(0, 24 * 40, 7):
        at = start + timedelta(hours=hours)
        assert reply_deadline(at, 5) == add_working_days(at, 5)


def test_overdue_now_reads_only_overdue_rows_through_the_partial_index(
    company: Company,
) -> None:
    """On SQLite the live overdue count is an index range over the overdue rows of the
    company, not every row of the company (180 ms for the largest company at 30M)."""
    from django.db import connection

    from tousu.metrics.selectors import _overdue

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's plan; PostgreSQL picks by table statistics")
    sql, params = _overdue(Scope(company_id=company.pk)).values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN SELECT COUNT(*) FROM ({sql})", params)  # noqa: S608
        plan = " / ".join(row[3] for row in cursor.fetchall())
    assert "INDEX metrics_cm_overdue_now (company_id=?)" in plan, plan
