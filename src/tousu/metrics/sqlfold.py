"""The rebuild's fold in SQL: ``fold.step`` over every timeline, set-based (ADR 0020).

``fold.step`` is the definition; this module computes the same per-complaint state with one
``INSERT … SELECT`` per range of complaint ids (events read in the order of the
``(complaint_id, id)`` index), then the day rows and problem-type rows with a ``GROUP BY`` each.
The property tests check it against the incremental path and the Python fold
(``tests/metrics/test_rebuild_property.py``) and against the Python fold on arbitrary
timelines that reach the seeks and fallbacks below (``test_rebuild_timelines.py``).

How each part of the fold becomes SQL: each event is classified once (``C_*``, a small
integer), then one streaming ``GROUP BY complaint`` in index order takes the lowest or highest
event id of each class that matters; times come from primary-key lookups of those ids.

- *transition*: an event that is neither ``submitted`` nor ``overdue`` and has a ``to_status``.
- cohort day: the local date of the first (lowest id) ``submitted`` event.
- ``valid``: some transition is an ``accept``; ``assigned``: some transition is an assignment
  (accept into processing, or assign) — ``first_assigned_at`` is the lowest such id.
- clock: the last assignment or clock restart (highest id) for ``clock_started_at``.
- first reply: the first reply after the first assignment — the first reply of all when it
  comes after the assignment (the usual case), else an index seek from the assignment on. The
  clock running at it is the last clock event before it: the last clock event of all when that
  came before the reply (the usual case), else a seek between the assignment and the reply.
  The reply deadline adds the number of calendar days from that clock's local date to its
  ``REPLY_SLA_WORKING_DAYS``-th working day (a small table computed with the same
  ``fold._nth_working_day``), so the rule matches ``fold.reply_deadline`` exactly when the
  time zone's offset is fixed over the data (Asia/Shanghai: +8 h since 1991).
- ``completed``: the last transition is a confirmation or a successful mediation.
- rating: the last confirmation (a transition) that has a ``Rating`` row: the last
  confirmation when it has one (the usual case), else a look at the complaint's ratings.
- ``overdue``: the last ``overdue`` mark comes after the last transition.
- first-reply seconds: microseconds since the epoch as integers on both databases
  (SQLite stores ``YYYY-MM-DD HH:MM:SS[.ffffff]`` text: whole seconds by ``unixepoch`` of
  the first 19 characters, microseconds from the text), so no floating point decides a bucket.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from tousu.complaints.models import Complaint, ComplaintEvent, Rating

from .fold import (
    ACCEPT,
    ASSIGN,
    CLOCK_RESTARTS,
    CONFIRM,
    MEDIATION_SUCCEEDED,
    OVERDUE,
    PROCESSING,
    REPLY,
    SUBMITTED,
    _nth_working_day,
)
from .models import (
    COUNTERS,
    FRT_BOUNDS_HOURS,
    INDEX_COUNTERS,
    METRIC_COLUMNS,
    CompanyDay,
    CompanyMonth,
    CompanyProblem,
    CompanyTotal,
    ComplaintMetric,
    SubmissionDay,
    SubmissionKind,
)

BATCH_COMPLAINTS = 50_000  # complaint ids per INSERT … SELECT: bounded sort/aggregate memory
SLA_TABLE = "metrics_rebuild_sla"
CACHE_MB = 256  # SQLite's page cache while rebuilding (also what its sorter keeps in memory)
US = 1_000_000

# the classes of events the fold distinguishes (``fold_statement``); transitions (an event
# other than ``submitted`` / ``overdue`` with a ``to_status``) are the classes from 10 up
C_OTHER, C_SUBMITTED, C_OVERDUE, C_REPLY = 0, 1, 2, 3
C_ACCEPT_PROCESSING, C_ACCEPT, C_ASSIGN, C_RESTART = 10, 11, 12, 13
C_CONFIRM, C_MEDIATION_SUCCEEDED, C_REPLY_TRANSITION, C_TRANSITION = 14, 15, 16, 17


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _lit(values: tuple[str, ...] | frozenset[str]) -> str:
    """A SQL list of our own constant strings (no user input)."""
    return ", ".join(f"'{v}'" for v in sorted(values))


def fixed_offset(first: date, last: date) -> int | None:
    """The current time zone's UTC offset in seconds if it is the same on every day from
    ``first`` to ``last`` (then local dates and working-day deadlines are plain arithmetic),
    else ``None``."""
    tz = timezone.get_current_timezone()
    offsets: set[int | None] = set()
    day = first - timedelta(days=1)
    while day <= last + timedelta(days=1):
        for moment in (time(0), time(12)):
            delta = datetime.combine(day, moment, tzinfo=tz).utcoffset()
            offsets.add(None if delta is None else int(delta.total_seconds()))
        day += timedelta(days=1)
        if len(offsets) > 1:
            return None
    (seconds,) = offsets
    return seconds


def _unsupported_reason() -> str | None:
    if connection.vendor == "postgresql":
        return None
    if connection.vendor == "sqlite":
        if sqlite3.sqlite_version_info < (3, 38):  # unixepoch()
            return f"SQLite {sqlite3.sqlite_version} < 3.38"
        return None
    return f"no SQL fold for {connection.vendor}"


class Dialect:
    """The few expressions that differ between SQLite and PostgreSQL."""

    def __init__(self, offset_seconds: int) -> None:
        self.pg = connection.vendor == "postgresql"
        self.offset = int(offset_seconds)

    def epoch_us(self, col: str) -> str:
        if self.pg:
            return f"(EXTRACT(EPOCH FROM {col}) * {US})::bigint"
        return (
            f"(unixepoch(substr({col}, 1, 19)) * {US}"
            f" + CAST(substr({col} || '000000', 21, 6) AS INTEGER))"
        )

    def local_day(self, col: str) -> str:
        if self.pg:
            return f"(({col} AT TIME ZONE 'UTC') + INTERVAL '{self.offset} seconds')::date"
        return f"date(substr({col}, 1, 19), '{self.offset:+d} seconds')"

    def problem_types(self, col: str) -> str:
        """The complaint's problem types, distinct and sorted (``sorted(set(types))``)."""
        # one type or none (most complaints): the value as stored is already that list
        if self.pg:
            return (
                f"CASE WHEN jsonb_array_length({col}) < 2 THEN {col} ELSE"  # noqa: S608
                " COALESCE((SELECT jsonb_agg(t ORDER BY t) FROM (SELECT DISTINCT"
                f' value COLLATE "C" AS t FROM jsonb_array_elements_text({col})) AS pt),'
                " '[]'::jsonb) END"
            )
        return (
            f"CASE WHEN json_array_length({col}) < 2 THEN {col} ELSE"  # noqa: S608
            " (SELECT json_group_array(value) FROM (SELECT DISTINCT value"
            f" FROM json_each({col}) ORDER BY value)) END"
        )

    @property
    def not_merged(self) -> str:
        """Ends a subquery the planner must not merge into the outer query (its columns are
        computed once per row instead of once per use)."""
        return "OFFSET 0" if self.pg else "LIMIT -1 OFFSET 0"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"MAX({a}, {b})"

    def problem_rows(self, col: str) -> str:
        if self.pg:
            return f"CROSS JOIN LATERAL jsonb_array_elements_text({col}) AS pt(value)"
        return f"CROSS JOIN json_each({col}) AS pt"

    def boolean(self, condition: str) -> str:
        return f"({condition})" if self.pg else f"(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    def sla_table(self) -> str:
        day = "date" if self.pg else "text"
        return f"CREATE TEMPORARY TABLE {SLA_TABLE} (day {day} PRIMARY KEY, shift_days integer)"


