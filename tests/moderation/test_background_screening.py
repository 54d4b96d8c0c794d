"""Screening after the submission (``TOUSU_SCREEN_IN_BACKGROUND``, ADR 0026): the index and the
refusal of repeats stay in the submission; the suggestion follows through an outbox row written
in the same transaction, and a periodic job catches up whatever was lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django_tasks_db.models import DBTaskResult

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict
from tousu.common.jobs import JOBS, job_screening_catch_up
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.moderation.listeners import screen_indexed
from tousu.moderation.models import ScreeningResult, TextSignature

pytestmark = pytest.mark.django_db

TASK = "tousu.moderation.tasks.screen_complaint"
EDITED_DETAILS = "商家说是骑手的问题，平台说是商家的问题，要求全额退款并公开道歉！"


@pytest.fixture
def background(settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "SCREEN_IN_BACKGROUND": True}


def _suggestion(c: Complaint) -> tuple[Any, ...]:
    r = ScreeningResult.objects.get(pk=c.pk)
    return (
        r.decision,
        r.reason,
        r.confidence,
        r.top_terms,
        r.rule,
        r.suggested_sector,
        r.suggested_problem_types,
        r.group_root,
        r.has_mass_filing,
    )


def test_the_submission_indexes_and_writes_its_outbox_row(
    background: None, submit: Callable[..., Complaint]
) -> None:
    c = submit()
    assert TextSignature.objects.filter(pk=c.pk).exists()
    assert not ScreeningResult.objects.filter(pk=c.pk).exists()
    # written in the submission's transaction (the test's transaction never commits)
    task = DBTaskResult.objects.get(task_path=TASK)
    assert task.args_kwargs["args"] == [c.pk]


def test_the_task_writes_what_the_submission_would_have(
    submit: Callable[..., Complaint], make_user: Callable[..., User], settings: Any
) -> None:
    inline = submit()
    other = make_user(Role.CONSUMER)
    settings.TOUSU = {**settings.TOUSU, "SCREEN_IN_BACKGROUND": True}
    later = submit(by=other)
    assert screen_indexed(later.pk) is not None
    assert screen_indexed(later.pk) is None  # idempotent: nothing left to do
    got, want = _suggestion(later), _suggestion(inline)
    assert got[:7] == want[:7]
    assert got[7] == inline.pk  # grouped with the first, as inline screening would


def test_a_repeat_is_still_refused_in_the_submission(
    background: None, submit: Callable[..., Complaint]
) -> None:
    first = submit()
    with pytest.raises(Conflict) as refused:
        submit(details=first.details + "！")
    assert refused.value.details == {"public_number": first.public_number}


def test_the_catch_up_job_screens_what_the_worker_lost(
    background: None, submit: Callable[..., Complaint], consumer: User
) -> None:
    assert "screening_catch_up" in {job.name for job in JOBS}
    c = submit()
    DBTaskResult.objects.all().delete()  # the task was lost (RQ, a crash before enqueue)
    assert job_screening_catch_up() == {"screened": 1}
    assert ScreeningResult.objects.filter(pk=c.pk).exists()
    assert job_screening_catch_up() == {"screened": 0}


def test_a_resubmission_is_screened_again(
    background: None,
    submit: Callable[..., Complaint],
    consumer: User,
    make_user: Callable[..., User],
) -> None:
    c = submit()
    screen_indexed(c.pk)
    services.complaint_reject(
        complaint_id=c.pk, actor=make_user(Role.MODERATOR), reason="insufficient"
    )
    services.complaint_resubmit(
        complaint_id=c.pk, actor=consumer, details="骑手辱骂我，还把餐扔在地上，要求道歉。"
    )
    before = ScreeningResult.objects.get(pk=c.pk).updated_at
    assert job_screening_catch_up() == {"screened": 1}
    assert ScreeningResult.objects.get(pk=c.pk).updated_at > before


def test_catch_up_is_a_no_op_when_screening_runs_in_the_submission(
    submit: Callable[..., Complaint],
) -> None:
    c = submit()
    ScreeningResult.objects.filter(pk=c.pk).delete()  # e.g. indexed by an import, never screened
    assert job_screening_catch_up() == {"screened": 0}
