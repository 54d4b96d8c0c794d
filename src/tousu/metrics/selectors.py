"""Reading the counters: totals of a scope over a date range, the standard windows, the
service index, the inputs of every company. Sums over ``CompanyDay`` rows only — never a scan
of the complaints (``overdue_now`` counts ``ComplaintMetric`` rows through an index)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, NamedTuple

from django.db import connection
from django.db.models import QuerySet, Sum
from django.utils import timezone

from tousu.common.errors import NotFound
from tousu.companies.models import Company
from tousu.companies.selectors import company_public_get

from . import formula
from .models import (
    COUNTERS,
    FRT_BOUNDS_HOURS,
    FRT_BUCKETS,
    INDEX_COUNTERS,
    CompanyDay,
    CompanyMonth,
    CompanyProblem,
    CompanyTotal,
    ComplaintMetric,
    ListKind,
    RankingList,
)

WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("7", 7),
    ("30", 30),
    ("90", 90),
    ("365", 365),
    ("all", None),
)


@dataclass(frozen=True)
class Scope:
    """What to add up: one company, one brand, a sector, a region (code prefix) or all."""

    company_id: int | None = None
    brand_id: int | None = None
    sector: str = ""
    region: str = ""

    def filter(self, qs: QuerySet[CompanyDay]) -> QuerySet[CompanyDay]:
        if self.company_id is not None:
            qs = qs.filter(company_id=self.company_id)
        if self.brand_id is not None:
            qs = qs.filter(brand_key=self.brand_id)
        if self.sector:
            qs = qs.filter(company__sector=self.sector)
        if self.region:
            qs = qs.filter(company__region__code__startswith=region_prefix(self.region))
        return qs


def region_prefix(code: str) -> str:
    """GB/T 2260: 110000 (province) → "11", 110100 (prefecture) → "1101", else the code."""
    code = code.strip()
    if len(code) == 6 and code.endswith("0000"):
        return code[:2]
    if len(code) == 6 and code.endswith("00"):
        return code[:4]
    return code


@dataclass(frozen=True)
class Totals:
    submitted: int = 0  # complaints filed (whatever became of them)
    valid: int = 0
    assigned: int = 0
    replied: int = 0
    replied_in_sla: int = 0
    completed: int = 0
    rated: int = 0
    attitude_sum: int = 0
    speed_sum: int = 0
    satisfaction_sum: int = 0
    frt_seconds: int = 0
    frt_hist: tuple[int, ...] = field(default_factory=lambda: (0,) * FRT_BUCKETS)
    overdue_now: int | None = None

    @classmethod
    def from_sums(cls, sums: dict[str, Any], prefix: str = "", **extra: Any) -> Totals:
        v = {k: int(sums.get(prefix + k) or 0) for k in COUNTERS}
        hist = tuple(v.pop(f"frt_b{i}") for i in range(FRT_BUCKETS))
        return cls(**v, frt_hist=hist, **extra)

    # rates and their 95 % Wilson intervals
    @property
    def reply_rate(self) -> float | None:
        return self.replied / self.assigned if self.assigned else None

    @property
    def reply_ci(self) -> tuple[float, float] | None:
        return formula.wilson(self.replied, self.assigned)

    @property
    def completion_rate(self) -> float | None:
        return self.completed / self.valid if self.valid else None

    @property
    def completion_ci(self) -> tuple[float, float] | None:
        return formula.wilson(self.completed, self.valid)

    @property
    def on_time_rate(self) -> float | None:
        """按时回复率: first reply within the SLA, of the complaints assigned."""
        return self.replied_in_sla / self.assigned if self.assigned else None

    @property
    def on_time_ci(self) -> tuple[float, float] | None:
        return formula.wilson(self.replied_in_sla, self.assigned)

    @property
    def rating_sum(self) -> int:
        return self.attitude_sum + self.speed_sum + self.satisfaction_sum

    def _mean(self, total: int) -> float | None:
        return total / self.rated if self.rated else None

    @property
    def attitude(self) -> float | None:
        return self._mean(self.attitude_sum)

    @property
    def speed(self) -> float | None:
        return self._mean(self.speed_sum)

    @property
    def satisfaction(self) -> float | None:
        return self._mean(self.satisfaction_sum)

    @property
    def mean_rating(self) -> float | None:
        """满意度: the mean of the three 1–5 ratings."""
        return self.rating_sum / (3 * self.rated) if self.rated else None

    @property
    def mean_frt_hours(self) -> float | None:
        return self.frt_seconds / self.replied / 3600 if self.replied else None

    @property
    def median_frt_hours(self) -> float | None:
        """Median first-reply time, interpolated inside its histogram bucket; the last bucket
        (longer than 30 days) gives its lower bound."""
        n = sum(self.frt_hist)
        if not n:
            return None
        half = n / 2
        seen = 0
        lower = 0.0
        for i, count in enumerate(self.frt_hist):
            if count and seen + count >= half:
                if i >= len(FRT_BOUNDS_HOURS):
                    return float(FRT_BOUNDS_HOURS[-1])
                upper = float(FRT_BOUNDS_HOURS[i])
                return lower + (upper - lower) * (half - seen) / count
            seen += count
            lower = float(FRT_BOUNDS_HOURS[i]) if i < len(FRT_BOUNDS_HOURS) else lower
        return float(FRT_BOUNDS_HOURS[-1])

    @property
    def index(self) -> formula.IndexResult:
        return formula.service_index(
            valid=self.valid,
            assigned=self.assigned,
            replied=self.replied,
            replied_in_sla=self.replied_in_sla,
            completed=self.completed,
            rated=self.rated,
            rating_sum=self.rating_sum,
        )

    def as_dict(self) -> dict[str, Any]:
        idx = self.index
        return {
            "valid": self.valid,
            "assigned": self.assigned,
            "replied": self.replied,
            "replied_in_sla": self.replied_in_sla,
            "completed": self.completed,
            "rated": self.rated,
            "reply_rate": self.reply_rate,
            "reply_ci": self.reply_ci,
            "completion_rate": self.completion_rate,
            "completion_ci": self.completion_ci,
            "on_time_rate": self.on_time_rate,
            "on_time_ci": self.on_time_ci,
            "attitude": self.attitude,
            "speed": self.speed,
            "satisfaction": self.satisfaction,
            "mean_rating": self.mean_rating,
            "mean_first_reply_hours": self.mean_frt_hours,
            "median_first_reply_hours": self.median_frt_hours,
            "first_reply_histogram": list(self.frt_hist),
            "overdue_now": self.overdue_now,
            "index": idx.index,
            "index_rated": idx.rated,
            "index_components": idx.components,
        }


def _overdue(scope: Scope) -> QuerySet[ComplaintMetric]:
    qs = ComplaintMetric.objects.filter(overdue=True)
    if scope.company_id is not None:
        qs = qs.filter(company_id=scope.company_id)
    if scope.brand_id is not None:
        qs = qs.filter(brand_key=scope.brand_id)
    if scope.sector or scope.region:
        companies = Company.objects.all()
        if scope.sector:
            companies = companies.filter(sector=scope.sector)
        if scope.region:
            companies = companies.filter(region__code__startswith=region_prefix(scope.region))
        qs = qs.filter(company_id__in=companies.values("pk"))
    return qs


def overdue_now(scope: Scope) -> int:
    """Complaints of the scope whose reply is overdue right now (through an index)."""
    return _overdue(scope).count()


def _window_sums(
    qs: QuerySet[CompanyDay], starts: list[date | None], overdue: Scope | None = None
) -> list[dict[str, int]]:
    """The counter sums of ``qs`` for each start day (None: all rows), in one query.

    Each row is put in one band between consecutive start days (newest first) and the counters
    are summed per band (``GROUP BY``); a window is the sum of its band and the newer ones.
    One ``SUM`` per counter instead of one per counter and window: five windows of 24
    counters cost 120 ``SUM(CASE …)`` per row before. SQL of our own: the ORM takes longer to
    compile the aggregates than the database takes to run them."""
    inner, params = qs.values_list("day", *COUNTERS).query.sql_with_params()
    quote = connection.ops.quote_name
    days = sorted({d for d in starts if d is not None}, reverse=True)
    band_params: list[Any] = [d.isoformat() if connection.vendor == "sqlite" else d for d in days]
    day = f"sub.{quote('day')}"
    band = (
        "CASE "
        + " ".join(f"WHEN {day} >= %s THEN {i}" for i in range(len(days)))
        + f" ELSE {len(days)} END"
        if days
        else "0"
    )
    columns = [f"SUM(sub.{quote(k)})" for k in COUNTERS]
    overdue_params: tuple[Any, ...] = ()
    if overdue is not None:  # the live overdue count, as one more column of the same query
        overdue_sql, overdue_params = _overdue(overdue).values("pk").query.sql_with_params()
        columns.append(f"(SELECT COUNT(*) FROM ({overdue_sql}) o)")  # noqa: S608
    # only our column names (COUNTERS, quoted) and the ORM's own SQL; values are parameters
    sql = f"SELECT {band} AS band, {', '.join(columns)} FROM ({inner}) sub GROUP BY 1"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*band_params, *overdue_params, *params])
        fetched = cursor.fetchall()
    rows = {int(r[0]): r[1 : len(COUNTERS) + 1] for r in fetched}
    out = []
    for start in starts:
        last = len(days) if start is None else days.index(start)  # the bands it covers
        out.append(
            {
                k: sum(int(rows[b][j] or 0) for b in range(last + 1) if b in rows)
                for j, k in enumerate(COUNTERS)
            }
        )
    if overdue is not None:
        # (no day rows, no group: then it is counted by itself)
        live = int(fetched[0][-1] or 0) if fetched else _overdue(overdue).count()
        for sums in out:
            sums["overdue_now"] = live
    return out


def totals(scope: Scope, start: date | None = None, end: date | None = None) -> Totals:
    """Totals of the complaints filed (cohort day) in ``[start, end]`` (None: open)."""
    qs = scope.filter(CompanyDay.objects.all())
    if start is not None:
        qs = qs.filter(day__gte=start)
    if end is not None:
        qs = qs.filter(day__lte=end)
    (sums,) = _window_sums(qs, [None], overdue=scope)
    return Totals.from_sums(sums, overdue_now=sums["overdue_now"])


def window_start(days: int | None, today: date) -> date | None:
    return today - timedelta(days=days - 1) if days else None


def windows(scope: Scope, today: date | None = None) -> dict[str, Totals]:
    """The totals of the standard windows (7/30/90/365 days up to today, all time) in one
    query over the scope's day rows."""
    today = today or timezone.localdate()
    sums = _window_sums(
        scope.filter(CompanyDay.objects.filter(day__lte=today)),
        [window_start(days, today) for _label, days in WINDOWS],
        overdue=scope,
    )
    return {
        label: Totals.from_sums(s, overdue_now=s["overdue_now"])
        for (label, _days), s in zip(WINDOWS, sums, strict=True)
    }


