"""``tousu seed-demo``: demo data in every status, with real timelines, loaded once."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.common.management.commands import _demo_data as data
from tousu.common.management.commands.seed_demo import (
    ACCOUNTS,
    DEMO_PASSWORD,
    demo_logins_text,
    scenarios_for,
)
from tousu.companies.models import Company, Sector
from tousu.complaints.models import (
    Complaint,
    ComplaintEvent,
    Demand,
    EventKind,
    ProblemType,
    Rating,
)
from tousu.complaints.states import Status
from tousu.pagecache.cache import PendingBumps


@pytest.fixture
def seeded(db: None, django_capture_on_commit_callbacks: Any) -> dict[str, Any]:
    out, err = StringIO(), StringIO()
    with django_capture_on_commit_callbacks() as callbacks:
        call_command("seed_demo", complaints=80, stdout=out, stderr=err)
    return {"out": out.getvalue(), "err": err.getvalue(), "callbacks": callbacks}


def test_every_status_of_the_machine_is_there(seeded: dict[str, Any]) -> None:
    assert seeded["err"] == "", seeded["err"]  # no demo step failed
    assert "Demo data loaded" in seeded["out"]
    assert DEMO_PASSWORD in seeded["out"]
    statuses = set(Complaint.objects.values_list("status", flat=True))
    assert statuses == set(Status.values)
    processing = Complaint.objects.filter(status=Status.PROCESSING)
    assert processing.filter(is_overdue=True).exists()
    assert processing.filter(is_overdue=False).exists()
    # the demo consumer sees every status in their own list
    mine = Complaint.objects.filter(consumer__phone=ACCOUNTS[0].phone)
    assert set(mine.values_list("status", flat=True)) == set(Status.values)
    # consumer-confirmed completions carry the three ratings; mediated ones none
    confirmed = ComplaintEvent.objects.filter(action="confirm")
    assert confirmed.exists()
    assert Rating.objects.count() == confirmed.count()
    assert set(Rating.objects.values_list("satisfaction", flat=True)) <= {1, 2, 3, 4, 5}
    assert ComplaintEvent.objects.filter(action="mediation_succeeded").exists()


def test_companies_and_users_for_every_role(seeded: dict[str, Any]) -> None:
    assert set(Company.objects.values_list("sector", flat=True)) == set(Sector.values)
    assert Company.objects.count() == len(data.COMPANIES) >= 30
    verified = Company.objects.filter(is_verified=True)
    assert verified.exists()
    assert all(c.memberships.exists() for c in verified)
    unreachable = Company.objects.filter(memberships__isnull=True)
    assert unreachable.exists()
    # unassigned complaints are exactly those of companies nobody answers for
    unassigned = Complaint.objects.filter(status=Status.UNASSIGNED)
    assert unassigned.exists()
    assert not unassigned.filter(company__memberships__isnull=False).exists()
    assert Company.objects.filter(brands__isnull=False).distinct().count() >= 20
    assert Company.objects.filter(aliases__isnull=False).distinct().count() >= 15
    for role in Role.values:
        assert User.objects.filter(role=role).exists(), role
    for account in ACCOUNTS:
        for login in (account.phone, account.email):
            user = authenticate(None, username=login, password=DEMO_PASSWORD)
            assert user is not None and user.role == account.role, login
    scope = RegulatorScope.objects.get(user__phone=ACCOUNTS[3].phone)
    assert scope.region_codes
    merchant = User.objects.get(phone=ACCOUNTS[1].phone)
    assert merchant.memberships.get().company.name.startswith("饭点")
    resp = Client().post(
        "/api/v1/auth/login",
        {"login": ACCOUNTS[0].email, "password": DEMO_PASSWORD},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content


def test_timelines_are_real_and_consistent(seeded: dict[str, Any]) -> None:
    now = timezone.now()
    events: dict[int, list[ComplaintEvent]] = defaultdict(list)
    for event in ComplaintEvent.objects.order_by("id"):
        events[event.complaint_id].append(event)
    complaints = list(Complaint.objects.all())
    for c in complaints:
        timeline = events[c.pk]
        assert timeline[0].kind == EventKind.SUBMITTED
        times = [e.created_at for e in timeline]
        assert times == sorted(times), c.public_number
        assert now - timedelta(days=125) < times[0] and times[-1] <= now
        # every status change is on the timeline, one after the other
        status = Status.PENDING_REVIEW.value
        for e in timeline:
            if e.kind == EventKind.TRANSITION:
                assert e.from_status == status, (c.public_number, e.action)
                status = e.to_status
        assert status == c.status, c.public_number
    # they spread over the months, not all today
    created = sorted(c.created_at for c in complaints)
    assert created[-1] - created[0] > timedelta(days=90)
    # the nightly sweep made the automatic moves
    actions = set(ComplaintEvent.objects.values_list("action", flat=True))
    assert {"auto_complete", "close_overdue", "close_unassigned", "assign"} <= actions
    assert ComplaintEvent.objects.filter(kind=EventKind.OVERDUE).exists()
    # notifications are scheduled once per event
    # one per event, besides the page cache's (one per transaction)
    callbacks = [c for c in seeded["callbacks"] if not isinstance(c, PendingBumps)]
    assert len(callbacks) == ComplaintEvent.objects.count()


def test_a_second_run_adds_nothing(seeded: dict[str, Any]) -> None:
    counts = (User.objects.count(), Company.objects.count(), ComplaintEvent.objects.count())
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "demo data already loaded" in out.getvalue()
    assert "13800000001" in out.getvalue()
    assert (User.objects.count(), Company.objects.count(), ComplaintEvent.objects.count()) == counts


def test_logins_text_lists_every_account() -> None:
    text = demo_logins_text()
    for account in ACCOUNTS:
        assert account.phone in text and account.email in text


def test_every_template_renders_for_every_company() -> None:
    base = {
        "brand": "某品牌",
        "short": "某公司",
        "model": "某车型",
        "date": "9月1日",
        "date2": "9月5日",
        "days": "7",
        "product": "蓝牙耳机",
        "amount": "199",
        "half": "99.50",
        "comp": "20",
    }
    for spec in data.COMPANIES:
        scenarios = scenarios_for(spec)
        assert scenarios, spec.short
        for s in scenarios:
            words = {**base, **{k: v[0] for k, v in s.words.items()}}
            for title in s.titles:
                assert 4 <= len(title.format(**words)) <= 80
            for details in s.details:
                assert len(details.format(**words)) >= 10
            assert set(s.problems) <= set(ProblemType.values)
            assert set(s.demands) <= set(Demand.values)
    for texts in (data.REPLIES, data.SOLUTIONS, data.MEDIATION_SUCCEEDED, data.MEDIATION_FAILED):
        for text in texts:
            text.format(**base)
