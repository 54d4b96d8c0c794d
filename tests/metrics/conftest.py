"""Helpers of the metric tests: the counters as plain data, for comparing two ways of
computing them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.metrics.models import (
    COUNTERS,
    INDEX_COUNTERS,
    CompanyDay,
    CompanyMonth,
    CompanyProblem,
    CompanyTotal,
    ComplaintMetric,
    SubmissionDay,
)

# varied so the province and problem-type counters see several keys, none and two at once
REGIONS = ("110105", "310104", None, "440305")
PROBLEMS = (["refund_difficult"], ["refund_difficult", "false_advertising"], [], ["quality"])


def complaint_input(
    company: Company, n: int, brand_id: int | None = None
) -> services.ComplaintInput:
    return services.ComplaintInput(
        title=f"外卖超时两小时拒绝退款{n}",
        details=f"第{n}单：6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。",
        company_id=company.pk,
        problem_types=PROBLEMS[n % len(PROBLEMS)],
        problem_other="" if PROBLEMS[n % len(PROBLEMS)] else "送餐员态度恶劣",
        demands=["refund"],
        brand_id=brand_id,
        consumer_region=REGIONS[n % len(REGIONS)],
    )


@pytest.fixture
def file_complaint(consumer: User) -> Callable[..., Complaint]:
    counter = itertools.count(1)

    def file(company: Company, now: datetime, *, brand_id: int | None = None) -> Complaint:
        complaint, created = services.complaint_submit(
            consumer=consumer, data=complaint_input(company, next(counter), brand_id), now=now
        )
        assert created
        return complaint

    return file


def rollup_table() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The non-zero month and all-time rollup rows (ADR 0032), keyed by ("month", company,
    month) and ("total", company); asserts first that they are the sums of the day rows."""
    out: dict[tuple[Any, ...], tuple[int, ...]] = {}
    for m in CompanyMonth.objects.all():
        values = tuple(getattr(m, k) for k in INDEX_COUNTERS)
        if any(values):
            out[("month", m.company_id, m.month)] = values
    for t in CompanyTotal.objects.all():
        values = tuple(getattr(t, k) for k in INDEX_COUNTERS)
        if any(values):
            out[("total", t.company_id)] = values
    summed: dict[tuple[Any, ...], list[int]] = {}
    for row in CompanyDay.objects.all():
        values = [getattr(row, k) for k in INDEX_COUNTERS]
        for key in (("month", row.company_id, row.day.replace(day=1)), ("total", row.company_id)):
            acc = summed.setdefault(key, [0] * len(INDEX_COUNTERS))
            for i, v in enumerate(values):
                acc[i] += v
    assert out == {k: tuple(v) for k, v in summed.items() if any(v)}, "rollups ≠ day rows"
    return out


def day_table() -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The non-zero day rows, keyed by (company, brand, day), the problem-type rows, the
    submissions per province and problem type and the index rollups (``rollup_table``)."""
    out: dict[tuple[Any, ...], tuple[int, ...]] = dict(rollup_table())
    out.update(
        {
            (row.company_id, row.problem_type): (row.valid,)
            for row in CompanyProblem.objects.exclude(valid=0)
        }
    )
    for s in SubmissionDay.objects.exclude(submitted=0):
        out[(s.kind, s.key, s.day)] = (s.submitted,)
    for row in CompanyDay.objects.all():
        values = tuple(getattr(row, k) for k in COUNTERS)
        if any(values):
            out[(row.company_id, row.brand_key, row.day)] = values
    return out


def complaint_table() -> dict[int, tuple[Any, ...]]:
    return {
        row.pk: (
            row.company_id,
            row.brand_key,
            row.day,
            row.first_assigned_at,
            row.clock_started_at,
            row.first_reply_at,
            row.overdue,
            tuple(row.problem_types),
            row.region,
            *(getattr(row, k) for k in COUNTERS),
        )
        for row in ComplaintMetric.objects.all()
    }
