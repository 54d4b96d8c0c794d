"""Keeping the counters in step with the timelines: the in-transaction listener, the bulk
refresh (imports, company merges) and the full rebuild (``tousu metrics-rebuild``).

Counters change only by ``UPDATE … SET x = x + n`` (or an insert of the first row of a key,
retried as an update when a concurrent transaction inserted it first), so concurrent events on
complaints of the same company and day never lose a count.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from tousu.complaints.models import ComplaintEvent, Rating

from . import sqlfold
from .fold import STATE_FIELDS, Event, State, diff, rating_from_payload, step
from .models import (
    COUNTERS,
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

Key = tuple[int, int, date]  # company id, brand key, cohort day
MonthKey = tuple[int, date]  # company id, first day of the cohort month
SubmissionKey = tuple[str, str, date]  # kind, province code or problem type, cohort day
BATCH = 2000


def _sla_days() -> int:
    return int(settings.TOUSU["REPLY_SLA_WORKING_DAYS"])


def _state_of(row: ComplaintMetric) -> State:
    return State(
        day=row.day,
        first_assigned_at=row.first_assigned_at,
        clock_started_at=row.clock_started_at,
        first_reply_at=row.first_reply_at,
        overdue=row.overdue,
        counts={k: getattr(row, k) for k in COUNTERS},
    )


def province(region_code: str | None) -> str:
    """The province of a region code (``110105`` → ``110000``), "" when unknown."""
    return f"{region_code[:2]}0000" if region_code else ""


def _row_of(
    complaint_id: int,
    company_id: int,
    brand_key: int,
    state: State,
    types: list[str],
    region: str = "",
) -> ComplaintMetric:
    assert state.day is not None
    return ComplaintMetric(
        complaint_id=complaint_id,
        company_id=company_id,
        brand_key=brand_key,
        problem_types=sorted(set(types or [])),
        region=region,
        **{name: getattr(state, name) for name in STATE_FIELDS},
        **state.counts,
    )


def _submission_keys(row: ComplaintMetric) -> list[SubmissionKey]:
    """The ``SubmissionDay`` keys a submitted complaint counts in."""
    keys = [(SubmissionKind.PROBLEM.value, t, row.day) for t in row.problem_types]
    if row.region:
        keys.append((SubmissionKind.REGION.value, row.region, row.day))
    return keys if row.submitted else []


def _day_upsert_sql() -> str:
    """``INSERT`` a day row or add to the one there: ``ON CONFLICT DO UPDATE SET x = x +
    excluded.x`` for every counter (SQLite ≥ 3.24, PostgreSQL)."""
    qn = connection.ops.quote_name
    table = qn(CompanyDay._meta.db_table)
    columns = ["company_id", "brand_key", "day", *COUNTERS]
    return "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}".format(  # noqa: S608
        table,
        ", ".join(qn(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        ", ".join(qn(c) for c in ("company_id", "brand_key", "day")),
        ", ".join(f"{qn(k)} = {table}.{qn(k)} + excluded.{qn(k)}" for k in COUNTERS),
    )


def apply_delta(key: Key, delta: dict[str, int]) -> None:
    """Add ``delta`` to the day row of ``key``, creating it when missing (one statement, so
    concurrent events on the same company and day never lose a count), and to its month row."""
    _apply_many({key: delta})


def _rollup_upsert_sql(model: Any, key: tuple[str, ...]) -> str:
    """``_day_upsert_sql`` for a rollup of the index counters (``CompanyMonth``,
    ``CompanyTotal``; ADR 0032)."""
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    columns = [*key, *INDEX_COUNTERS]
    return "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO UPDATE SET {}".format(  # noqa: S608
        table,
        ", ".join(qn(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
        ", ".join(qn(c) for c in key),
        ", ".join(f"{qn(k)} = {table}.{qn(k)} + excluded.{qn(k)}" for k in INDEX_COUNTERS),
    )


def month_deltas(
    acc: dict[Key, dict[str, int]], into: dict[MonthKey, dict[str, int]] | None = None
) -> dict[MonthKey, dict[str, int]]:
    """The day-row deltas ``acc`` summed per company and month, index counters only."""
    out: dict[MonthKey, dict[str, int]] = into if into is not None else {}
    for (company_id, _brand, day), delta in acc.items():
        changed = {k: delta[k] for k in INDEX_COUNTERS if delta.get(k)}
        if not changed:
            continue
        sums = out.setdefault((company_id, day.replace(day=1)), {})
        for k, v in changed.items():
            sums[k] = sums.get(k, 0) + v
    return out


def _apply_months(months: dict[MonthKey, dict[str, int]]) -> None:
    """Add the month deltas to the month rows and their sums to the all-time rows: one
    prepared upsert run for every key of each, in key order. No statement when no index
    counter moved (a submission: the intake budget, ADR 0026)."""
    months = {key: delta for key, delta in months.items() if any(delta.values())}
    if not months:
        return
    totals: dict[int, dict[str, int]] = {}
    for (company_id, _month), delta in months.items():
        sums = totals.setdefault(company_id, dict.fromkeys(INDEX_COUNTERS, 0))
        for k, v in delta.items():
            sums[k] += v
    day = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            _rollup_upsert_sql(CompanyMonth, ("company_id", "month")),
            [
                [c, day(m), *(delta.get(k, 0) for k in INDEX_COUNTERS)]
                for (c, m), delta in sorted(months.items())
            ],
        )
        cursor.executemany(
            _rollup_upsert_sql(CompanyTotal, ("company_id",)),
            [
                [c, *(delta[k] for k in INDEX_COUNTERS)]
                for c, delta in sorted(totals.items())
                if any(delta.values())
            ],
        )


def _apply_many(acc: dict[Key, dict[str, int]], *, months: bool = True) -> None:
    """Add many deltas to their day rows: one prepared upsert run for every key, in key order
    (no deadlock between two writers); then, with ``months``, the same deltas to the month
    rows (always after the day rows, so two writers cannot wait on each other crosswise)."""
    deltas = {key: {k: v for k, v in d.items() if v} for key, d in acc.items()}
    rows = [
        [c, b, connection.ops.adapt_datefield_value(d), *(delta.get(k, 0) for k in COUNTERS)]
        for (c, b, d), delta in sorted(deltas.items())
        if delta
    ]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.executemany(_day_upsert_sql(), rows)
    if months:
        _apply_months(month_deltas(deltas))


def _apply_problems_many(problems: dict[int, dict[str, int]]) -> None:
    """``apply_problems`` for many companies: missing rows inserted in one statement, existing
    ones moved by one prepared ``UPDATE … SET valid = valid + %s``."""
    deltas = {
        (company_id, t): n for company_id, delta in problems.items() for t, n in delta.items() if n
    }
    if not deltas:
        return
    existing = set(
        CompanyProblem.objects.filter(company_id__in={c for c, _ in deltas}).values_list(
            "company_id", "problem_type"
        )
    )
    missing = sorted(key for key in deltas if key not in existing)
    try:
        with transaction.atomic():
            CompanyProblem.objects.bulk_create(
                [
                    CompanyProblem(company_id=c, problem_type=t, valid=deltas[(c, t)])
                    for c, t in missing
                ],
                batch_size=500,
            )
    except IntegrityError:  # a concurrent writer created one of them: company by company
        for company_id in sorted(problems):
            apply_problems(company_id, problems[company_id])
        return
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {v} = {v} + %s WHERE {} = %s AND {} = %s".format(  # noqa: S608
        qn(CompanyProblem._meta.db_table), qn("company_id"), qn("problem_type"), v=qn("valid")
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql, [[deltas[key], key[0], key[1]] for key in sorted(deltas) if key in existing]
        )


def apply_submissions(deltas: dict[SubmissionKey, int]) -> None:
    """Add ``deltas`` to the ``SubmissionDay`` rows, creating the missing ones: ``INSERT …
    ON CONFLICT DO UPDATE SET submitted = submitted + excluded.submitted`` for up to 300 keys a
    statement, in key order (no deadlock between two writers; no lost count)."""
    rows = sorted((key, n) for key, n in deltas.items() if n)
    if not rows:
        return
    qn = connection.ops.quote_name
    table = qn(SubmissionDay._meta.db_table)
    day = connection.ops.adapt_datefield_value
    for start in range(0, len(rows), 300):
        chunk = rows[start : start + 300]
        sql = (
            f"INSERT INTO {table} ({qn('kind')}, {qn('key')}, {qn('day')}, {qn('submitted')})"  # noqa: S608
            f" VALUES {', '.join(['(%s, %s, %s, %s)'] * len(chunk))}"
            f" ON CONFLICT ({qn('kind')}, {qn('day')}, {qn('key')}) DO UPDATE SET"
            f" {qn('submitted')} = {table}.{qn('submitted')} + excluded.{qn('submitted')}"
        )
        params = [v for (kind, key, d), n in chunk for v in (kind, key, day(d), n)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def apply_problems(company_id: int, delta: dict[str, int]) -> None:
    """Add ``delta`` (problem type → change of valid complaints) to the company's rows."""
    for problem_type, n in sorted(delta.items()):
        if not n:
            continue
        rows = CompanyProblem.objects.filter(company_id=company_id, problem_type=problem_type)
        if rows.update(valid=F("valid") + n):
            continue
        try:
            with transaction.atomic():
                CompanyProblem.objects.create(
                    company_id=company_id, problem_type=problem_type, valid=n
                )
        except IntegrityError:
            rows.update(valid=F("valid") + n)


