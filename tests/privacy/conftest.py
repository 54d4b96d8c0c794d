"""A complaint full of personal data, filed and accepted through the services."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from privacy_data import DETAILS, TITLE

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint


@pytest.fixture
def file_pii(consumer: User, company: Company) -> Callable[..., Complaint]:
    def file(title: str = TITLE, details: str = DETAILS, **extra: Any) -> Complaint:
        complaint, created = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title=title,
                details=details,
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                amount="12999",
                **extra,
            ),
        )
        assert created
        return complaint

    return file


@pytest.fixture
def public_pii(file_pii: Callable[..., Complaint], moderator: User, merchant: User) -> Complaint:
    """Accepted (public), with a merchant of the company."""
    complaint = file_pii()
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    complaint.refresh_from_db()
    return complaint
