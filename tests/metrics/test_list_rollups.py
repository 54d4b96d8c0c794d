"""The 红黑榜 read whole months from ``CompanyMonth`` and all time from ``CompanyTotal`` (ADR
0032): on generated histories plus live events, every period gives the same companies and sums,
and the same published lists, as summing the day rows; each list's rows hold its entries' JSON
in rank order."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from conftest import complaint_input, day_table
from tousu.accounts.models import Role, User
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.metrics.models import CompanyMonth, CompanyTotal, RankingList, RankingPosition
from tousu.metrics.rankings import periods, publish
from tousu.metrics.selectors import index_rows, split_period
from tousu.metrics.services import rebuild, refresh

END = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


def test_a_period_splits_into_edge_days_and_whole_months() -> None:
    d = date
    assert split_period(d(2026, 7, 1), d(2026, 9, 30)) == ([], (d(2026, 7, 1), d(2026, 9, 1)))
    assert split_period(d(2026, 10, 1), d(2026, 10, 31)) == ([], (d(2026, 10, 1), d(2026, 10, 1)))
    assert split_period(d(2026, 11, 23), d(2026, 11, 29)) == (
        [(d(2026, 11, 23), d(2026, 11, 29))],
        None,
    )
    assert split_period(d(2026, 1, 15), d(2026, 2, 27)) == (
        [(d(2026, 1, 15), d(2026, 2, 27))],
        None,
    )
    assert split_period(None, d(2026, 11, 29)) == (
        [(d(2026, 11, 1), d(2026, 11, 29))],
        (None, d(2026, 10, 1)),
    )
    assert split_period(d(2025, 12, 30), d(2026, 3, 2)) == (
        [(d(2025, 12, 30), d(2025, 12, 31)), (d(2026, 3, 1), d(2026, 3, 2))],
        (d(2026, 1, 1), d(2026, 2, 1)),
    )  # fmt: skip
    assert split_period(d(2024, 2, 1), d(2024, 2, 29)) == ([], (d(2024, 2, 1), d(2024, 2, 1)))


def _published(kind: str, start: date | None, end: date, *, rollup: bool) -> list[Any]:
    """What ``publish`` writes, read back from the database (then rolled back)."""
    with transaction.atomic():
        made = publish(kind, start, end, rollup=rollup)
        out = []
        for ranking in RankingList.objects.filter(pk__in=[r.pk for r in made]).order_by("sector"):
            rows = RankingPosition.objects.filter(ranking=ranking).order_by("rank")
            entries = [json.loads(p.entry) for p in rows]
            assert [e["rank"] for e in entries] == list(range(1, ranking.rated + 1))
            positions = [(p.company_id, p.rank, p.index, p.on_list) for p in rows]
            assert [p[:3] for p in positions] == [
                (e["company_id"], e["rank"], e["index"]) for e in entries
            ]
            out.append(
                (
                    ranking.sector,
                    entries,
                    ranking.red,
                    ranking.black,
                    ranking.rated,
                    ranking.not_rated,
                    positions,
                )
            )
        transaction.set_rollback(True)
    return out


@pytest.mark.django_db
def test_lists_from_the_rollups_are_the_lists_from_the_day_rows(
    tmp_path: Path, consumer: User
) -> None:
    call_command(
        "bench_data",
        complaints=1500,
        days=400,
        surges=2,
        end=END.isoformat(),
        truth=str(tmp_path),
        no_rebuild=True,
    )
    refresh(list(Complaint.objects.order_by("pk").values_list("pk", flat=True)))
    moderator = User.objects.create_user(phone="13600009001", role=Role.MODERATOR, nickname="m")
    for c in Complaint.objects.filter(status=Status.PENDING_REVIEW).order_by("pk")[:15]:
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=END)
    # a company whose only complaint (in May) was never accepted: day rows, no rollup rows
    quiet = company_create(name="只有待审投诉的公司")
    services.complaint_submit(
        consumer=consumer, data=complaint_input(quiet, 1), now=END - timedelta(days=160)
    )
    # a company whose complaints all come after the overall list's last day
    late = company_create(name="最近才被投诉的公司")
    c, _ = services.complaint_submit(
        consumer=consumer, data=complaint_input(late, 2), now=END + timedelta(days=3)
    )
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=END + timedelta(days=3))
    assert CompanyTotal.objects.filter(company=late).exists()
    assert not CompanyMonth.objects.filter(company=quiet).exists()
    day_table()  # asserts the rollups are the sums of the day rows

    today = (END + timedelta(days=5)).date()
    checked = {}
    spans = [periods(today - timedelta(days=n)) for n in (0, 17, 40, 95)]
    rng = random.Random(6)
    first = today - timedelta(days=420)
    randoms = []
    for _ in range(25):
        a = first + timedelta(days=rng.randrange(430))
        b = a + timedelta(days=rng.randrange(200))
        randoms.append((None if rng.random() < 0.3 else a, b))
    for start, end in [p for span in spans for p in span.values()] + randoms:
        rows = index_rows(start, end)
        assert rows == index_rows(start, end, rollup=False), (start, end)
        checked[(start, end)] = len(rows)
    # the data reached what the rollups distinguish (else this test could not fail)
    assert any(row[0] == quiet.pk for row in index_rows(date(2026, 5, 1), date(2026, 5, 31)))
    assert not any(row[0] == late.pk for row in index_rows(None, END.date()))
    assert any(row[0] == late.pk for row in index_rows(None, today))
    assert sum(n > 0 for n in checked.values()) > 20

    for kind, (start, end) in periods(today).items():
        from_rollups = _published(kind, start, end, rollup=True)
        assert from_rollups == _published(kind, start, end, rollup=False)
        if kind != "weekly":  # (a week of this data has too few complaints to rate anyone)
            assert from_rollups[0][4] > 0, kind  # rated companies in the all-sector list
    rebuild()
    day_table()
