"""Bulk writer of generated data: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

This is the one place besides ``complaints.services`` that writes ``Complaint.status``: raw
rows whose whole timelines were walked through the transition table by the generator (see
docs/adr/0015-bulk-generated-data.md and 0024-columnar-bulk-data.md). Column lists come from the
models' metadata, so a field another app adds to a table gets its default here without changes.

The generator hands over chunks of columns (numpy arrays, text lists); ``Encoder`` turns a chunk
into one value list per database column (ids, timestamps as text, JSON as text: all list or
array operations, no per-row Python besides the hash); the writer binds them with
``executemany`` over ``zip`` of the columns (SQLite, constant columns written as SQL literals) or
sends one tab-separated text block per table through ``COPY`` (PostgreSQL). With ``processes=2``
a forked child generates and encodes while the parent writes.

Each chunk is one transaction: an interrupted run leaves whole chunks and a rerun adds the
missing complaints. A big load drops the tables' secondary indexes first and builds them again at
the end (one sort per index instead of a B-tree insert per row). Read models (search index,
metrics, public copies) are rebuilt afterwards by their own commands (``rebuild_read_models``).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import numpy as np
from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.db import connection, models, transaction
from django.db.models import Max

from tousu.accounts.models import Role, User
from tousu.common.text import normalize_name
from tousu.companies.models import Brand, Company, Region
from tousu.complaints.models import Complaint, ComplaintEvent, Rating

from . import vocab
from .generate import (
    ACTIONS,
    EVENT_KINDS,
    KIND_OVERDUE,
    NO_TIME,
    REJECTION_REASONS,
    RO,
    STATUSES,
    Chunk,
    Generator,
    Plan,
    content_hashes,
    public_numbers,
    rating_of,
)

GENERATED = "bench-data"  # Company.description / User.nickname marker of generated rows
READ_MODEL_COMMANDS = (
    "privacy_backfill",
    "search_rebuild",
    "metrics_rebuild",
    "rebuild_duplicates",  # near-duplicate index (moderation)
)
TABLES = (Complaint, ComplaintEvent, Rating)
# a load at least this big (and at least as big as what is there) drops the secondary indexes
DROP_INDEXES_FROM = 100_000
NULL = object()  # a column value: SQL NULL


# --- columns -------------------------------------------------------------------------------------


def _const_default(field: models.Field[Any, Any]) -> Any:
    """The value a column gets when the generator does not set it (one value for the load)."""
    if field.has_default():
        return field.default() if callable(field.default) else field.default
    if field.null:
        return None
    if isinstance(field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{field.model.__name__}.{field.name} has no default the loader can use")


def _copy_text(field: models.Field[Any, Any], value: Any) -> str:
    """A constant as PostgreSQL ``COPY`` text."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(field, models.JSONField):
        value = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


def _sql_literal(field: models.Field[Any, Any], value: Any) -> str:
    """A constant as an SQLite literal (as Django would store it)."""
    if isinstance(field, models.JSONField):
        value = None if value is None else json.dumps(value, ensure_ascii=False)
    elif value is not None:
        value = field.get_db_prep_save(value, connection)
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


