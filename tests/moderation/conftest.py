"""Fixtures of the moderation tests: filing complaints through the service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.companies.models import Company, Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint

TAKEAWAY = (
    "外卖超时两小时拒绝退款",
    "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝，"
    "商家说是骑手的问题，平台说是商家的问题，互相推诿，要求全额退款并道歉。",
)


@pytest.fixture
def submit(consumer: User, company: Company) -> Callable[..., Complaint]:
    def file(
        title: str = TAKEAWAY[0],
        details: str = TAKEAWAY[1],
        *,
        by: User | None = None,
        to: Company | None = None,
        **extra: Any,
    ) -> Complaint:
        complaint, created = services.complaint_submit(
            consumer=by or consumer,
            data=services.ComplaintInput(
                title=title,
                details=details,
                company_id=(to or company).pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                **extra,
            ),
        )
        assert created
        return complaint

    return file


@pytest.fixture
def companies(db: None) -> list[Company]:
    names = ["远方电商", "飞快快递", "好运旅行社", "明日教育", "乐享健身"]
    return [company_create(name=n, sector=Sector.OTHER) for n in names]
