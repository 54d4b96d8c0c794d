"""The benchmark data generator: legal timelines, consistent fields, true ground truth."""

from __future__ import annotations

import io
import json
import os
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import F
from django.test import Client

from tousu.cli import _take_db_option
from tousu.companies.models import Company
from tousu.complaints.models import Complaint, ComplaintEvent, Rating
from tousu.complaints.services import content_hash_for, sla_sweep
from tousu.complaints.states import EDGES, Status
from tousu.datagen.generate import Generator, Plan, public_number, public_numbers

END = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
LEGAL = {(e.action.value, e.source.value, e.target.value) for e in EDGES}


@pytest.fixture
def generated(db: None, tmp_path: Path) -> Path:
    call_command(
        "bench_data",
        complaints=1500,
        days=200,
        surges=4,
        end=END.isoformat(),
        truth=str(tmp_path),
        no_rebuild=True,
    )
    return tmp_path


def test_counts_numbers_and_hashes(generated: Path) -> None:
    assert Complaint.objects.count() == 1500
    numbers = list(Complaint.objects.values_list("public_number", flat=True))
    assert len(set(numbers)) == 1500
    assert all(n.startswith("TS") and len(n) == 12 for n in numbers)
    for c in Complaint.objects.all():  # the hash of the pre-normalised columns, for every text
        assert c.content_hash == content_hash_for(c.company_id, c.title, c.details)
        assert c.submitted_at <= END
    manifest = json.loads((generated / "manifest.jsonl").read_text().splitlines()[-1])
    assert manifest["counts"]["complaints"] == 1500
    assert manifest["counts"]["events"] == ComplaintEvent.objects.count()


def test_every_timeline_walks_the_transition_table(generated: Path) -> None:
    events: dict[int, list[ComplaintEvent]] = defaultdict(list)
    for e in ComplaintEvent.objects.order_by("id"):
        events[e.complaint_id].append(e)
    rated = set(Rating.objects.values_list("event_id", flat=True))
    statuses: dict[str, int] = defaultdict(int)
    for c in Complaint.objects.all():
        timeline = events[c.pk]
        assert timeline[0].kind == "submitted"
        assert timeline[0].to_status == Status.PENDING_REVIEW
        status, last = Status.PENDING_REVIEW.value, timeline[0].created_at
        first_reply = None
        for e in timeline[1:]:
            assert e.created_at >= last, c.public_number
            last = e.created_at
            if e.kind == "transition":
                assert e.from_status == status, c.public_number
                assert (e.action, e.from_status, e.to_status) in LEGAL, (e.action, e.from_status)
                status = e.to_status
                if e.action == "reply" and first_reply is None:
                    first_reply = e.created_at
                assert (e.pk in rated) == (e.action == "confirm" and "satisfaction" in e.payload)
            else:
                assert e.kind == "overdue"
        assert c.status == status
        statuses[status] += 1
        assert c.first_reply_at == first_reply
        assert (c.accepted_at is not None) == (c.visibility == "public")
        if status in (Status.COMPLETED, Status.AUTO_COMPLETED):
            assert c.completed_at is not None
        if status == Status.PROCESSING:
            assert c.reply_due_at is not None
    # every kind of outcome occurs, and the shares look like the published ones
    assert {Status.COMPLETED, Status.CLOSED, Status.REJECTED, Status.PROCESSING} <= set(statuses)
    accepted = Complaint.objects.exclude(accepted_at=None)
    reply_rate = accepted.exclude(first_reply_at=None).count() / accepted.count()
    assert 0.65 < reply_rate < 0.85


