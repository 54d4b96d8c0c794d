"""Fixtures of the search tests: complaints filed and accepted through the services."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def file(consumer: User, moderator: User) -> Callable[..., Complaint]:
    """File a complaint (accepted by default, so public) with the given text and fields."""
    counter = itertools.count(1)

    def make(
        company: Company,
        title: str,
        details: str,
        *,
        accept: bool = True,
        days: int = 0,
        **extra: Any,
    ) -> Complaint:
        n = next(counter)
        now = T0 + timedelta(days=days, minutes=n)
        data = services.ComplaintInput(
            title=title if len(title) >= 4 else title + "问题投诉",
            details=details + "，希望平台帮忙处理此事。",
            company_id=company.pk,
            **{"problem_types": ["refund_difficult"], "demands": ["refund"], **extra},
        )
        complaint, _ = services.complaint_submit(consumer=consumer, data=data, now=now)
        if accept:
            complaint = services.complaint_accept(
                complaint_id=complaint.pk, actor=moderator, now=now
            )
        return complaint

    return make
