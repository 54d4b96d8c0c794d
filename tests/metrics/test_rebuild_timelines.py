"""Property: on arbitrary timelines written straight into the event table — orders the state
machine never produces (a reply before the assignment, a clock restart after the first reply,
an unrated confirmation after a rated one, a second ``submitted``, an ``overdue`` mark with a
``to_status``, times going backwards, fractional seconds) — the SQL fold (``sqlfold``) writes
the same rows as the Python fold (``fold.step``), which is the definition.

``test_rebuild_property`` drives the real services (and so compares with the incremental path
too); this one reaches the branches of the SQL that the services rarely or never take: the
seeks for the first reply after the assignment and for the clock running at it, and the
fallback for the rated confirmation (ADR 0020).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import complaint_input, complaint_table, day_table
from tousu.accounts.models import Role, User
from tousu.companies.models import Company, Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import ComplaintEvent, Rating
from tousu.metrics.services import rebuild, rebuild_python

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 28, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # before 春节 2026

# (kind, action, to_status): what the fold distinguishes, and some look-alikes it must not
EVENTS = (
    ("transition", "accept", "processing"),
    ("transition", "accept", "pending_assignment"),
    ("transition", "assign", "processing"),
    ("transition", "follow_up", "processing"),
    ("transition", "dispute", "processing"),
    ("transition", "reopen", "processing"),
    ("transition", "confirm", "completed"),
    ("transition", "mediation_succeeded", "completed"),
    ("transition", "reply", "processing"),
    ("transition", "request_completion", "awaiting_confirmation"),
    ("transition", "reject", "rejected"),
    ("reply", "reply", ""),
    ("reply", "reply", ""),
    ("solution", "solution", ""),
    ("follow_up", "follow_up", ""),
    ("overdue", "", ""),
    ("overdue", "assign", "processing"),
    ("submitted", "", "pending_review"),
    ("hidden", "confirm", ""),
)

event_st = st.tuples(
    st.integers(0, len(EVENTS) - 1),
    st.integers(-30, 200),  # hours after the previous event (sometimes before it)
    st.integers(0, 999_999),  # microseconds
    st.sampled_from((0, 0, 1, 3, 5)),  # a confirmation's rating (stars), 0: none
)
EXAMPLES = int(os.environ.get("TOUSU_HYPOTHESIS_EXAMPLES", "40"))


@pytest.fixture
def setting() -> dict[str, object]:
    consumer = User.objects.create_user(phone="13600007001", role=Role.CONSUMER, nickname="c")
    company = company_create(name="时间线测试有限公司", sector=Sector.ECOMMERCE)
    return {"consumer": consumer, "company": company}


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("TOUSU_HYPOTHESIS_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(timelines=st.lists(st.lists(event_st, max_size=25), min_size=1, max_size=4))
def test_sql_fold_equals_the_python_fold_on_any_timeline(
    setting: dict[str, object], timelines: list[list[tuple[int, int, int, int]]]
) -> None:
    consumer, company = setting["consumer"], setting["company"]
    assert isinstance(consumer, User) and isinstance(company, Company)
    with transaction.atomic():
        for n, timeline in enumerate(timelines):
            now = START + timedelta(days=n)
            complaint, _ = services.complaint_submit(
                consumer=consumer, data=complaint_input(company, n), now=now
            )
            for index, hours, micro, stars in timeline:
                kind, action, to_status = EVENTS[index]
                now = (now + timedelta(hours=hours)).replace(microsecond=micro)
                event = ComplaintEvent.objects.create(
                    complaint=complaint,
                    kind=kind,
                    action=action,
                    to_status=to_status,
                    actor_role="system",
                    created_at=now,
                )
                if stars and action == "confirm":
                    Rating.objects.create(
                        complaint=complaint,
                        event=event,
                        attitude=stars,
                        speed=6 - stars,
                        satisfaction=3,
                    )
        assert rebuild_python()["method"] == "python"
        reference = (day_table(), complaint_table())
        assert rebuild()["method"] == "sql"
        assert (day_table(), complaint_table()) == reference
        transaction.set_rollback(True)
