"""PostgreSQL's windows read the newest matches slice by slice through the id blocks (and
sectors) in the GIN index (ADR 0030): whatever the slicing, they are exactly the newest
matches of the words, in the sectors asked for, inside the id range."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.search import engine
from tousu.search.backends import BUCKET, DOC_TABLE, backend_for
from tousu.search.engine import Filters, Scope, _PgMatches, _Sql
from tousu.search.query import parse

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
        reason="the id-block slices are PostgreSQL's (SQLite's FTS5 streams in id order)",
    ),
]

TEXTS = [
    ("申请退款被拒绝", "买的课程申请退款被拒绝"),
    ("会员自动续费", "会员到期后自动续费扣了钱"),
    ("霸王条款", "押金不退还说是霸王条款"),
    ("虚假宣传退款", "宣传的功效是假的，要求退货退款"),
    ("快递丢件", "快递丢了客服不理"),
]


def _jump_ids_to(n: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('complaints_complaint', 'id'), %s)", [n]
        )


@pytest.fixture
def spread(
    make_user: Callable[..., User], moderator: User, company: Company, other_company: Company
) -> list[Complaint]:
    """40 public complaints in two sectors whose ids span a dozen id blocks (each by its own
    consumer: one consumer may not file the same text twice)."""
    rng = random.Random(7)
    out = []
    start = Complaint.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    for i in range(40):
        if i % 4 == 0:  # every fourth complaint starts a new block, some skip one
            start += BUCKET * rng.choice([1, 1, 2])
            _jump_ids_to(start)
        title, details = TEXTS[rng.randrange(len(TEXTS))]
        now = T0 + timedelta(days=i)
        data = services.ComplaintInput(
            title=title + "问题投诉",
            details=details + "，希望平台帮忙处理此事。",
            company_id=rng.choice([company, other_company]).pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
        )
        complaint, _ = services.complaint_submit(consumer=make_user(), data=data, now=now)
        out.append(services.complaint_accept(complaint_id=complaint.pk, actor=moderator, now=now))
    return out


def _truth(q: str, lo: int, hi: int, sectors: list[str]) -> list[int]:
    """Every match, newest first, read the plain way (no blocks, no slices)."""
    expr = backend_for(connection)._expr(parse(q))  # type: ignore[attr-defined]
    sql = (
        f"SELECT complaint_id FROM {DOC_TABLE} WHERE tsv @@ to_tsquery('simple', %s)"  # noqa: S608
        " AND complaint_id BETWEEN %s AND %s"
    )
    params: list[object] = [expr, lo, hi]
    if sectors:
        sql += " AND sector = ANY(%s)"
        params.append(sectors)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY complaint_id DESC", params)
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.parametrize(
    ("first", "max_blocks", "sparse"), [(8, 64, 1.5), (1, 1, 0.1), (2, 3, 100)]
)
def test_slices_give_exactly_the_newest_matches(
    spread: list[Complaint],
    company: Company,
    other_company: Company,
    monkeypatch: pytest.MonkeyPatch,
    first: int,
    max_blocks: int,
    sparse: float,
) -> None:
    # (tiny slices and block caps walk every path: blocks, the capped slice, the sparse rest)
    monkeypatch.setattr(_PgMatches, "FIRST", first)
    monkeypatch.setattr(_PgMatches, "MAX_BLOCKS", max_blocks)
    monkeypatch.setattr(_PgMatches, "SPARSE", sparse)
    ids = sorted(c.pk for c in spread)
    assert ids[-1] // BUCKET - ids[0] // BUCKET >= 10
    checked = 0
    for q, sectors, (lo, hi), n in itertools.product(
        ["退款", "自动续费", "霸王条款 OR 快递", "退款 虚假宣传"],
        [[], [company.sector], [company.sector, other_company.sector]],
        [(ids[0], ids[-1]), (ids[5], ids[30]), (ids[12], ids[12])],
        [1, 3, 50],
    ):
        sql = _Sql(parse(q), Filters(sectors=sectors), Scope())
        matches = _PgMatches(sql, parse(q), lo, hi, sectors)
        want = _truth(q, lo, hi, sectors)
        # asked twice, as the windows do (5,001, then 50,001): the second read goes on
        assert matches.take(n) == want[:n], (q, sectors, lo, hi, n)
        assert matches.take(n + 7) == want[: n + 7], (q, sectors, lo, hi, n)
        checked += bool(want)
    assert checked > 50


def test_search_with_a_sector_counts_and_facets_alike(
    spread: list[Complaint], company: Company, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sector filter narrows the words' window inside the index; the sector facet (which
    ignores its own filter) still counts the other sectors."""
    f = Filters(sectors=[company.sector])
    r = engine.search("退款", filters=f, sort="newest")
    truth = _truth("退款", 0, 10**12, [company.sector])
    assert r.total == len(truth) and r.total_exact
    assert [h.complaint.pk for h in r.hits] == truth[: len(r.hits)]
    sectors = {v.value: v.count for v in r.facets["sector"]}
    assert sectors[company.sector] == len(truth)
    assert sum(sectors.values()) == len(_truth("退款", 0, 10**12, []))
    # a window of one: the total is estimated from the share of ids the window covered
    monkeypatch.setattr(engine, "WINDOWS", (1,))
    monkeypatch.setattr(engine, "FILTERS_FIRST_MAX", -1)
    capped = engine.search("退款", filters=f, sort="newest", facets=False)
    assert capped.total_estimated and capped.hits[0].complaint.pk == truth[0]


def test_the_index_is_the_block_index_after_a_bulk_rebuild(spread: list[Complaint]) -> None:
    from django.core.management import call_command

    call_command("search_rebuild", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s", [DOC_TABLE])
        names = {row[0] for row in cursor.fetchall()}
    assert "search_doc_tsvb" in names and "search_doc_tsv" not in names
    assert [h.complaint.pk for h in engine.search("退款", sort="newest").hits] == _truth(
        "退款", 0, 10**12, []
    )[:20]
