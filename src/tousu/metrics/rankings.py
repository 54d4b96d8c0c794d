"""红黑榜: immutable snapshots of the service index over calendar periods (docs/rankings.md).

``rankings_generate`` (a periodic job) publishes, for the latest complete week, month, quarter
and for all time up to the latest complete week, one list over all sectors and one per sector
that has a rated company. A list is never changed afterwards: a new formula version publishes
new lists beside the old ones.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tousu.companies.models import Company

from . import formula
from .models import ListKind, RankingList
from .selectors import Totals, company_inputs


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


def entry(company: Company, t: Totals) -> dict[str, Any]:
    idx = t.index
    return {
        "company_id": company.pk,
        "name": company.name,
        "sector": company.sector,
        "index": idx.index,
        "components": idx.components,
        "inputs": {
            "valid": t.valid,
            "assigned": t.assigned,
            "replied": t.replied,
            "replied_in_sla": t.replied_in_sla,
            "completed": t.completed,
            "rated": t.rated,
            "rating_sum": t.rating_sum,
        },
        "intervals": {"reply": t.reply_ci, "completion": t.completion_ci, "on_time": t.on_time_ci},
    }


def rank(rows: list[tuple[Company, Totals]]) -> tuple[list[dict[str, Any]], int]:
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


def publish(kind: str, start: date | None, end: date) -> list[RankingList]:
    """Publish the lists of one period (all sectors + each sector with a rated company), unless
    already published with the current formula version."""
    version = formula.VERSION
    if RankingList.objects.filter(
        kind=kind, sector="", period_end=end, formula_version=version
    ).exists():
        return []
    # each company's entry is made once (the index and its intervals); every list ranks
    # its own copies (a company's rank differs between the all-sector and its sector's list)
    entries = [entry(company, t) for company, t in company_inputs(start, end)]
    scopes: dict[str, list[dict[str, Any]]] = {"": entries}
    for e in entries:
        scopes.setdefault(e["sector"], []).append(e)
    made = []
    try:
        with transaction.atomic():
            for sector, scoped in sorted(scopes.items()):
                rated, not_rated = rank_entries([dict(e) for e in scoped])
                if sector and not rated:
                    continue
                red, black = red_black(rated)
                ranking = RankingList.objects.create(
                    kind=kind,
                    sector=sector,
                    period_start=start,
                    period_end=end,
                    formula_version=version,
                    formula=formula.parameters(),
                    red=red,
                    black=black,
                    entries=rated,
                    rated=len(rated),
                    not_rated=not_rated,
                )
                made.append(ranking)
                if not sector:
                    write_positions(ranking)
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


def write_positions(ranking: RankingList) -> None:
    """One ``RankingPosition`` per rated company of an all-sector list (one prepared
    ``INSERT``: the ORM's ``bulk_create`` spent 7 s preparing 200,000 rows at 30M)."""
    from django.db import connection

    from .models import RankingPosition

    red = {e["company_id"] for e in ranking.red}
    black = {e["company_id"] for e in ranking.black}
    qn = connection.ops.quote_name
    columns = ("ranking_id", "company_id", "rank", "index", "on_list")
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (our own names)
        qn(RankingPosition._meta.db_table),
        ", ".join(qn(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    rows = [
        (
            ranking.pk,
            e["company_id"],
            e["rank"],
            e["index"],
            "red" if e["company_id"] in red else "black" if e["company_id"] in black else "",
        )
        for e in ranking.entries
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, rows[start : start + 5000])
