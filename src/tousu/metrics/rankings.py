"""红黑榜: immutable snapshots of the service index over calendar periods (docs/rankings.md).

``rankings_generate`` (a periodic job) publishes, for the latest complete week, month, quarter
and for all time up to the latest complete week, one list over all sectors and one per sector
that has a rated company. A list is never changed afterwards: a new formula version publishes
new lists beside the old ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date, timedelta
from itertools import islice
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import formula
from .models import INDEX_COUNTERS, ListKind, RankingList, RankingPosition
from .selectors import Totals, index_rows

POSITIONS_BATCH = 5000  # rows per executemany (SQLite)


def periods(today: date) -> dict[str, tuple[date | None, date]]:
    """The latest complete period of each kind, as ``(first day or None, last day)``."""
    last_sunday = today - timedelta(days=today.weekday() + 1)
    month_end = today.replace(day=1) - timedelta(days=1)
    quarter_first = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    quarter_end = quarter_first - timedelta(days=1)
    return {
        ListKind.WEEKLY: (last_sunday - timedelta(days=6), last_sunday),
        ListKind.MONTHLY: (month_end.replace(day=1), month_end),
        ListKind.QUARTERLY: (
            date(quarter_end.year, 3 * ((quarter_end.month - 1) // 3) + 1, 1),
            quarter_end,
        ),
        ListKind.OVERALL: (None, last_sunday),
    }


def entry(company: Any, t: Totals) -> dict[str, Any]:
    """A list entry of ``company`` (anything with ``pk``, ``name`` and ``sector``)."""
    return entry_of(
        company.pk,
        company.name,
        company.sector,
        *(getattr(t, k) for k in INDEX_COUNTERS),
    )


def entry_of(
    company_id: int,
    name: str,
    sector: str,
    valid: int,
    assigned: int,
    replied: int,
    replied_in_sla: int,
    completed: int,
    rated: int,
    attitude_sum: int,
    speed_sum: int,
    satisfaction_sum: int,
) -> dict[str, Any]:
    """A list entry from an ``index_rows`` row: the index, its inputs and intervals (each
    interval computed once)."""
    rating_sum = attitude_sum + speed_sum + satisfaction_sum
    index, components, reply, completion, on_time = formula.index_and_intervals(
        valid, assigned, replied, replied_in_sla, completed, rated, rating_sum
    )
    return {
        "company_id": company_id,
        "name": name,
        "sector": sector,
        "index": index,
        "components": components,
        "inputs": {
            "valid": valid,
            "assigned": assigned,
            "replied": replied,
            "replied_in_sla": replied_in_sla,
            "completed": completed,
            "rated": rated,
            "rating_sum": rating_sum,
        },
        "intervals": {"reply": reply, "completion": completion, "on_time": on_time},
    }


def rank(rows: list[tuple[Any, Totals]]) -> tuple[list[dict[str, Any]], int]:
    """Rated entries best first (ties: more complaints first, then lower id) and the number of
    companies not rated."""
    return rank_entries([entry(company, t) for company, t in rows])


def rank_entries(entries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """``rank`` of entries already made (each gets its ``rank`` in place)."""
    rated, not_rated = [], 0
    for e in entries:
        if e["index"] is None:
            not_rated += 1
        else:
            rated.append(e)
    rated.sort(key=lambda e: (-e["index"], -e["inputs"]["valid"], e["company_id"]))
    for position, e in enumerate(rated, start=1):
        e["rank"] = position
    return rated, not_rated


def red_black(rated: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Red: the best ``LIST_SIZE``; black: the worst ``LIST_SIZE`` of the others, worst first.
    With fewer than two lists' worth of companies the halves are split (no company on both)."""
    size = min(formula.LIST_SIZE, len(rated) // 2) if len(rated) > 1 else len(rated)
    red = rated[:size]
    black = list(reversed(rated[size:]))[:size] if len(rated) > 1 else []
    return red, black


def _sort_key(e: dict[str, Any]) -> tuple[float, int, int]:
    return (-e["index"], -e["inputs"]["valid"], e["company_id"])


def publish(kind: str, start: date | None, end: date, *, rollup: bool = True) -> list[RankingList]:
    """Publish the lists of one period (all sectors + each sector with a rated company), unless
    already published with the current formula version. ``rollup=False`` reads only the day
    rows (``selectors.index_rows``; the tests' reference)."""
    version = formula.VERSION
    if RankingList.objects.filter(
        kind=kind, sector="", period_end=end, formula_version=version
    ).exists():
        return []
    # Only rated companies get an entry (the lists count the others: at 30M complaints seven
    # companies in eight with complaints in a quarter have fewer than ``MIN_VALID``). Each
    # entry is made and JSON-encoded once; every list ranks its own copies (a company's rank
    # differs between the all-sector and its sector's list): encoding each entry for both
    # lists was a quarter of the overall list's time at 30M.
    entries = []
    not_rated_all = 0
    not_rated: dict[str, int] = {}  # per sector
    for row in index_rows(start, end, rollup=rollup):
        if row[3] >= formula.MIN_VALID:  # valid: ``formula.index_and_intervals`` rates it
            entries.append(entry_of(*row))
        else:
            not_rated_all += 1
            not_rated[row[2]] = not_rated.get(row[2], 0) + 1
    rated = sorted(entries, key=_sort_key)
    encoded = {id(e): json.dumps(e)[:-1] for e in rated}  # without the closing brace
    scopes: dict[str, list[dict[str, Any]]] = {"": rated}
    for e in rated:  # in rank order: each sector's list is the all-sector order filtered
        scopes.setdefault(e["sector"], []).append(e)
    made = []
    try:
        with transaction.atomic():
            for sector, scoped in sorted(scopes.items()):
                n = len(scoped)
                red, black = red_black(scoped)  # copies with their ranks in this list
                red = [{**e, "rank": i} for i, e in enumerate(red, start=1)]
                black = [{**e, "rank": n - j} for j, e in enumerate(black)]
                ranking = RankingList.objects.create(
                    kind=kind,
                    sector=sector,
                    period_start=start,
                    period_end=end,
                    formula_version=version,
                    formula=formula.parameters(),
                    red=red,
                    black=black,
                    rated=n,
                    not_rated=not_rated.get(sector, 0) if sector else not_rated_all,
                )
                made.append(ranking)
                write_positions(
                    ranking,
                    (
                        (e["company_id"], e["index"], f'{encoded[id(e)]}, "rank": {i}}}')
                        for i, e in enumerate(scoped, start=1)
                    ),
                )
    except IntegrityError:  # another scheduler published it first
        return []
    return made


def rankings_generate(today: date | None = None) -> dict[str, int]:
    """The periodic job: publish what is missing for the latest complete periods."""
    today = today or timezone.localdate()
    counts = {}
    for kind, (start, end) in periods(today).items():
        counts[str(kind)] = len(publish(kind, start, end))
    return counts


def write_positions(ranking: RankingList, rows: Iterable[tuple[int, float, str]]) -> None:
    """One ``RankingPosition`` per rated company of a list: ``rows`` are ``(company id, index,
    entry JSON text)`` in rank order (ranks 1..n). On PostgreSQL one ``COPY`` on the raw
    connection (Django's client-side binding quoted every entry's text in Python: 4 s of a
    20,000-entry list as prepared inserts or arrays), on SQLite prepared ``executemany`` in
    batches. The entry stays text: parsing 82 MB of JSON into ``jsonb`` was 14 s of the 30M
    overall list on PostgreSQL. Red and black are ranks: the first ``size`` and, of the
    others, the last ``size`` (``red_black``)."""
    from django.db import connection

    qn = connection.ops.quote_name
    table = qn(RankingPosition._meta.db_table)
    names = ("ranking_id", "company_id", "rank", "index", "on_list", "entry")
    columns = ", ".join(qn(c) for c in names)
    red, black_from = len(ranking.red), ranking.rated - len(ranking.black)
    positions = (
        (
            ranking.pk,
            company,
            rank,
            index,
            "red" if rank <= red else "black" if rank > black_from else "",
            text,
        )
        for rank, (company, index, text) in enumerate(rows, start=1)
    )
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()  # (in the list's transaction: the same connection)
        with (
            psycopg.Cursor(connection.connection) as raw,
            raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for position in positions:
                copy.write_row(position)
        return
    sql = f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s)"  # noqa: S608 (our own names)
    with connection.cursor() as cursor:
        while batch := list(islice(positions, POSITIONS_BATCH)):
            cursor.executemany(sql, batch)