class Table:
    """A model's concrete columns; those the encoder leaves out get their default as a constant
    (an SQL literal in the SQLite statement, a repeated text in PostgreSQL's ``COPY``)."""

    def __init__(self, model: type[models.Model], given: set[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        self.fields = list(model._meta.concrete_fields)
        self.columns = [f.column for f in self.fields]
        self.given = [f.attname for f in self.fields if f.attname in given]
        self.constants = {
            f.attname: _const_default(f) for f in self.fields if f.attname not in given
        }
        self.constant_text = [
            _copy_text(f, self.constants[f.attname]) for f in self.fields
            if f.attname in self.constants
        ]  # fmt: skip
        missing = given - {f.attname for f in self.fields}
        if missing:
            raise ValueError(f"{self.name} has no columns {sorted(missing)}")

    def sqlite_insert(self) -> str:
        """``INSERT`` with a parameter per given column and the constants as literals."""
        quote = connection.ops.quote_name
        values = []
        for f in self.fields:
            if f.attname in self.constants:
                values.append(_sql_literal(f, self.constants[f.attname]))
            else:
                values.append("?")
        cols = ", ".join(quote(c) for c in self.columns)
        # identifiers from the model metadata, quoted; literals from the fields' own defaults
        return f"INSERT INTO {quote(self.name)} ({cols}) VALUES ({', '.join(values)})"  # noqa: S608

    def copy_sql(self) -> str:
        """``COPY`` of the given columns, then the constant ones."""
        quote = connection.ops.quote_name
        given = [quote(f.column) for f in self.fields if f.attname not in self.constants]
        const = [quote(f.column) for f in self.fields if f.attname in self.constants]
        return f"COPY {quote(self.name)} ({', '.join(given + const)}) FROM STDIN"

    def rows(self, columns: dict[str, Any], vendor: str) -> Any:
        """Rows (SQLite) or ``COPY`` text (PostgreSQL) of value lists keyed by attname."""
        cols = [columns[a] for a in self.given]
        if vendor != "postgresql":
            return cols  # zipped by ``write``: lists cross between processes at less cost
        if not cols or not len(cols[0]):
            return b""
        if self.constant_text:
            tail = "\t" + "\t".join(self.constant_text)
            lines = "\n".join([*map("\t".join, zip(*cols, strict=True)), ""]).replace(
                "\n", tail + "\n"
            )
        else:
            lines = "\n".join([*map("\t".join, zip(*cols, strict=True)), ""])
        return lines.encode()

    def write(self, data: Any, vendor: str) -> None:
        if not data or (isinstance(data, list) and not len(data[0])):
            return
        if vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(self.copy_sql()) as cp:
                cp.write(data)
        else:
            connection.ensure_connection()
            connection.connection.executemany(self.sqlite_insert(), zip(*data, strict=True))


class Stamps:
    """Epoch seconds → database text, through a table of days and one of times of day."""

    def __init__(self, first: date, last: date, suffix: str, sep: str = " ") -> None:
        self.first = (first - date(1970, 1, 1)).days
        days = (last - first).days + 1
        self.day = np.array(
            [(first + timedelta(days=k)).isoformat() + sep for k in range(days)], dtype=object
        )
        self.tod = np.array(
            [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}{suffix}" for s in range(86400)],
            dtype=object,
        )

    def __call__(self, at: np.ndarray, null: Any = None) -> np.ndarray:
        valid = at != NO_TIME
        out = np.full(len(at), null, dtype=object)
        v = at[valid]
        day = v // 86400 - self.first
        if len(day) and (day.min() < 0 or day.max() >= len(self.day)):
            raise ValueError("time outside the stamp table")
        out[valid] = self.day[day] + self.tod[v % 86400]
        return out


class Encoder:
    """A chunk → per table, one value list per given column (``None``: NULL)."""

    def __init__(self, gen: Generator, ids: dict[str, Any], vendor: str) -> None:
        self.vendor = vendor
        self.company_ids = np.asarray(ids["companies"], dtype=np.int64)
        self.brand_ids = np.asarray(ids["brands"], dtype=object)
        self.consumer_ids = np.asarray(ids["consumers"], dtype=np.int64)
        self.key = ids["key"]
        gen._setup_columns()
        self.region_codes: np.ndarray = gen.region_codes
        first = gen.start_day - timedelta(days=3)
        last = (gen.plan.end + timedelta(hours=8)).date() + timedelta(days=60)
        pg = vendor == "postgresql"
        self.stamp = Stamps(first, last, "+00" if pg else "")
        self.iso = Stamps(first, last, "+00:00", sep="T")
        problems = list(vocab.PROBLEMS)
        self.problem_json = np.array(
            [[json.dumps([a] if b is None else [a, b]) for b in [None, *problems]]
             for a in problems], dtype=object,
        )  # fmt: skip
        self.demand_json = np.array([json.dumps([d]) for d in vocab.DEMAND_PHRASES], dtype=object)
        self.statuses = np.array(STATUSES, dtype=object)
        self.actions = np.array(ACTIONS, dtype=object)
        self.kinds = np.array(EVENT_KINDS, dtype=object)
        self.roles = np.array([r for r in RO], dtype=object)
        self.status_or_blank = np.array([*STATUSES, ""], dtype=object)  # -1 → ""
        self.messages = np.array([*vocab.MERCHANT_REPLIES, ""], dtype=object)
        self.rejections = np.array([*REJECTION_REASONS, ""], dtype=object)
        self.visibility = np.array(["private", "public"], dtype=object)
        codes = np.arange(125)
        a, s, x = rating_of(codes)
        self.rating_payload = np.array(
            [json.dumps({"generated": True, "attitude": int(i), "speed": int(j),
                         "satisfaction": int(k)}) for i, j, k in zip(a, s, x, strict=True)]
            + ['{"generated": true}'], dtype=object,
        )  # fmt: skip
        self.null = "\\N" if pg else None
        self.true: Any = "t" if pg else 1
        self.false: Any = "f" if pg else 0

    def ints(self, values: np.ndarray) -> list[Any]:
        if self.vendor == "postgresql":
            return list(map(str, values.tolist()))
        return values.tolist()

    def encode(self, c: Chunk, cid: int, eid: int, rid: int) -> dict[str, dict[str, Any]]:
        n, pg, null = len(c), self.vendor == "postgresql", self.null
        number = c.start + np.arange(n)
        company_ids = self.company_ids[c.company]
        brand = np.asarray(np.where(number % 2 == 1, self.brand_ids[c.company], null))
        amount = [null if a != a else (repr(a) if pg else a) for a in c.amount.tolist()]
        t = c.times
        submitted = self.stamp(c.submitted)
        complaint = {
            "id": self.ints(np.arange(cid, cid + n)),
            "public_number": public_numbers(cid, n, self.key),
            "consumer_id": self.ints(self.consumer_ids[c.consumer]),
            "company_id": self.ints(company_ids),
            "brand_id": list(map(str, brand.tolist())) if pg else brand.tolist(),
            "title": c.title,
            "details": c.details,
            "problem_types": self.problem_json[c.problem, c.problem2 + 1].tolist(),
            "demands": self.demand_json[c.demand].tolist(),
            "amount": amount,
            "consumer_region_id": self.region_codes[c.region].tolist(),
            "content_hash": content_hashes(company_ids.tolist(), c.title_norm, c.details_norm),
            "status": self.statuses[c.status_codes].tolist(),
            "visibility": self.visibility[c.public.astype(np.int64)].tolist(),
            "rejection_reason": self.rejections[c.rejection].tolist(),
            "created_at": submitted.tolist(),
            "submitted_at": submitted.tolist(),
            "is_overdue": np.where(c.is_overdue, self.true, self.false).tolist(),
        }
        for name, values in t.items():
            complaint[name] = self.stamp(values, null).tolist()
        if pg:  # brand: "None" → \N
            complaint["brand_id"] = [null if b == "None" else b for b in complaint["brand_id"]]
        m = len(c.ev_at)
        consumer_of_event = self.consumer_ids[c.consumer][c.ev_complaint]
        actor = np.where(c.ev_role == RO["consumer"], consumer_of_event, -1)
        actor_col = self.ints(actor)
        none = "-1" if pg else -1
        actor_col = [null if a == none else a for a in actor_col]
        payload = self.rating_payload[np.where(c.ev_rating >= 0, c.ev_rating, 125)]
        overdue = np.flatnonzero(c.ev_kind == KIND_OVERDUE)
        if len(overdue):
            due = self.iso(c.ev_due[overdue])
            payload[overdue] = '{"generated": true, "reply_due_at": "' + due + '"}'
        events = {
            "id": self.ints(np.arange(eid, eid + m)),
            "complaint_id": self.ints(cid + c.ev_complaint),
            "kind": self.kinds[c.ev_kind].tolist(),
            "action": self.actions[c.ev_action].tolist(),
            "actor_id": actor_col,
            "actor_role": self.roles[c.ev_role].tolist(),
            "from_status": self.status_or_blank[c.ev_from].tolist(),
            "to_status": self.status_or_blank[c.ev_to].tolist(),
            "message": self.messages[c.ev_message].tolist(),
            "payload": payload.tolist(),
            "created_at": self.stamp(c.ev_at).tolist(),
        }
        rated = np.flatnonzero(c.ev_rating >= 0)
        attitude, speed, satisfaction = rating_of(c.ev_rating[rated])
        ratings = {
            "id": self.ints(np.arange(rid, rid + len(rated))),
            "complaint_id": self.ints(cid + c.ev_complaint[rated]),
            "event_id": self.ints(eid + rated),
            "attitude": self.ints(attitude),
            "speed": self.ints(speed),
            "satisfaction": self.ints(satisfaction),
            "created_at": self.stamp(c.ev_at[rated]).tolist(),
        }
        return {"complaint": complaint, "events": events, "ratings": ratings}


COMPLAINT_GIVEN = {
    "id", "public_number", "consumer_id", "company_id", "brand_id", "title", "details",
    "problem_types", "demands", "amount", "consumer_region_id", "content_hash", "status",
    "visibility", "rejection_reason", "created_at", "submitted_at", "is_overdue",
    "updated_at", "review_due_at", "accepted_at", "assigned_at", "reply_due_at",
    "first_reply_at", "last_reply_at", "completion_requested_at", "confirm_due_at",
    "completed_at", "closed_at", "overdue_marked_at",
}  # fmt: skip
EVENT_GIVEN = {
    "id", "complaint_id", "kind", "action", "actor_id", "actor_role", "from_status",
    "to_status", "message", "payload", "created_at",
}  # fmt: skip
RATING_GIVEN = {"id", "complaint_id", "event_id", "attitude", "speed", "satisfaction",
                "created_at"}  # fmt: skip


def _tables() -> dict[str, Table]:
    return {
        "complaint": Table(Complaint, COMPLAINT_GIVEN),
        "events": Table(ComplaintEvent, EVENT_GIVEN),
        "ratings": Table(Rating, RATING_GIVEN),
    }


def _payload(tables: dict[str, Table], encoded: dict[str, dict[str, Any]], vendor: str) -> Any:
    """What the writer needs of one chunk: rows (SQLite) or COPY text (PostgreSQL)."""
    return {key: table.rows(encoded[key], vendor) for key, table in tables.items()}


def _write(tables: dict[str, Table], payload: dict[str, Any], vendor: str) -> None:
    with transaction.atomic():
        for key, table in tables.items():
            table.write(payload[key], vendor)


# --- secondary indexes ------------------------------------------------------------------------


def _secondary_indexes() -> list[tuple[str, str]]:
    """(name, CREATE statement) of the non-unique indexes of the loaded tables."""
    names = [m._meta.db_table for m in TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            marks = ", ".join(["%s"] * len(names))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                f"AND tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%%'",
                names,
            )
        else:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid "
                "WHERE i.tablename = ANY(%s) AND NOT x.indisunique AND NOT x.indisprimary",
                [names],
            )
        return [(name, sql) for name, sql in cursor.fetchall()]


def _drop_indexes(indexes: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX IF EXISTS {connection.ops.quote_name(name)}")


# SQLite's sorter keeps up to ``cache_size`` in memory before it spills to temporary files and
# merges them: at 30M complaints the events' indexes sort 143M keys (docs/benchmarks.md)
SQLITE_INDEX_CACHE_KIB = 3 * 1024 * 1024


def _create_indexes(indexes: list[tuple[str, str]], out: TextIO | None = None) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '512MB'")
        else:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_INDEX_CACHE_KIB}")
        for name, sql in indexes:
            t0 = time.monotonic()
            cursor.execute(sql.replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS", 1))
            if out is not None:
                out.write(f"  {name}: {time.monotonic() - t0:.1f} s\n")
                out.flush()
        if connection.vendor == "postgresql":
            cursor.execute("RESET maintenance_work_mem")
        else:
            cursor.execute(f"PRAGMA cache_size={int(cache)}")


def _next_id(model: type[models.Model]) -> int:
    return int(model._default_manager.aggregate(m=Max("id"))["m"] or 0) + 1


def regions_by_province() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for code in Region.objects.filter(level=3).values_list("code", flat=True):
        out.setdefault(code[:2], []).append(code)
    return out


def _ensure_companies(gen: Generator) -> tuple[list[int], list[int]]:
    """Ids of the generated companies (and their brands), creating those that are missing."""
    have = list(
        Company.objects.filter(description=GENERATED).order_by("id").values_list("id", flat=True)
    )
    brand_of = (
        dict(Brand.objects.filter(company_id__in=have).values_list("company_id", "id"))
        if have
        else {}
    )
    taken = set(Company.objects.values_list("name_key", flat=True))
    new_companies, new_brands = [], []
    cid, bid = _next_id(Company), _next_id(Brand)
    for spec in gen.companies[len(have) :]:
        name, key = spec.name, normalize_name(spec.name)
        n = 2
        while key in taken:
            name = f"{spec.name}（{n}）"
            key = normalize_name(name)
            n += 1
        taken.add(key)
        new_companies.append(
            Company(id=cid, name=name, name_key=key, sector=spec.sector, description=GENERATED)
        )
        new_brands.append(
            Brand(id=bid, company_id=cid, name=spec.brand, name_key=normalize_name(spec.brand))
        )
        have.append(cid)
        brand_of[cid] = bid
        cid, bid = cid + 1, bid + 1
    for start in range(0, len(new_companies), 5000):
        Company.objects.bulk_create(new_companies[start : start + 5000])
        Brand.objects.bulk_create(new_brands[start : start + 5000])
    ids = have[: len(gen.companies)]
    return ids, [brand_of[c] for c in ids]


def _ensure_consumers(count: int) -> list[int]:
    """Ids of the generated consumers, writing those that are missing in bulk (one unusable
    password hash for all: they never log in)."""
    have = list(
        User.objects.filter(nickname=GENERATED, role=Role.CONSUMER)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if len(have) >= count:
        return have[:count]
    vendor = connection.vendor
    table = Table(User, {"id", "email", "nickname", "pseudonym", "password", "role"})
    uid = _next_id(User)
    todo = range(len(have), count)
    ids = list(range(uid, uid + len(todo)))
    text = str if vendor == "postgresql" else (lambda v: v)
    for start in range(0, len(todo), 100_000):
        part = todo[start : start + 100_000]
        columns = {
            "id": [text(i) for i in ids[start : start + len(part)]],
            "email": [f"b{k:08d}@bench-data.invalid" for k in part],
            "nickname": [GENERATED] * len(part),
            "pseudonym": [f"消费者B{k:07d}" for k in part],
            "password": [make_password(None)] * len(part),
            "role": [str(Role.CONSUMER)] * len(part),
        }
        with transaction.atomic():
            table.write(table.rows(columns, vendor), vendor)
    return have + ids


class Progress:
    """One stderr line, redrawn at most twice a second: bar, count, rate, ETA."""

    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out, self.started, self.drawn = total, out, time.monotonic(), 0.0

    def update(self, done: int, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.drawn < 0.5:
            return
        self.drawn = now
        elapsed = max(1e-6, now - self.started)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate else 0
        width = 30
        filled = int(width * done / max(1, self.total))
        self.out.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
            f"{rate:,.0f}/s ETA {int(eta // 60)}:{int(eta % 60):02d} "
        )
        self.out.flush()


def _payloads(
    gen: Generator, encoder: Encoder, tables: dict[str, Table], ids: dict[str, int],
    chunk_size: int, vendor: str,
) -> Iterator[tuple[dict[str, Any], dict[str, int], Any]]:  # fmt: skip
    """(chunk, first ids, writer payload) for every chunk, ids counted on from ``ids``."""
    cid, eid, rid = ids["complaint"], ids["event"], ids["rating"]
    chunks = gen.chunks(chunk_size)
    while True:
        cpu = time.process_time()
        chunk = next(chunks, None)
        if chunk is None:
            return
        cpu_generate = time.process_time() - cpu
        encoded = encoder.encode(chunk, cid, eid, rid)
        first = {"complaint": cid, "event": eid, "rating": rid}
        numbers = encoded["complaint"]["public_number"]
        cid += len(chunk)
        eid += len(chunk.ev_at)
        rid += len(encoded["ratings"]["id"])
        light = {
            "n": len(chunk), "events": len(chunk.ev_at), "ratings": len(encoded["ratings"]["id"]),
            "pii": [(numbers[i], p) for i, p in chunk.pii],
            "surge": [(int(s), numbers[i]) for i, s in enumerate(chunk.surge.tolist()) if s >= 0],
        }  # fmt: skip
        payload = _payload(tables, encoded, vendor)
        light["cpu_generate"] = cpu_generate
        light["cpu_encode"] = time.process_time() - cpu - cpu_generate
        yield light, first, payload


def _produce(queue: Any, args: tuple[Any, ...]) -> None:
    """The child of a two-process load: generates and encodes, the parent writes."""
    try:
        for item in _payloads(*args):
            queue.put(item)
        queue.put(None)
    except BaseException as exc:  # the parent re-raises it
        queue.put(("error", repr(exc)))
        raise


def _run(args: tuple[Any, ...], processes: int) -> Iterator[Any]:
    if processes < 2:
        yield from _payloads(*args)
        return
    ctx = mp.get_context("fork")
    queue = ctx.Queue(maxsize=2)
    child = ctx.Process(target=_produce, args=(queue, args), daemon=True)
    child.start()
    try:
        while True:
            item = queue.get()
            if item is None:
                break
            if item[0] == "error":
                raise RuntimeError(f"generator process failed: {item[1]}")
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


def load(
    plan: Plan,
    *,
    truth_dir: Path,
    batch: int = 50_000,
    out: TextIO,
    processes: int = 1,
    writers: int = 1,
    drop_indexes: bool | None = None,
) -> dict[str, Any]:
    """Generate and write ``plan``; returns counts and timings (also written to the manifest)."""
    started = time.monotonic()
    gen = Generator(plan, regions_by_province())
    with transaction.atomic():
        company_ids, brand_ids = _ensure_companies(gen)
    consumer_ids = _ensure_consumers(plan.consumers)
    vendor = connection.vendor
    tables = _tables()
    first = {
        "complaint": _next_id(Complaint),
        "event": _next_id(ComplaintEvent),
        "rating": _next_id(Rating),
    }
    gen._setup_columns()
    encoder = Encoder(gen, {
        "companies": company_ids, "brands": brand_ids, "consumers": consumer_ids,
        "key": plan.seed * 1_000_003 + 17,
    }, vendor)  # fmt: skip
    truth_dir.mkdir(parents=True, exist_ok=True)
    # indexes a previous, interrupted big load dropped are built at the end of this one
    pending = truth_dir / "dropped-indexes.json"
    indexes = [tuple(x) for x in json.loads(pending.read_text())] if pending.exists() else []
    existing = first["complaint"] - 1
    if drop_indexes is None:
        drop_indexes = plan.complaints >= max(DROP_INDEXES_FROM, existing)
    if drop_indexes:
        now_there = _secondary_indexes()
        indexes += [i for i in now_there if i not in indexes]
        pending.write_text(json.dumps(indexes))
        _drop_indexes(now_there)
    setup_seconds = time.monotonic() - started
    counts = {"complaints": 0, "events": 0, "ratings": 0, "pii": 0}
    progress = Progress(plan.complaints, out)
    surge_numbers: dict[int, list[str]] = {}
    write_seconds = 0.0
    cpu = {"generate": 0.0, "encode": 0.0, "write": 0.0}
    args = (gen, encoder, tables, first, batch, vendor)
    with (
        _bulk_session(vendor, out),
        _Writers(tables, vendor, writers) as write,
        (truth_dir / "pii.jsonl").open("a", encoding="utf-8") as pii_file,
    ):
        for light, _ids, payload in _run(args, processes):
            t0, c0 = time.monotonic(), time.process_time()
            write(payload)
            write_seconds += time.monotonic() - t0
            cpu["write"] += time.process_time() - c0
            cpu["generate"] += light["cpu_generate"]
            cpu["encode"] += light["cpu_encode"]
            for number, p in light["pii"]:
                pii_file.write(json.dumps({"complaint": number, **p}, ensure_ascii=False) + "\n")
            for s, number in light["surge"]:
                surge_numbers.setdefault(s, []).append(number)
            counts["complaints"] += light["n"]
            counts["events"] += light["events"]
            counts["ratings"] += light["ratings"]
            counts["pii"] += len(light["pii"])
            progress.update(counts["complaints"])
    progress.update(counts["complaints"], force=True)
    out.write("\n")
    load_seconds = time.monotonic() - started - setup_seconds
    index_seconds = 0.0
    if indexes:
        out.write(f"building {len(indexes)} indexes …\n")
        t0 = time.monotonic()
        _create_indexes(indexes, out)
        pending.unlink(missing_ok=True)
        index_seconds = time.monotonic() - t0
    if vendor == "postgresql":
        _reset_sequences([User, Company, Brand, Complaint, ComplaintEvent, Rating])
        with connection.cursor() as c:
            for model in TABLES:
                c.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    total_seconds = time.monotonic() - started - setup_seconds
    _write_surges(truth_dir, gen, company_ids, surge_numbers)
    manifest = {
        "plan": {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(plan).items()
        },
        "database": vendor,
        "counts": counts,
        "surges": len(gen.surges),
        "processes": processes,
        "writers": writers if vendor == "postgresql" and connection.get_autocommit() else 1,
        "indexes_rebuilt": len(indexes),
        "setup_seconds": round(setup_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "write_seconds": round(write_seconds, 2),
        "index_seconds": round(index_seconds, 2),
        # CPU seconds of this process (and of the generating child) by phase; "write" is the
        # database library's CPU in this process (all of SQLite; only the client for PostgreSQL)
        "cpu_seconds": {k: round(v, 2) for k, v in cpu.items()},
        "total_seconds": round(total_seconds, 2),
        "complaints_per_second": round(counts["complaints"] / max(total_seconds, 1e-6)),
        "first_day": gen.start_day.isoformat(),
    }
    with (truth_dir / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False) + "\n")
    return manifest


class _Writers:
    """Writes chunks: in this connection, or (PostgreSQL, outside a transaction) through
    ``count`` connections of their own, each chunk one transaction on one of them, in threads
    (psycopg lets go of the GIL while the server works), so that the server stores two chunks
    at once. Chunks may then commit out of order; each is whole, and a rerun continues after the
    highest id."""

    def __init__(self, tables: dict[str, Table], vendor: str, count: int) -> None:
        self.tables, self.vendor = tables, vendor
        self.count = count if vendor == "postgresql" and connection.get_autocommit() else 1
        self.conns: list[Any] = []
        self.pending: list[Any] = []
        self.turn = 0

    def __enter__(self) -> Callable[[Any], None]:
        if self.count < 2:
            return lambda payload: _write(self.tables, payload, self.vendor)
        from concurrent.futures import ThreadPoolExecutor

        with connection.cursor() as c:
            c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            superuser = c.fetchone()[0]
        for _ in range(self.count):
            conn = connection.get_new_connection(connection.get_connection_params())
            conn.autocommit = False
            with conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
                if superuser:  # as in _bulk_session
                    cur.execute("SET session_replication_role = replica")
            conn.commit()
            self.conns.append(conn)
        self.pool = ThreadPoolExecutor(max_workers=self.count)
        self.pending = [None] * self.count
        return self.submit

    def submit(self, payload: Any) -> None:
        k = self.turn % self.count
        self.turn += 1
        if self.pending[k] is not None:
            self.pending[k].result()  # at most one chunk in flight per connection
        self.pending[k] = self.pool.submit(self._copy, self.conns[k], payload)

    def _copy(self, conn: Any, payload: Any) -> None:
        try:
            with conn.cursor() as cur:
                for key, table in self.tables.items():
                    if payload[key]:
                        with cur.copy(table.copy_sql()) as cp:
                            cp.write(payload[key])
            conn.commit()
        except BaseException:
            conn.rollback()
            raise

    def __exit__(self, *exc: object) -> None:
        if self.count < 2:
            return
        try:
            for f in self.pending:
                if f is not None:
                    f.result()
        finally:
            self.pool.shutdown(wait=True)
            for conn in self.conns:
                conn.close()


@contextmanager
def _bulk_session(vendor: str, out: TextIO) -> Iterator[None]:
    """Session settings of a bulk load, restored whatever happens."""
    pragmas = vendor == "sqlite" and connection.get_autocommit()
    replica = False
    with connection.cursor() as c:
        if pragmas:
            # an OS crash may lose the last chunks (a rerun adds them again), never corrupt the
            # file (WAL); foreign keys are right by construction (ids from this run and the rows
            # read before it; tests/datagen checks), and so is the JSON of the CHECKed columns
            c.execute("PRAGMA synchronous=OFF")
            c.execute("PRAGMA cache_size=-262144")
            c.execute("PRAGMA foreign_keys=OFF")
            c.execute("PRAGMA ignore_check_constraints=ON")
        if vendor == "postgresql":
            # a lost last chunk after an OS crash is added again by a rerun
            c.execute("SET synchronous_commit = off")
            c.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if c.fetchone()[0]:
                # skip the per-row foreign-key triggers (right by construction, as above); the
                # tables have no other triggers: hooks run in Python, read models are rebuilt
                c.execute("SET session_replication_role = replica")
                replica = True
    try:
        yield
    except BaseException:
        out.write("\ninterrupted: a rerun adds the missing complaints and builds dropped indexes\n")
        raise
    finally:
        with connection.cursor() as c:
            if pragmas:
                c.execute("PRAGMA foreign_keys=ON")
                c.execute("PRAGMA ignore_check_constraints=OFF")
                c.execute("PRAGMA synchronous=NORMAL")
                c.execute("PRAGMA cache_size=-2000")
            if vendor == "postgresql":
                c.execute("RESET synchronous_commit")
                if replica:
                    c.execute("RESET session_replication_role")


def _write_surges(truth_dir: Path, gen: Generator, company_ids: list[int],
                  surge_numbers: dict[int, list[str]]) -> None:  # fmt: skip
    with (truth_dir / "surges.jsonl").open("a", encoding="utf-8") as fh:
        for i, s in enumerate(gen.surges):
            first = gen.start_day.toordinal() + s.start
            fh.write(
                json.dumps(
                    {
                        "kind": s.kind,
                        "company_id": company_ids[s.company],
                        "company": gen.companies[s.company].name,
                        "sector": gen.companies[s.company].sector,
                        "start": date.fromordinal(first).isoformat(),
                        "end": date.fromordinal(first + s.length - 1).isoformat(),
                        "extra": s.extra,
                        "problem": s.problem,
                        "terms": list(s.terms),
                        "complaints": surge_numbers.get(i, []),
                        **s.detail,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )


def _reset_sequences(models_: list[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            quoted = connection.ops.quote_name(table)  # from the model metadata
            sql = f"SELECT setval(pg_get_serial_sequence(%s, 'id'), COALESCE((SELECT MAX(id) FROM {quoted}), 1))"  # noqa: S608, E501
            cursor.execute(sql, [table])


def rebuild_read_models(out: TextIO) -> dict[str, float]:
    """Run the rebuild commands of the read models that are installed (in bulk, afterwards)."""
    available = get_commands()
    timings = {}
    for name in READ_MODEL_COMMANDS:
        if name in available:
            started = time.monotonic()
            call_command(name, stdout=out)
            timings[name] = round(time.monotonic() - started, 2)
    from tousu.pagecache.cache import flush

    flush()  # written in bulk, without signals: no cached page may survive it
    return timings


__all__ = ["GENERATED", "load", "rebuild_read_models", "regions_by_province"]