def _event_bounds() -> tuple[Any, Any, int, int] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT MIN(created_at), MAX(created_at), MIN(complaint_id), MAX(complaint_id)"  # noqa: S608
            f" FROM {_q(ComplaintEvent._meta.db_table)}"
        )
        row = cursor.fetchone()
    if row is None or row[0] is None:
        return None
    return row[0], row[1], int(row[2]), int(row[3])


def _as_local_date(value: Any) -> date:
    if isinstance(value, str):  # SQLite: naive UTC text
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return timezone.localtime(value).date()


def _fill_sla_table(dialect: Dialect, first: date, last: date, sla_days: int) -> None:
    rows = []
    day = first
    while day <= last:
        rows.append(
            [
                connection.ops.adapt_datefield_value(day),
                (_nth_working_day(day, sla_days) - day).days,
            ]
        )
        day += timedelta(days=1)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {SLA_TABLE}")
        cursor.execute(dialect.sla_table())
        cursor.executemany(f"INSERT INTO {SLA_TABLE} (day, shift_days) VALUES (%s, %s)", rows)  # noqa: S608


def _frt_buckets() -> list[str]:
    """``frt_b0`` … ``frt_b10`` from the whole seconds ``t.frt`` (NULL: no reply), the same
    bounds as ``fold.frt_bucket`` (hours ≤ bound ⇔ seconds ≤ bound × 3600)."""
    out = []
    lower: int | None = None
    for bound in (*FRT_BOUNDS_HOURS, None):
        parts = ["t.frt IS NOT NULL"]
        if lower is not None:
            parts.append(f"t.frt > {lower * 3600}")
        if bound is not None:
            parts.append(f"t.frt <= {bound * 3600}")
        out.append(f"CASE WHEN {' AND '.join(parts)} THEN 1 ELSE 0 END")
        lower = bound
    return out