def test_no_row_points_at_nothing(generated: Path) -> None:
    """Foreign keys are not enforced during the load (SQLite pragma, PostgreSQL replica role):
    every reference must be right by construction."""
    from tousu.accounts.models import User
    from tousu.companies.models import Brand, Region

    complaints = Complaint.objects.values("id")
    assert not ComplaintEvent.objects.exclude(complaint_id__in=complaints).exists()
    assert not Rating.objects.exclude(complaint_id__in=complaints).exists()
    assert not Rating.objects.exclude(event_id__in=ComplaintEvent.objects.values("id")).exists()
    assert not Complaint.objects.exclude(company_id__in=Company.objects.values("id")).exists()
    assert not Complaint.objects.exclude(consumer_id__in=User.objects.values("id")).exists()
    assert (
        not Complaint.objects.exclude(brand_id=None)
        .exclude(brand_id__in=Brand.objects.values("id"))
        .exists()
    )
    assert not Complaint.objects.exclude(
        consumer_region_id__in=Region.objects.values("code")
    ).exists()
    actors = ComplaintEvent.objects.exclude(actor_id=None)
    assert actors.exists() and not actors.exclude(actor_id__in=User.objects.values("id")).exists()
    # the event's consumer is the complaint's
    assert not actors.exclude(actor_id=F("complaint__consumer_id")).exists()


def test_a_big_load_rebuilds_the_indexes_it_dropped(db: None, tmp_path: Path) -> None:
    from tousu.datagen.load import _secondary_indexes, load, regions_by_province  # noqa: F401

    before = sorted(_secondary_indexes())
    assert len(before) >= 10
    plan = Plan.for_size(800, end=END, days=120, surges=0)
    manifest = load(plan, truth_dir=tmp_path, batch=200, out=io.StringIO(), drop_indexes=True)
    assert manifest["indexes_rebuilt"] == len(before)
    assert sorted(_secondary_indexes()) == before
    assert not (tmp_path / "dropped-indexes.json").exists()
    assert Complaint.objects.count() == 800


def test_the_sla_sweep_finds_the_timelines_up_to_date(generated: Path) -> None:
    counts = sla_sweep(now=END)
    assert counts["overdue"] <= 15  # only those that fell due in the last hours before END


def test_ground_truth_of_personal_data_points_at_the_text(generated: Path) -> None:
    lines = [json.loads(x) for x in (generated / "pii.jsonl").read_text().splitlines()]
    assert 80 < len(lines) < 250  # ≈10% of 1,500
    details = dict(Complaint.objects.values_list("public_number", "details"))
    for p in lines:
        assert details[p["complaint"]][p["start"] : p["end"]] == p["value"]
    assert {"mobile", "id_card", "email", "name", "bank_card", "qq"} <= {p["type"] for p in lines}


def test_ground_truth_of_surges(generated: Path) -> None:
    surges = [json.loads(x) for x in (generated / "surges.jsonl").read_text().splitlines()]
    assert len(surges) == 4
    by_number = {c.public_number: c for c in Complaint.objects.all()}
    for s in surges:
        assert len(s["complaints"]) == s["extra"] > 0
        start = datetime.fromisoformat(s["start"]).date()
        end = datetime.fromisoformat(s["end"]).date()
        for number in s["complaints"]:
            c = by_number[number]
            assert c.company_id == s["company_id"]
            local_day = (c.submitted_at + timedelta(hours=8)).date()
            assert start <= local_day <= end
            for term in s["terms"]:
                if s["kind"] != "runaway":
                    assert term in c.title + c.details
        # the surge stands out: more complaints in its days than in any other window as long
        days = (end - start).days + 1
        company = Complaint.objects.filter(company_id=s["company_id"])
        inside = sum(
            1 for c in company if start <= (c.submitted_at + timedelta(hours=8)).date() <= end
        )
        assert inside >= s["extra"] and inside / days >= 4


def test_generated_complaints_render_on_the_site(generated: Path, client: Client) -> None:
    c = Complaint.objects.filter(visibility="public").first()
    assert c is not None
    response = client.get(f"/complaints/{c.public_number}/")
    assert response.status_code == 200
    assert c.title.encode() in response.content or c.title[:10].encode() in response.content