# --- one event at a time (registered in tousu.complaints.hooks) --------------------------


def on_event(event: ComplaintEvent) -> None:
    """Fold ``event`` into its complaint's contribution and add the difference to the day row.
    Runs inside the transaction that wrote the event, under the complaint's row lock."""
    complaint = event.complaint
    # a complaint's ``submitted`` event is written with the complaint: it has no row yet
    row = (
        None
        if event.kind == "submitted"
        else ComplaintMetric.objects.filter(pk=complaint.pk).first()
    )
    if row is None:
        if event.kind != "submitted":
            # a complaint written before the metrics existed: fold its whole timeline
            refresh([complaint.pk])
            return
        state = step(State(), _event_of(event), sla_days=_sla_days())
        new = _row_of(
            complaint.pk,
            complaint.company_id,
            complaint.brand_id or 0,
            state,
            list(complaint.problem_types or []),
            province(complaint.consumer_region_id),
        )
        new.save(force_insert=True)
        apply_delta((new.company_id, new.brand_key, new.day), diff({}, state.counts))
        apply_submissions(dict.fromkeys(_submission_keys(new), 1))
        return
    state = _state_of(row)
    before = dict(state.counts)
    step(state, _event_of(event), sla_days=_sla_days())
    changed = diff(before, state.counts)
    fields = {
        name: getattr(state, name)
        for name in STATE_FIELDS
        if name != "day" and getattr(state, name) != getattr(row, name)
    }
    fields.update({k: state.counts[k] for k in changed})
    if not fields:  # a follow-up, a hide, a further reply: nothing to count
        return
    ComplaintMetric.objects.filter(pk=row.pk).update(**fields)
    apply_delta((row.company_id, row.brand_key, row.day), changed)
    if "valid" in changed:
        apply_problems(row.company_id, dict.fromkeys(row.problem_types, changed["valid"]))