def fold_statement(dialect: Dialect) -> str:
    """``INSERT`` the folded ``ComplaintMetric`` rows of complaints with ids in ``[%s, %s)`` (the
    range given three times: every scan stays inside the batch)."""
    d = dialect
    event = _q(ComplaintEvent._meta.db_table)
    complaint = _q(Complaint._meta.db_table)
    rating = _q(Rating._meta.db_table)
    metric = _q(ComplaintMetric._meta.db_table)
    # each event is classified once (a small integer, see ``C_*``); the aggregates compare it
    code = f"""CASE WHEN e.kind = '{SUBMITTED}' THEN {C_SUBMITTED}
        WHEN e.kind = '{OVERDUE}' THEN {C_OVERDUE}
        WHEN e.to_status = '' THEN
            CASE WHEN e.action = '{REPLY}' THEN {C_REPLY} ELSE {C_OTHER} END
        WHEN e.action = '{ACCEPT}' THEN
            CASE WHEN e.to_status = '{PROCESSING}' THEN {C_ACCEPT_PROCESSING} ELSE {C_ACCEPT} END
        WHEN e.action = '{ASSIGN}' THEN {C_ASSIGN}
        WHEN e.action IN ({_lit(CLOCK_RESTARTS)}) THEN {C_RESTART}
        WHEN e.action = '{CONFIRM}' THEN {C_CONFIRM}
        WHEN e.action = '{MEDIATION_SUCCEEDED}' THEN {C_MEDIATION_SUCCEEDED}
        WHEN e.action = '{REPLY}' THEN {C_REPLY_TRANSITION}
        ELSE {C_TRANSITION} END"""
    rated = (  # the last confirmation (a transition) with a Rating row
        f"(SELECT MAX(r.event_id) FROM {rating} r JOIN {event} x ON x.id = r.event_id"  # noqa: S608
        f" WHERE r.complaint_id = f.complaint_id AND x.action = '{CONFIRM}'"
        f" AND x.kind NOT IN ({_lit((SUBMITTED, OVERDUE))}) AND x.to_status <> '')"
    )
    columns = list(METRIC_COLUMNS)
    values = [
        "t.complaint_id",
        "t.company_id",
        "t.brand_key",
        "t.day",
        "t.first_assigned_at",
        "t.clock_started_at",
        "t.first_reply_at",
        d.boolean(
            "t.last_overdue_id IS NOT NULL AND (t.last_transition_id IS NULL"
            " OR t.last_overdue_id > t.last_transition_id)"
        ),
        "t.problem_types",
        "t.region",
        "1",  # submitted: every folded complaint has a ``submitted`` event
        "t.valid",  # valid
        "CASE WHEN t.first_assigned_at IS NOT NULL THEN 1 ELSE 0 END",  # assigned
        "CASE WHEN t.frt IS NOT NULL THEN 1 ELSE 0 END",  # replied
        "t.in_sla",  # replied_in_sla
        "CASE WHEN t.last_completion_id = t.last_transition_id THEN 1 ELSE 0 END",
        "CASE WHEN t.attitude IS NOT NULL THEN 1 ELSE 0 END",  # rated
        "COALESCE(t.attitude, 0)",
        "COALESCE(t.speed, 0)",
        "COALESCE(t.satisfaction, 0)",
        "COALESCE(t.frt, 0)",
        *_frt_buckets(),
    ]
    assert len(columns) == len(values)
    reply_us, assigned_us = d.epoch_us("l.first_reply_at"), d.epoch_us("l.first_assigned_at")

    def at(event_id: str) -> str:  # an event's time by primary key (an index lookup per row)
        return f"(SELECT x.created_at FROM {event} x WHERE x.id = {event_id})"  # noqa: S608

    not_marks = f"x.kind NOT IN ({_lit((SUBMITTED, OVERDUE))})"
    # the first reply after the first assignment: the first reply of all when that comes after
    # the assignment (the usual case), else an index seek from the assignment on
    first_reply_after = (
        f"(SELECT MIN(x.id) FROM {event} x WHERE x.complaint_id = f.complaint_id"  # noqa: S608
        f" AND x.id > f.assigned_id AND x.action = '{REPLY}' AND {not_marks})"
    )
    reply_id = (
        "CASE WHEN f.assigned_id IS NULL OR f.any_reply_id IS NULL THEN NULL"
        " WHEN f.any_reply_id > f.assigned_id THEN f.any_reply_id"
        f" ELSE {first_reply_after} END"
    )
    # the clock running at that reply: the last clock event of all when it came before the
    # reply (the usual case), else the last one between the first assignment and the reply
    x_transition = f"({not_marks} AND x.to_status <> '')"
    x_clock = (
        f"({x_transition} AND ((x.action = '{ACCEPT}' AND x.to_status = '{PROCESSING}')"
        f" OR x.action = '{ASSIGN}' OR x.action IN ({_lit(CLOCK_RESTARTS)})))"
    )
    reply_clock_id = (
        "CASE WHEN p.reply_id IS NULL THEN NULL WHEN p.clock_id < p.reply_id THEN p.clock_id"  # noqa: S608
        f" ELSE (SELECT MAX(x.id) FROM {event} x WHERE x.complaint_id = p.complaint_id"
        f" AND x.id >= p.assigned_id AND x.id < p.reply_id AND {x_clock}) END"
    )
    # the last confirmation with a Rating row: the last confirmation (the usual case), else a
    # look at the complaint's ratings
    rated_id = (
        "CASE WHEN p.confirm_id IS NULL THEN NULL"  # noqa: S608
        f" WHEN EXISTS (SELECT 1 FROM {rating} r WHERE r.event_id = p.confirm_id)"
        f" THEN p.confirm_id ELSE {rated.replace('f.complaint_id', 'p.complaint_id')} END"
    )

    return f"""
WITH coded AS (
    SELECT e.id, e.complaint_id, {code} AS c
    FROM {event} e
    WHERE e.complaint_id >= %s AND e.complaint_id < %s
    ORDER BY e.complaint_id, e.id {d.not_merged}
), folded AS (
    SELECT complaint_id,
        MIN(CASE WHEN c = {C_SUBMITTED} THEN id END) AS submitted_id,
        MAX(CASE WHEN c IN ({C_ACCEPT_PROCESSING}, {C_ACCEPT}) THEN 1 ELSE 0 END) AS valid,
        MIN(CASE WHEN c IN ({C_ACCEPT_PROCESSING}, {C_ASSIGN}) THEN id END) AS assigned_id,
        MAX(CASE WHEN c IN ({C_ACCEPT_PROCESSING}, {C_ASSIGN}, {C_RESTART}) THEN id END)
            AS clock_id,
        MIN(CASE WHEN c IN ({C_REPLY}, {C_REPLY_TRANSITION}) THEN id END) AS any_reply_id,
        MAX(CASE WHEN c >= {C_ACCEPT_PROCESSING} THEN id END) AS last_transition_id,
        MAX(CASE WHEN c IN ({C_CONFIRM}, {C_MEDIATION_SUCCEEDED}) THEN id END)
            AS last_completion_id,
        MAX(CASE WHEN c = {C_CONFIRM} THEN id END) AS confirm_id,
        MAX(CASE WHEN c = {C_OVERDUE} THEN id END) AS last_overdue_id
    FROM coded
    GROUP BY complaint_id
), paired AS MATERIALIZED (
    SELECT f.*, {reply_id} AS reply_id
    FROM folded f
    WHERE f.submitted_id IS NOT NULL
), looked AS MATERIALIZED (
    SELECT p.*,
        {reply_clock_id} AS reply_clock_id,
        {rated_id} AS rated_id
    FROM paired p
), timed AS MATERIALIZED (
    SELECT l.*,
        {at("l.submitted_id")} AS submitted_at,
        {at("l.assigned_id")} AS first_assigned_at,
        {at("l.clock_id")} AS clock_started_at,
        {at("l.reply_id")} AS first_reply_at,
        CASE WHEN l.reply_clock_id = l.clock_id THEN NULL
             ELSE {at("l.reply_clock_id")} END AS other_clock_at
    FROM looked l
), t AS MATERIALIZED (
    SELECT l.complaint_id, l.valid, l.last_transition_id, l.last_completion_id,
        l.last_overdue_id,
        c.company_id, COALESCE(c.brand_id, 0) AS brand_key,
        {d.local_day("l.submitted_at")} AS day,
        l.first_assigned_at, l.clock_started_at, l.first_reply_at,
        {d.problem_types("c.problem_types")} AS problem_types,
        CASE WHEN c.consumer_region_id IS NULL OR c.consumer_region_id = '' THEN ''
             ELSE substr(c.consumer_region_id, 1, 2) || '0000' END AS region,
        CASE WHEN l.first_reply_at IS NOT NULL
             THEN {d.greatest(f"{reply_us} - {assigned_us}", "0")} / {US} END AS frt,
        CASE WHEN l.first_reply_at IS NOT NULL AND {reply_us}
                  <= {d.epoch_us("l.reply_clock_at")} + sla.shift_days * {86400 * US}
             THEN 1 ELSE 0 END AS in_sla,
        r.attitude, r.speed, r.satisfaction
    FROM (SELECT timed.*, COALESCE(other_clock_at, clock_started_at) AS reply_clock_at
          FROM timed) l
    JOIN {complaint} c ON c.id = l.complaint_id AND c.id >= %s AND c.id < %s
    LEFT JOIN {SLA_TABLE} sla ON l.first_reply_at IS NOT NULL
        AND sla.day = {d.local_day("l.reply_clock_at")}
    LEFT JOIN {rating} r ON r.event_id = l.rated_id
        AND r.complaint_id >= %s AND r.complaint_id < %s
)
INSERT INTO {metric} ({", ".join(_q(c) for c in columns)})
SELECT {", ".join(values)} FROM t
"""  # noqa: S608 (table and column names are ours)


