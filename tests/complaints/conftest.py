"""Fixtures of the complaint tests: filing through the service at a chosen time."""

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


def complaint_input(company: Company, n: int = 1, **extra: Any) -> services.ComplaintInput:
    return services.ComplaintInput(
        **{
            "title": f"外卖超时两小时拒绝退款{n}",
            "details": f"第{n}单：6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。",
            "company_id": company.pk,
            "problem_types": ["refund_difficult"],
            "demands": ["refund"],
            "amount": "58.50",
            **extra,
        }
    )


@pytest.fixture
def file_complaint(consumer: User) -> Callable[..., Complaint]:
    """File a complaint about ``company`` at ``now`` with a new text each time."""
    counter = itertools.count(1)

    def file(company: Company, now: datetime, *, by: User | None = None) -> Complaint:
        complaint, created = services.complaint_submit(
            consumer=by or consumer, data=complaint_input(company, next(counter)), now=now
        )
        assert created
        return complaint

    return file