def test_rerun_adds_complaints_and_reuses_companies(generated: Path, tmp_path: Path) -> None:
    companies = Company.objects.count()
    call_command(
        "bench_data", complaints=300, days=200, end=END.isoformat(), truth=str(tmp_path),
        no_rebuild=True,
    )  # fmt: skip
    assert Complaint.objects.count() == 1800
    assert Company.objects.count() == companies
    assert Complaint.objects.values("public_number").distinct().count() == 1800


def _snapshot() -> list[tuple[object, ...]]:
    rows = Complaint.objects.order_by("id").values_list(
        "public_number",
        "title",
        "details",
        "status",
        "company_id",
        "amount",
        "content_hash",
        "first_reply_at",
        "completed_at",
    )
    events = ComplaintEvent.objects.order_by("id").values_list(
        "complaint_id", "action", "to_status", "created_at", "payload"
    )
    ratings = Rating.objects.order_by("id").values_list("event_id", "satisfaction")
    return [*rows, *events, *ratings]


def test_two_processes_write_the_same_data_as_one(db: None, tmp_path: Path) -> None:
    """The forked generator (parent writes, child generates) changes nothing in the data."""
    options = {"complaints": 1200, "days": 120, "surges": 2, "end": END.isoformat(),
               "truth": str(tmp_path), "no_rebuild": True, "batch": 300}  # fmt: skip
    call_command("bench_data", processes=1, **options)
    one = _snapshot()
    ComplaintEvent.objects.all().delete()
    Rating.objects.all().delete()
    Complaint.objects.all().delete()
    call_command("bench_data", processes=2, **options)
    two = _snapshot()
    assert len(one) > 1200 and [x[1:] for x in one] == [x[1:] for x in two]


def _regions() -> dict[str, list[str]]:
    return {"44": ["440305"], "31": ["310104"], "11": ["110101"]}


def test_same_seed_same_data_and_shapes() -> None:
    plan = Plan.for_size(3000, end=END, seed=7, days=365)
    a = list(Generator(plan, _regions()).rows())  # (title, status, company, amount)
    b = list(Generator(plan, _regions()).rows())
    assert a == b and len(a) == 3000
    # heavy-tailed popularity: the top 5% of companies get far more than 5% of complaints
    per_company: dict[int, int] = defaultdict(int)
    for _, _, company, _ in a:
        per_company[company] += 1
    top = sorted(per_company.values(), reverse=True)[: max(1, plan.companies // 20)]
    assert sum(top) / len(a) > 0.3
    # Double-11 shows: the days after 11 November are busier than the start of November
    gen = Generator(plan, _regions())
    w = {(gen.start_day + timedelta(days=k)): x for k, x in enumerate(gen.day_weights)}
    nov = [d for d in w if d.month == 11 and d.year == 2025]
    assert sum(w[d] for d in nov if 11 <= d.day <= 20) > 1.3 * sum(
        w[d] for d in nov if 1 <= d.day <= 10
    )


def test_public_numbers_are_a_bijection() -> None:
    numbers = {public_number(n, 12345) for n in range(20_000)}
    assert len(numbers) == 20_000
    # the vectorised numbers are the same function
    assert public_numbers(0, 20_000, 12345) == [public_number(n, 12345) for n in range(20_000)]
    assert public_numbers(2**40, 50, 2026) == [public_number(2**40 + n, 2026) for n in range(50)]
    assert public_number(1, 1) != public_number(1, 2)


def test_db_option_sets_the_database(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # registers the variable with monkeypatch, so whatever _take_db_option writes is undone
    monkeypatch.setenv("DATABASE_URL", "unset")
    args = _take_db_option(["tousu", "bench_data", "--db", str(tmp_path / "x.sqlite3"), "--x"])
    assert args == ["tousu", "bench_data", "--x"]
    assert os.environ["DATABASE_URL"] == f"sqlite:///{tmp_path / 'x.sqlite3'}"
    _take_db_option(["tousu", "--db=postgres://u@h/db"])
    assert os.environ["DATABASE_URL"] == "postgres://u@h/db"