def day_rows_statement() -> str:
    day, metric = _q(CompanyDay._meta.db_table), _q(ComplaintMetric._meta.db_table)
    counters = ", ".join(_q(k) for k in COUNTERS)
    sums = ", ".join(f"SUM({_q(k)})" for k in COUNTERS)
    any_counter = " + ".join(f"SUM({_q(k)})" for k in COUNTERS)
    return (
        f"INSERT INTO {day} (company_id, brand_key, day, {counters})"  # noqa: S608
        f" SELECT company_id, brand_key, day, {sums} FROM {metric}"
        f" GROUP BY company_id, brand_key, day HAVING {any_counter} > 0"
        # inserted in the order of the unique key: PostgreSQL's hash aggregate otherwise
        # inserts in random order (1M: 13 s instead of 9 s for 420k rows)
        " ORDER BY company_id, brand_key, day"
    )


def month_of(column: str) -> str:
    """The first day of ``column``'s month (a date column)."""
    if connection.vendor == "postgresql":
        return f"CAST(date_trunc('month', {column}) AS date)"
    return f"(substr({column}, 1, 8) || '01')"


def month_rows_statement() -> str:
    """``CompanyMonth`` from the day rows (ADR 0032): the rebuilds, the migration's backfill
    and ``services.rollup_from_days`` write it with this one statement. Months whose index
    counters are all zero get no row (``selectors.index_rows`` finds those companies)."""
    month, day = _q(CompanyMonth._meta.db_table), _q(CompanyDay._meta.db_table)
    counters = ", ".join(_q(k) for k in INDEX_COUNTERS)
    sums = ", ".join(f"SUM({_q(k)})" for k in INDEX_COUNTERS)
    any_counter = " OR ".join(f"SUM({_q(k)}) <> 0" for k in INDEX_COUNTERS)
    return (
        f"INSERT INTO {month} (company_id, month, {counters})"  # noqa: S608
        f" SELECT company_id, {month_of('day')}, {sums} FROM {day}"
        f" GROUP BY company_id, {month_of('day')} HAVING {any_counter}"
        " ORDER BY 1, 2"
    )