def _event_of(event: ComplaintEvent) -> Event:
    return Event(
        kind=event.kind,
        action=event.action,
        to_status=event.to_status,
        at=event.created_at,
        rating=rating_from_payload(event.action, event.payload or {}),
    )


# --- many complaints at once: imports, merges -------------------------------------------


def on_bulk(complaint_ids: list[int]) -> None:
    refresh(complaint_ids)


Folded = tuple[int, int, int, State, list[str], str]


def _fold_timelines(
    rows: Iterable[tuple[Any, ...]], ratings: dict[int, tuple[int, int, int]]
) -> Iterator[Folded]:
    """Fold event rows ``(id, complaint_id, company_id, brand_id, problem_types, region, kind,
    action, to_status, created_at)`` ordered by complaint and id; yields ``(complaint,
    company, brand_key, state, problem_types, province)``."""
    sla_days = _sla_days()
    current: int | None = None
    company = brand = 0
    types: list[str] = []
    region = ""
    state = State()
    for row in rows:
        event_id, complaint_id, company_id, brand_id, ptypes, region_code = row[:6]
        if complaint_id != current:
            if current is not None and state.day is not None:
                yield current, company, brand, state, types, region
            current, company, brand, state = complaint_id, company_id, brand_id or 0, State()
            types, region = list(ptypes or []), province(region_code)
        kind, action, to_status, at = row[6:]
        step(state, Event(kind, action, to_status, at, ratings.get(event_id)), sla_days=sla_days)
    if current is not None and state.day is not None:
        yield current, company, brand, state, types, region