class CompanyRef(NamedTuple):
    """What a list entry shows of a company."""

    pk: int
    name: str
    sector: str


# (company id, name, sector, *the sums of INDEX_COUNTERS)
IndexRow = tuple[Any, ...]


def month_start(d: date) -> date:
    return d.replace(day=1)


def next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def split_period(
    start: date | None, end: date
) -> tuple[list[tuple[date | None, date]], tuple[date | None, date] | None]:
    """``[start, end]`` as day ranges to read from ``CompanyDay`` and a range of whole calendar
    months (first days, inclusive) to read from ``CompanyMonth``; ``None`` bounds are open.
    Without a whole month inside the period, all of it is read from the day rows."""
    first = start if start is None or start.day == 1 else next_month(start)
    end_next = end + timedelta(days=1)
    last = month_start(end) if end_next.day == 1 else month_start(end) - timedelta(days=1)
    last = month_start(last)  # the first day of the last whole month
    if first is not None and first > last:
        return [(start, end)], None
    days: list[tuple[date | None, date]] = []
    if start is not None and first is not None and start < first:
        days.append((start, first - timedelta(days=1)))
    if next_month(last) <= end:
        days.append((next_month(last), end))
    return days, (first, last)


def index_rows(
    start: date | None, end: date, *, sector: str = "", rollup: bool = True
) -> list[IndexRow]:
    """Every company with complaints filed in ``[start, end]`` (None: from the beginning), by
    id: ``(id, name, sector, *sums of INDEX_COUNTERS)``, as plain tuples.

    With ``rollup`` (ADR 0032): from the beginning is the all-time row less the day rows
    after ``end``; otherwise whole calendar months come from the month rows and the days
    before the first and after the last whole month from the day rows. ``rollup=False`` sums
    the day rows only (what the tests compare with). Either way the same companies: those
    with a day row in the period, including those whose complaints there moved no index
    counter (pending review, rejected…: they have day rows but no rollup row), with zeros."""
    quote = connection.ops.quote_name
    day_table = quote(CompanyDay._meta.db_table)
    # each part summed per company by itself (SQLite reads rollup rows in the order of their
    # unique key, without a sort), then the few rows per company summed again
    parts: list[str] = []
    params: list[Any] = []

    def add(table: str, where: str, values: list[Any], *, sign: str = "") -> None:
        signed = ", ".join(f"{sign}SUM({quote(k)}) AS {quote(k)}" for k in INDEX_COUNTERS)
        parts.append(
            f"SELECT company_id, {signed} FROM {table} WHERE {where}"  # noqa: S608
            " GROUP BY company_id"
        )
        params.extend(values)

    silent: tuple[str, str, list[Any]] | None = None  # (rollup rows, day rows, params)
    if not rollup:
        where, values = _day_range(quote("day"), start, end)
        add(day_table, where, values)
    elif start is None:
        total_table = quote(CompanyTotal._meta.db_table)
        columns = ", ".join(quote(k) for k in INDEX_COUNTERS)
        parts.append(f"SELECT company_id, {columns} FROM {total_table}")  # noqa: S608
        add(day_table, f"{quote('day')} > %s", [_param(end)], sign="-")
        silent = (
            f"SELECT 1 FROM {total_table} r WHERE r.company_id = c.id",  # noqa: S608
            f"d.{quote('day')} <= %s",
            [_param(end)],
        )
    else:
        day_ranges, months = split_period(start, end)
        for low, high in day_ranges:
            where, values = _day_range(quote("day"), low, high)
            add(day_table, where, values)
        if months is not None:
            month_table = quote(CompanyMonth._meta.db_table)
            first, last = months
            where, values = _day_range("r.month", first, last)
            last_day = next_month(last) - timedelta(days=1)
            day_where, day_values = _day_range(f"d.{quote('day')}", first, last_day)
            add(month_table, where.replace("r.month", quote("month")), values)
            silent = (
                f"SELECT 1 FROM {month_table} r WHERE r.company_id = c.id AND {where}",  # noqa: S608
                day_where,
                [*values, *day_values],
            )
    if len(parts) > 1:
        # (PostgreSQL: a SUM of bigint is numeric)
        resum = ", ".join(f"CAST(SUM({quote(k)}) AS bigint) AS {quote(k)}" for k in INDEX_COUNTERS)
        union = " UNION ALL ".join(parts)
        summed = f"SELECT company_id, {resum} FROM ({union}) u GROUP BY company_id"  # noqa: S608
    else:
        summed = parts[0]
    company = quote(Company._meta.db_table)
    picked = ", ".join(f"s.{quote(k)}" for k in INDEX_COUNTERS)
    sector_sql = f" WHERE c.{quote('sector')} = %s" if sector else ""
    # the sums per company first, then one primary-key lookup per company (joining the
    # company to every day row would look it up once per row)
    sql = (
        f"SELECT s.company_id, c.{quote('name')}, c.{quote('sector')}, {picked}"  # noqa: S608
        f" FROM ({summed}) s JOIN {company} c ON c.{quote('id')} = s.company_id{sector_sql}"
        " ORDER BY s.company_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *([sector] if sector else [])])
        rows: list[IndexRow] = cursor.fetchall()
        if rollup and start is None:
            rows = _present(cursor, rows, end)
        if silent is not None:
            rows = _with_silent_companies(cursor, rows, *silent, sector)
    return rows


def _param(d: date) -> Any:
    return d.isoformat() if connection.vendor == "sqlite" else d


def _day_range(column: str, low: date | None, high: date) -> tuple[str, list[Any]]:
    if low is None:
        return f"{column} <= %s", [_param(high)]
    return f"{column} BETWEEN %s AND %s", [_param(low), _param(high)]


def _present(cursor: Any, rows: list[IndexRow], end: date) -> list[IndexRow]:
    """Drop the companies whose all-time row less their days after ``end`` left only zeros
    and that have no day row up to ``end`` (all their complaints came after it)."""
    zero = [r[0] for r in rows if not any(r[3:])]
    if not zero:
        return rows
    quote = connection.ops.quote_name
    present: set[int] = set()
    for i in range(0, len(zero), 500):
        chunk = zero[i : i + 500]
        cursor.execute(
            f"SELECT DISTINCT company_id FROM {quote(CompanyDay._meta.db_table)}"  # noqa: S608
            f" WHERE company_id IN ({', '.join(['%s'] * len(chunk))}) AND {quote('day')} <= %s",
            [*chunk, _param(end)],
        )
        present.update(r[0] for r in cursor.fetchall())
    return [r for r in rows if any(r[3:]) or r[0] in present]


def _with_silent_companies(
    cursor: Any,
    rows: list[IndexRow],
    rollup_row: str,
    day_where: str,
    values: list[Any],
    sector: str,
) -> list[IndexRow]:
    """Add the companies with day rows in the period's rollup part but no rollup row there
    (their complaints moved no index counter), with zero sums: an index probe per company."""
    quote = connection.ops.quote_name
    sql = (
        f"SELECT c.{quote('id')}, c.{quote('name')}, c.{quote('sector')}"  # noqa: S608
        f" FROM {quote(Company._meta.db_table)} c WHERE NOT EXISTS ({rollup_row})"
        f" AND EXISTS (SELECT 1 FROM {quote(CompanyDay._meta.db_table)} d"
        f" WHERE d.company_id = c.{quote('id')} AND {day_where})"
        + (f" AND c.{quote('sector')} = %s" if sector else "")
    )
    cursor.execute(sql, [*values, *([sector] if sector else [])])
    known = {r[0] for r in rows}
    silent = [(*r, *(0 for _ in INDEX_COUNTERS)) for r in cursor.fetchall() if r[0] not in known]
    if not silent:
        return rows
    return sorted(rows + silent, key=lambda r: r[0])


def totals_of(row: IndexRow) -> Totals:
    """The ``Totals`` of an ``index_rows`` row (the counters a list does not read are 0)."""
    return Totals(**dict(zip(INDEX_COUNTERS, row[3:], strict=True)))


def company_inputs(
    start: date | None, end: date, *, sector: str = ""
) -> list[tuple[CompanyRef, Totals]]:
    """Every company with complaints filed in ``[start, end]``: the totals the service index
    reads (``index_rows``; the other counters are zero)."""
    return [(CompanyRef(*row[:3]), totals_of(row)) for row in index_rows(start, end, sector=sector)]


# --- ranking lists (public) ---------------------------------------------------------------


def ranking_lists(*, kind: str = "", sector: str | None = None) -> QuerySet[RankingList]:
    qs = RankingList.objects.all()
    if kind:
        qs = qs.filter(kind=kind)
    if sector is not None:
        qs = qs.filter(sector=sector)
    return qs.order_by("-period_end", "kind", "sector", "-id")


def ranking_get(list_id: int) -> RankingList:
    found = RankingList.objects.filter(pk=list_id).first()
    if found is None:
        raise NotFound("找不到该榜单", code="ranking_not_found")
    return found


def ranking_entries(ranking: RankingList, offset: int, limit: int) -> list[dict[str, Any]]:
    """The list's entries ranked ``offset + 1`` to ``offset + limit``, as published (one query
    on the list's ``(ranking, rank)`` key: ranks are 1..n)."""
    from .models import RankingPosition

    texts = (
        RankingPosition.objects.filter(
            ranking_id=ranking.pk, rank__gt=offset, rank__lte=offset + limit
        )
        .order_by("rank")
        .values_list("entry", flat=True)
    )
    return [json.loads(t) for t in texts]


class RankedEntries:
    """A list's entries for ``Paginator``: its length is ``rated``, a slice one query."""

    def __init__(self, ranking: RankingList) -> None:
        self.ranking = ranking

    def __len__(self) -> int:
        return self.ranking.rated

    def __getitem__(self, s: slice) -> list[dict[str, Any]]:
        start = s.start or 0
        stop = len(self) if s.stop is None else min(s.stop, len(self))
        return ranking_entries(self.ranking, start, max(stop - start, 0))


def latest_lists(sector: str = "") -> list[RankingList]:
    """The newest list of each kind (current formula version first)."""
    out = []
    for kind in ListKind.values:
        found = ranking_lists(kind=kind, sector=sector).first()
        if found is not None:
            out.append(found)
    return out


def company_metrics(company_id: int, today: date | None = None) -> dict[str, Any]:
    """A company's public metrics: every window with its index, and its brands over all time."""
    company = company_public_get(company_id)
    wins = windows(Scope(company_id=company.pk), today)
    brands = []
    for brand in company.brands.order_by("name_key", "id"):
        t = totals(Scope(company_id=company.pk, brand_id=brand.pk))
        if t.valid:
            brands.append({"brand_id": brand.pk, "name": brand.name, **t.as_dict()})
    return {
        "company_id": company.pk,
        "formula_version": formula.VERSION,
        "windows": {label: t.as_dict() for label, t in wins.items()},
        "brands": brands,
    }


def valid_counts(company_ids: list[int]) -> dict[int, int]:
    """Valid complaints (all time) per company, for a page of the company directory."""
    rows = (
        CompanyDay.objects.filter(company_id__in=company_ids)
        .values("company_id")
        .annotate(n=Sum("valid"))
        .values_list("company_id", "n")
    )
    return {company_id: int(n or 0) for company_id, n in rows}


def company_problem_types(company_id: int) -> list[tuple[str, str, int]]:
    """(code, label, valid complaints) per problem type, most frequent first."""
    from tousu.complaints.models import ProblemType

    labels = dict(ProblemType.choices)
    rows = CompanyProblem.objects.filter(company_id=company_id, valid__gt=0).order_by(
        "-valid", "problem_type"
    )
    return [
        (r.problem_type, str(labels.get(r.problem_type, r.problem_type)), r.valid) for r in rows
    ]


def company_weekly(
    company_id: int, weeks: int = 26, today: date | None = None
) -> list[dict[str, Any]]:
    """Complaints filed per week (Monday first) over the last ``weeks`` weeks, with the reply and
    completion rates of each week's complaints (one query over the company's day rows)."""
    today = today or timezone.localdate()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    rows = (
        CompanyDay.objects.filter(company_id=company_id, day__gte=first, day__lte=today)
        .values("day")
        .annotate(
            valid=Sum("valid"),
            assigned=Sum("assigned"),
            replied=Sum("replied"),
            completed=Sum("completed"),
        )
    )
    buckets = {
        first + timedelta(weeks=i): {"valid": 0, "assigned": 0, "replied": 0, "completed": 0}
        for i in range(weeks)
    }
    for r in rows:
        week = r["day"] - timedelta(days=r["day"].weekday())
        for k in ("valid", "assigned", "replied", "completed"):
            buckets[week][k] += int(r[k] or 0)
    return [
        {
            "week": week.isoformat(),
            "valid": b["valid"],
            "reply_rate": round(100 * b["replied"] / b["assigned"], 1) if b["assigned"] else None,
            "completion_rate": round(100 * b["completed"] / b["valid"], 1) if b["valid"] else None,
        }
        for week, b in sorted(buckets.items())
    ]


def company_positions(company_id: int, limit: int = 24) -> list[dict[str, Any]]:
    """Where the company stood in the published all-sector lists (newest first): rank among the
    rated companies and whether it was on the red or the black list (one indexed query)."""
    from .models import RankingPosition

    rows = (
        RankingPosition.objects.filter(company_id=company_id, ranking__sector="")
        .select_related("ranking")
        .only("rank", "index", "on_list", "ranking__kind", "ranking__period_end", "ranking__rated")
        .order_by("-ranking__period_end", "ranking__kind", "-ranking_id")[:limit]
    )
    return [
        {
            "list_id": p.ranking_id,
            "kind": p.ranking.kind,
            "period_end": p.ranking.period_end,
            "rank": p.rank,
            "rated": p.ranking.rated,
            "index": p.index,
            "list": p.on_list,
        }
        for p in rows
    ]


def companies_compare(company_ids: list[int], today: date | None = None) -> list[dict[str, Any]]:
    """Public metrics of 2–4 companies side by side (90 days and all time)."""
    from tousu.common.errors import ValidationFailed

    ids = list(dict.fromkeys(company_ids))
    if not 2 <= len(ids) <= 4:
        raise ValidationFailed("请选择2到4家企业进行比较", code="compare_count")
    companies = {c.pk: c for c in Company.objects.filter(pk__in=ids, is_confirmed=True)}
    if len(companies) != len(ids):
        raise ValidationFailed("有企业不存在或未确认", code="compare_unknown_company")
    out = []
    for pk in ids:
        wins = windows(Scope(company_id=pk), today)
        out.append({"company": companies[pk], "recent": wins["90"], "all": wins["all"]})
    return out