def total_rows_statement() -> str:
    """``CompanyTotal`` from the month rows (after ``month_rows_statement``)."""
    total, month = _q(CompanyTotal._meta.db_table), _q(CompanyMonth._meta.db_table)
    counters = ", ".join(_q(k) for k in INDEX_COUNTERS)
    sums = ", ".join(f"SUM({_q(k)})" for k in INDEX_COUNTERS)
    return (
        f"INSERT INTO {total} (company_id, {counters})"  # noqa: S608
        f" SELECT company_id, {sums} FROM {month} GROUP BY company_id ORDER BY 1"
    )


def problem_rows_statement(dialect: Dialect) -> str:
    problem, metric = _q(CompanyProblem._meta.db_table), _q(ComplaintMetric._meta.db_table)
    return (
        f"INSERT INTO {problem} (company_id, problem_type, valid)"  # noqa: S608
        f" SELECT cm.company_id, pt.value, COUNT(*) FROM {metric} cm"
        f" {dialect.problem_rows('cm.problem_types')}"
        " WHERE cm.valid > 0 GROUP BY cm.company_id, pt.value"
    )


def submission_rows_statements(dialect: Dialect) -> list[str]:
    """``SubmissionDay`` rows: complaints per province and per problem type and cohort day."""
    rows, metric = _q(SubmissionDay._meta.db_table), _q(ComplaintMetric._meta.db_table)
    into = f"INSERT INTO {rows} (kind, {_q('key')}, day, submitted)"
    return [
        f"{into} SELECT '{SubmissionKind.REGION.value}', cm.region, cm.day, COUNT(*)"  # noqa: S608
        f" FROM {metric} cm WHERE cm.region <> '' GROUP BY cm.region, cm.day",
        f"{into} SELECT '{SubmissionKind.PROBLEM.value}', pt.value, cm.day, COUNT(*)"  # noqa: S608
        f" FROM {metric} cm {dialect.problem_rows('cm.problem_types')}"
        " GROUP BY pt.value, cm.day",
    ]