EVENT_COLUMNS = (
    "id",
    "complaint_id",
    "complaint__company_id",
    "complaint__brand_id",
    "complaint__problem_types",
    "complaint__consumer_region_id",
    "kind",
    "action",
    "to_status",
    "created_at",
)


def _ratings(**filters: Any) -> dict[int, tuple[int, int, int]]:
    return {
        event_id: (a, s, sat)
        for event_id, a, s, sat in Rating.objects.filter(**filters).values_list(
            "event_id", "attitude", "speed", "satisfaction"
        )
    }


def refresh(complaint_ids: list[int]) -> None:
    """Recompute the contributions of ``complaint_ids`` from their timelines (their company
    or brand may have changed) and move the day counters accordingly (the month rows once,
    after every day row)."""
    months: dict[MonthKey, dict[str, int]] = {}
    for start in range(0, len(complaint_ids), BATCH):
        ids = complaint_ids[start : start + BATCH]
        acc: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
        problems: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        submissions: dict[SubmissionKey, int] = defaultdict(int)
        old = list(ComplaintMetric.objects.filter(pk__in=ids))
        for row in old:
            sums = acc[(row.company_id, row.brand_key, row.day)]
            for k in COUNTERS:
                sums[k] -= getattr(row, k)
            for t in row.problem_types if row.valid else []:
                problems[row.company_id][t] -= 1
            for key in _submission_keys(row):
                submissions[key] -= 1
        events = (
            ComplaintEvent.objects.filter(complaint_id__in=ids)
            .order_by("complaint_id", "id")
            .values_list(*EVENT_COLUMNS)
        )
        new = []
        for complaint_id, company_id, brand_key, state, types, region in _fold_timelines(
            events, _ratings(complaint_id__in=ids)
        ):
            assert state.day is not None
            sums = acc[(company_id, brand_key, state.day)]
            for k in COUNTERS:
                sums[k] += state.counts[k]
            row = _row_of(complaint_id, company_id, brand_key, state, types, region)
            for t in row.problem_types if row.valid else []:
                problems[company_id][t] += 1
            for key in _submission_keys(row):
                submissions[key] += 1
            new.append(row)
        if old:
            ComplaintMetric.objects.filter(pk__in=[row.pk for row in old]).delete()
        _insert_rows(ComplaintMetric, METRIC_COLUMNS, [_metric_values(row) for row in new])
        _apply_many(acc, months=False)
        month_deltas(acc, into=months)
        _apply_problems_many(problems)
        apply_submissions(submissions)
    _apply_months(months)


# --- everything from the timelines -------------------------------------------------------


