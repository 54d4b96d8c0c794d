"""``complaints.services.complaint_history_replay``: imported histories follow the table."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tousu.common.errors import IllegalTransition, ValidationFailed
from tousu.complaints.services import ImportedStep, complaint_history_replay
from tousu.complaints.states import Action, Status

T0 = datetime(2024, 5, 1, 9, tzinfo=ZoneInfo("Asia/Shanghai"))


def replay(*steps: ImportedStep):  # type: ignore[no-untyped-def]
    return complaint_history_replay(submitted_at=T0, steps=steps, source_payload={})


def test_a_history_along_the_table_reaches_its_status_with_dated_fields() -> None:
    day = timedelta(days=1)
    result = replay(
        ImportedStep(Action.ACCEPT, T0 + day, target=Status.PROCESSING),
        ImportedStep(Action.REPLY, T0 + 2 * day, message="已退款"),
        ImportedStep(Action.REPLY, T0 + 3 * day, message="补充说明"),
        ImportedStep(Action.REQUEST_COMPLETION, T0 + 3 * day),
        ImportedStep(Action.CONFIRM, T0 + 4 * day, rating=(5, 4, 5)),
    )
    assert result.status == Status.COMPLETED
    assert result.fields["first_reply_at"] == T0 + 2 * day
    assert result.fields["last_reply_at"] == T0 + 3 * day
    assert result.fields["completed_at"] == T0 + 4 * day
    assert [(e.kind, e.to_status) for e in result.events] == [
        ("submitted", "pending_review"),
        ("transition", "processing"),
        ("transition", "replied"),
        ("reply", ""),
        ("transition", "completion_requested"),
        ("transition", "completed"),
    ]
    assert [e.actor_role for e in result.events] == [
        "consumer",
        "moderator",
        "merchant",
        "merchant",
        "merchant",
        "consumer",
    ]


@pytest.mark.parametrize(
    "steps",
    [
        [ImportedStep(Action.REPLY, T0)],  # no reply before acceptance
        [
            ImportedStep(Action.ACCEPT, T0, target=Status.PROCESSING),
            ImportedStep(Action.CONFIRM, T0),
        ],
        [ImportedStep(Action.ACCEPT, T0, target=Status.COMPLETED)],
    ],
)
def test_a_history_the_table_does_not_allow_is_refused(steps: list[ImportedStep]) -> None:
    with pytest.raises(IllegalTransition):
        replay(*steps)


def test_a_rating_only_comes_with_a_confirmation() -> None:
    with pytest.raises(ValidationFailed):
        replay(ImportedStep(Action.ACCEPT, T0, target=Status.UNASSIGNED, rating=(5, 5, 5)))


def test_steps_dated_before_the_previous_one_are_raised_to_it() -> None:
    result = replay(ImportedStep(Action.ACCEPT, T0 - timedelta(days=2), target=Status.PROCESSING))
    assert result.fields["accepted_at"] == T0
    assert result.events[1].payload["date_adjusted_from"] == (T0 - timedelta(days=2)).isoformat()