@dataclass(frozen=True)
class Plan:
    dialect: Dialect
    first_day: date
    last_day: date
    low_id: int
    high_id: int


def plan() -> Plan | None:
    """How to fold the current data in SQL, or ``None`` where only the Python fold is exact:
    another database, SQLite before 3.38, or a time zone whose offset changes over the data."""
    if _unsupported_reason() is not None:
        return None
    bounds = _event_bounds()
    if bounds is None:
        return Plan(Dialect(0), date.today(), date.today(), 0, -1)
    first_at, last_at, low_id, high_id = bounds
    first, last = _as_local_date(first_at), _as_local_date(last_at)
    offset = fixed_offset(first, last)
    if offset is None:
        return None
    return Plan(Dialect(offset), first, last, low_id, high_id)


def _secondary_indexes(model: Any) -> list[tuple[str, str]]:
    """SQLite: (name, CREATE statement) of the indexes of ``model``'s table that back no
    constraint (the unique key is part of the table and stays)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s"
            " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%%' ORDER BY name",
            [model._meta.db_table],
        )
        return [(name, sql) for name, sql in cursor.fetchall()]


def rebuild_sql(
    plan: Plan, *, batch: int = BATCH_COMPLAINTS, drop_indexes: bool | None = None
) -> dict[str, Any]:
    """Fill the emptied ``ComplaintMetric``, ``CompanyDay``, ``CompanyProblem`` and
    ``SubmissionDay`` tables from the timelines. Call inside a transaction.

    ``drop_indexes`` (default: on SQLite): the day rows' secondary indexes are dropped before
    the day rows are inserted and built again after, in the same transaction (a failure rolls
    the drop back too). On PostgreSQL a dropped index would lock the table against readers
    until the commit; there the rebuild keeps them."""
    if drop_indexes is None:
        drop_indexes = connection.vendor == "sqlite"
    timings: dict[str, Any] = {}
    clock = _Clock(timings)
    dialect = plan.dialect
    _fill_sla_table(
        dialect, plan.first_day, plan.last_day, int(settings.TOUSU["REPLY_SLA_WORKING_DAYS"])
    )
    clock.lap("sla_table")
    statement = fold_statement(dialect)
    with connection.cursor() as cursor:
        cache_size = None
        if dialect.pg:
            # JIT compiles the long expressions anew for every batch: 1.2 s of a 2.6 s batch
            # (EXPLAIN ANALYZE, 50,000 complaints); the statements run faster interpreted.
            # work_mem stays as configured: with more memory the day rows are grouped by hash
            # and inserted in random order, 2.5 times slower at 1M (420k rows, four indexes)
            # than sorted by the unique key as the sort-and-group plan does.
            cursor.execute("SET LOCAL jit = off")
        else:
            # the page cache (2 MB by default) also bounds the GROUP BY sorter in memory
            cursor.execute("PRAGMA cache_size")
            cache_size = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{CACHE_MB * 1024}")
        try:
            for start in range(plan.low_id, plan.high_id + 1, batch):
                cursor.execute(statement, [start, start + batch] * 3)
            clock.lap("complaints")
            indexes = _secondary_indexes(CompanyDay) if drop_indexes else []
            for name, _sql in indexes:
                cursor.execute(f"DROP INDEX {_q(name)}")
            cursor.execute(day_rows_statement())
            clock.lap("day_rows")
            for _name, sql in indexes:
                cursor.execute(sql)
            if indexes:
                clock.lap("day_indexes")
            cursor.execute(month_rows_statement())
            cursor.execute(total_rows_statement())
            clock.lap("month_rows")
            cursor.execute(problem_rows_statement(dialect))
            clock.lap("problem_rows")
            for sql in submission_rows_statements(dialect):
                cursor.execute(sql)
            clock.lap("submission_rows")
            cursor.execute(f"DROP TABLE {SLA_TABLE}")
        finally:
            if cache_size is not None:
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")
    # (SQLite reports no row count for an INSERT with a WITH clause)
    complaints = ComplaintMetric.objects.count()
    day_rows = CompanyDay.objects.count()
    return {"complaints": complaints, "day_rows": day_rows, "timings": timings}


class _Clock:
    """Wall seconds of each step, and this process's CPU seconds as ``<step>_cpu`` (SQLite
    runs in the process; on a shared machine its CPU time is the steadier figure)."""

    def __init__(self, timings: dict[str, Any]) -> None:
        import time as _time

        self._now, self._cpu = _time.perf_counter, _time.process_time
        self._last, self._last_cpu = self._now(), self._cpu()
        self.timings = timings

    def lap(self, name: str) -> None:
        now, cpu = self._now(), self._cpu()
        self.timings[name] = round(now - self._last, 3)
        self.timings[f"{name}_cpu"] = round(cpu - self._last_cpu, 3)
        self._last, self._last_cpu = now, cpu