def _insert_rows(model: Any, columns: tuple[str, ...] | list[str], rows: list[list[Any]]) -> None:
    """``INSERT`` many rows with one prepared statement (the ORM's ``bulk_create`` spends most
    of a rebuild preparing values field by field)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 (our own names only)
        quote(model._meta.db_table),
        ", ".join(quote(c) for c in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _metric_values(row: ComplaintMetric) -> list[Any]:
    ops = connection.ops
    return [
        row.complaint_id,
        row.company_id,
        row.brand_key,
        ops.adapt_datefield_value(row.day),
        ops.adapt_datetimefield_value(row.first_assigned_at),
        ops.adapt_datetimefield_value(row.clock_started_at),
        ops.adapt_datetimefield_value(row.first_reply_at),
        row.overdue,
        json.dumps(row.problem_types),
        row.region,
        *(getattr(row, k) for k in COUNTERS),
    ]


def _clear() -> None:
    # DELETE, not TRUNCATE: PostgreSQL refuses TRUNCATE while the transaction has pending
    # deferred foreign-key checks (Django's constraints are DEFERRABLE INITIALLY DEFERRED)
    for model in (
        CompanyTotal,
        CompanyMonth,
        CompanyDay,
        CompanyProblem,
        SubmissionDay,
        ComplaintMetric,
    ):
        model.objects.all().delete()


def rebuild(*, stdout: Any = None) -> dict[str, Any]:
    """Recompute every contribution, day row (and their month and all-time rollups) and
    problem-type row from the ``ComplaintEvent`` and ``Rating`` rows, in one transaction: in
    SQL (``sqlfold``, ADR 0020) where it is exact, else with the Python fold
    (``rebuild_python``)."""
    t0 = time.perf_counter()
    from tousu.pagecache.cache import flush

    with transaction.atomic():
        plan = sqlfold.plan()
        if plan is not None:
            flush()  # on commit: every company page shows these figures
            _clear()
            result = sqlfold.rebuild_sql(plan)
            return {
                "complaints": result["complaints"],
                "day_rows": result["day_rows"],
                "seconds": round(time.perf_counter() - t0, 3),
                "method": "sql",
                "timings": result["timings"],
            }
    return rebuild_python()


def rollup_from_days() -> dict[str, int]:
    """Refill the month and all-time rollups from the day rows (what both rebuilds end with).
    For a database whose day rows were written by other means (a benchmark)."""
    with transaction.atomic():
        CompanyTotal.objects.all().delete()
        CompanyMonth.objects.all().delete()
        with connection.cursor() as cursor:
            cursor.execute(sqlfold.month_rows_statement())
            cursor.execute(sqlfold.total_rows_statement())
        return {
            "month_rows": CompanyMonth.objects.count(),
            "total_rows": CompanyTotal.objects.count(),
        }


def rebuild_python() -> dict[str, Any]:
    """The reference rebuild: every timeline through ``fold.step`` in Python (about 10,000
    complaints/s). Used where the SQL fold is not exact, and by the tests as its reference."""
    t0 = time.perf_counter()
    from tousu.pagecache.cache import flush

    with transaction.atomic():
        flush()  # on commit: every company page shows these figures
        _clear()
        ratings = _ratings()
        events = (
            ComplaintEvent.objects.order_by("complaint_id", "id")
            .values_list(*EVENT_COLUMNS)
            .iterator(chunk_size=10000)
        )
        sums: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
        batch: list[list[Any]] = []
        problems: dict[tuple[int, str], int] = defaultdict(int)
        submissions: dict[SubmissionKey, int] = defaultdict(int)
        complaints = 0
        folded = _fold_timelines(events, ratings)
        for complaint_id, company_id, brand_key, state, types, region in folded:
            assert state.day is not None
            complaints += 1
            row = _row_of(complaint_id, company_id, brand_key, state, types, region)
            for t in row.problem_types if row.valid else []:
                problems[(company_id, t)] += 1
            for key in _submission_keys(row):
                submissions[key] += 1
            if any(state.counts.values()):
                acc = sums[(company_id, brand_key, state.day)]
                for k, v in state.counts.items():
                    if v:
                        acc[k] += v
            batch.append(_metric_values(row))
            if len(batch) >= BATCH:
                _insert_rows(ComplaintMetric, METRIC_COLUMNS, batch)
                batch.clear()
        _insert_rows(ComplaintMetric, METRIC_COLUMNS, batch)
        day_rows = [
            [c, b, connection.ops.adapt_datefield_value(d), *(counts[k] for k in COUNTERS)]
            for (c, b, d), counts in sums.items()
        ]
        for start in range(0, len(day_rows), BATCH):
            _insert_rows(
                CompanyDay,
                ["company_id", "brand_key", "day", *COUNTERS],
                day_rows[start : start + BATCH],
            )
        month_rows = [
            [
                c,
                connection.ops.adapt_datefield_value(m),
                *(counts.get(k, 0) for k in INDEX_COUNTERS),
            ]
            for (c, m), counts in sorted(month_deltas(sums).items())
            if any(counts.values())
        ]
        _insert_rows(CompanyMonth, ["company_id", "month", *INDEX_COUNTERS], month_rows)
        with connection.cursor() as cursor:
            cursor.execute(sqlfold.total_rows_statement())
        CompanyProblem.objects.bulk_create(
            CompanyProblem(company_id=c, problem_type=t, valid=n)
            for (c, t), n in problems.items()
            if n
        )
        SubmissionDay.objects.bulk_create(
            (
                SubmissionDay(kind=k, key=key, day=d, submitted=n)
                for (k, key, d), n in sorted(submissions.items())
            ),
            batch_size=1000,
        )
    return {
        "complaints": complaints,
        "day_rows": len(sums),
        "seconds": round(time.perf_counter() - t0, 3),
        "method": "python",
    }
