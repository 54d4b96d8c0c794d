"""Fixtures for notification tests: tasks run inline, a complaint factory through the services."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.engagement.senders import MemorySender


@pytest.fixture
def inline_tasks(settings: Any) -> None:
    """Background tasks run as soon as they are enqueued (on commit)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    settings.TOUSU = {
        **settings.TOUSU,
        "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender",
    }
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


@pytest.fixture
def file_complaint(
    complaint_form: dict[str, Any],
) -> Callable[..., Complaint]:
    def make(
        consumer: User, company: Company, now: datetime | None = None, **extra: Any
    ) -> Complaint:
        form = {**complaint_form, **extra}
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(company_id=company.pk, **form),
            now=now,
        )
        return complaint

    return make
