"""In-transaction event listeners: they see every event, and their failure undoes the change."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from tousu.complaints import hooks
from tousu.complaints.models import Complaint, ComplaintEvent

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def listener() -> Iterator[list[ComplaintEvent]]:
    seen: list[ComplaintEvent] = []

    def record(event: ComplaintEvent) -> None:
        seen.append(event)

    hooks.register(record)
    hooks.register(record)  # idempotent
    yield seen
    hooks._listeners.remove(record)


def test_listener_sees_each_event_once(
    listener: list[ComplaintEvent], file_complaint: Callable[..., Complaint], company: object
) -> None:
    complaint = file_complaint(company, NOW)
    assert [e.complaint_id for e in listener] == [complaint.pk]
    assert listener[0].kind == ComplaintEvent.objects.get(complaint=complaint).kind


@pytest.mark.django_db(transaction=True)
def test_failing_listener_rolls_back_the_change(
    file_complaint: Callable[..., Complaint], company: object
) -> None:
    def fail(event: ComplaintEvent) -> None:
        raise RuntimeError("read model down")

    hooks.register(fail)
    try:
        with pytest.raises(RuntimeError):
            file_complaint(company, NOW)
    finally:
        hooks._listeners.remove(fail)
    assert Complaint.objects.count() == 0
    assert ComplaintEvent.objects.count() == 0
