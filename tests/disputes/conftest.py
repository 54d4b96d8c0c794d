"""Fixtures of the dispute tests: an accepted public complaint, a second moderator."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint


@pytest.fixture
def complaint(consumer: User, company: Company, moderator: User, merchant: User) -> Complaint:
    found, created = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="外卖超时两小时拒绝退款",
            details="6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。",
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
        ),
    )
    assert created
    services.complaint_accept(complaint_id=found.pk, actor=moderator)
    found.refresh_from_db()
    return found


@pytest.fixture
def moderator2(make_user: Callable[..., User]) -> User:
    return make_user(Role.MODERATOR, nickname="复核员")
