"""Bulk writer of generated data: ``executemany`` on SQLite, ``COPY`` on PostgreSQL.

This is the one place besides ``complaints.services`` that writes ``Complaint.status``: raw
rows whose whole timelines were walked through the transition table by the generator (see
docs/adr/0015-bulk-generated-data.md). Column lists come from the models' metadata, so a field
another app adds to a table gets its default here without changes.

Each batch is one transaction: an interrupted run leaves whole batches and a rerun adds the
missing complaints. Read models (search index, metrics, public copies) are rebuilt afterwards
by their own commands (``rebuild_read_models``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from django.contrib.auth.hashers import make_password
from django.core.management import call_command, get_commands
from django.db import connection, models, transaction
from django.db.models import Max

from tousu.accounts.models import Role, User
from tousu.common.text import normalize_name
from tousu.companies.models import Brand, Company, Region
from tousu.complaints.models import Complaint, ComplaintEvent, Rating

from .generate import Generator, Plan, Row, content_hash, public_number

GENERATED = "bench-data"  # Company.description / User.nickname marker of generated rows
READ_MODEL_COMMANDS = (
    "privacy_backfill",
    "search_rebuild",
    "metrics_rebuild",
    "rebuild_duplicates",  # near-duplicate index (moderation)
)

Converter = Callable[[Any], Any]


_GENERATED_PAYLOAD = {"generated": True}


def _json(v: Any) -> str | None:
    if v is None:
        return None
    if v == _GENERATED_PAYLOAD:
        return '{"generated": true}'
    return json.dumps(v, ensure_ascii=False)


def _converter(field: models.Field[Any, Any], vendor: str) -> Converter | None:
    """How a Python value becomes a column value (``None``: as it is)."""
    if isinstance(field, models.JSONField):
        return _json
    if vendor == "postgresql":
        return None
    if isinstance(field, models.DateTimeField):
        # the generator's times are UTC already; SQLite columns hold naive UTC text
        return lambda v: None if v is None else v.replace(tzinfo=None).isoformat(" ")
    if isinstance(field, models.DateField):
        return lambda v: None if v is None else v.isoformat()
    if isinstance(field, models.DecimalField):
        return lambda v: None if v is None else str(v)
    if isinstance(field, models.BooleanField):
        return lambda v: None if v is None else int(v)
    return None


def _const(value: Any) -> Callable[[], Any]:
    return lambda: value


class Table:
    """A model's concrete columns, with defaults for those the generator does not set."""

    def __init__(self, model: type[models.Model]) -> None:
        vendor = connection.vendor
        self.name = model._meta.db_table
        self.fields = [f for f in model._meta.concrete_fields]
        self.columns = [f.column for f in self.fields]
        self.attnames = [f.attname for f in self.fields]
        self.pairs = [(f.attname, _converter(f, vendor)) for f in self.fields]
        self.defaults: dict[str, Callable[[], Any]] = {}
        for f in self.fields:
            if f.has_default():
                self.defaults[f.attname] = f.default if callable(f.default) else _const(f.default)
            elif f.null:
                self.defaults[f.attname] = lambda: None
            elif isinstance(f, models.CharField | models.TextField):
                self.defaults[f.attname] = lambda: ""

    def row(self, values: dict[str, Any]) -> tuple[Any, ...]:
        defaults = self.defaults
        out = []
        for attname, convert in self.pairs:
            v = values[attname] if attname in values else defaults[attname]()
            out.append(v if convert is None else convert(v))
        return tuple(out)

    def write(self, rows: Sequence[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = cursor.cursor  # psycopg cursor
                with raw.copy(
                    f"COPY {connection.ops.quote_name(self.name)} ({cols}) FROM STDIN"
                ) as cp:
                    for r in rows:
                        cp.write_row(r)
        else:
            connection.ensure_connection()
            raw_conn = connection.connection
            marks = ", ".join("?" * len(self.columns))
            raw_conn.executemany(
                # identifiers from the model metadata, quoted; values are parameters
                f"INSERT INTO {connection.ops.quote_name(self.name)} ({cols}) VALUES ({marks})",  # noqa: S608
                rows,
            )


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
    have = list(
        User.objects.filter(nickname=GENERATED, role=Role.CONSUMER)
        .order_by("id")
        .values_list("id", flat=True)
    )
    uid = _next_id(User)
    unusable = make_password(None)
    new = []
    for k in range(len(have), count):
        new.append(
            User(
                id=uid,
                email=f"b{k:08d}@bench-data.invalid",
                nickname=GENERATED,
                pseudonym=f"消费者B{k:07d}",
                password=unusable,
                role=Role.CONSUMER,
            )
        )
        have.append(uid)
        uid += 1
    for start in range(0, len(new), 10_000):
        User.objects.bulk_create(new[start : start + 10_000])
    return have[:count]


class Progress:
    def __init__(self, total: int, out: TextIO) -> None:
        self.total, self.out, self.started = total, out, time.monotonic()

    def update(self, done: int) -> None:
        elapsed = max(1e-6, time.monotonic() - self.started)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate else 0
        width = 30
        filled = int(width * done / max(1, self.total))
        self.out.write(
            f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
            f"{rate:,.0f}/s ETA {eta / 60:.1f} min "
        )
        self.out.flush()


def _batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    batch: list[Row] = []
    for r in rows:
        batch.append(r)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def load(plan: Plan, *, truth_dir: Path, batch: int = 5000, out: TextIO) -> dict[str, Any]:
    """Generate and write ``plan``; returns counts and timings (also written to the manifest)."""
    started = time.monotonic()
    gen = Generator(plan, regions_by_province())
    with transaction.atomic():
        company_ids, brand_ids = _ensure_companies(gen)
        consumer_ids = _ensure_consumers(plan.consumers)
    setup_seconds = time.monotonic() - started
    complaints_t, events_t, ratings_t = Table(Complaint), Table(ComplaintEvent), Table(Rating)
    cid, eid, rid = _next_id(Complaint), _next_id(ComplaintEvent), _next_id(Rating)
    key = plan.seed * 1_000_003 + 17
    truth_dir.mkdir(parents=True, exist_ok=True)
    counts = {"complaints": 0, "events": 0, "ratings": 0, "pii": 0}
    progress = Progress(plan.complaints, out)
    surge_numbers: dict[int, list[str]] = {}
    if connection.vendor == "sqlite" and connection.get_autocommit():
        # bulk load: an OS crash may lose the last batches (a rerun adds them again), never
        # corrupt the file (WAL)
        with connection.cursor() as c:
            c.execute("PRAGMA synchronous=OFF")
    with (truth_dir / "pii.jsonl").open("a", encoding="utf-8") as pii_file:
        for rows in _batches(gen.rows(), batch):
            c_rows, e_rows, r_rows = [], [], []
            for row in rows:
                number = public_number(cid, key)
                company_id = company_ids[row.company]
                values = {
                    "id": cid,
                    "public_number": number,
                    "consumer_id": consumer_ids[row.consumer],
                    "company_id": company_id,
                    "brand_id": brand_ids[row.company] if row.number % 2 else None,
                    "title": row.title,
                    "details": row.details,
                    "problem_types": row.problem_types,
                    "demands": row.demands,
                    "amount": row.amount,
                    "consumer_region_id": row.region,
                    "content_hash": content_hash(company_id, row.title, row.details),
                    "status": row.status,
                    **row.fields,
                }
                c_rows.append(complaints_t.row(values))
                rating_event = None
                for kind, action, role, src, dst, at, message, payload in row.events:
                    e_rows.append(
                        events_t.row(
                            {
                                "id": eid,
                                "complaint_id": cid,
                                "kind": kind,
                                "action": str(action),
                                "actor_id": consumer_ids[row.consumer]
                                if role == "consumer"
                                else None,
                                "actor_role": str(role),
                                "from_status": str(src),
                                "to_status": str(dst),
                                "message": message,
                                "payload": {**_GENERATED_PAYLOAD, **payload},
                                "is_public": True,
                                "created_at": at,
                            }
                        )
                    )
                    if action == "confirm":
                        rating_event = (eid, at)
                    eid += 1
                if row.rating is not None and rating_event is not None:
                    r_rows.append(
                        ratings_t.row(
                            {
                                "id": rid,
                                "complaint_id": cid,
                                "event_id": rating_event[0],
                                "attitude": row.rating[0],
                                "speed": row.rating[1],
                                "satisfaction": row.rating[2],
                                "comment": "",
                                "created_at": rating_event[1],
                            }
                        )
                    )
                    rid += 1
                for p in row.pii:
                    pii_file.write(
                        json.dumps({"complaint": number, **p}, ensure_ascii=False) + "\n"
                    )
                    counts["pii"] += 1
                if row.surge is not None:
                    surge_numbers.setdefault(row.surge, []).append(number)
                cid += 1
            with transaction.atomic():
                complaints_t.write(c_rows)
                events_t.write(e_rows)
                ratings_t.write(r_rows)
            counts["complaints"] += len(c_rows)
            counts["events"] += len(e_rows)
            counts["ratings"] += len(r_rows)
            progress.update(counts["complaints"])
    out.write("\n")
    load_seconds = time.monotonic() - started - setup_seconds
    if connection.vendor == "postgresql":
        _reset_sequences([User, Company, Brand, Complaint, ComplaintEvent, Rating])
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
    manifest = {
        "plan": {
            k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in vars(plan).items()
        },
        "database": connection.vendor,
        "counts": counts,
        "surges": len(gen.surges),
        "setup_seconds": round(setup_seconds, 2),
        "load_seconds": round(load_seconds, 2),
        "complaints_per_second": round(counts["complaints"] / max(load_seconds, 1e-6)),
        "first_day": gen.start_day.isoformat(),
    }
    with (truth_dir / "manifest.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(manifest, ensure_ascii=False) + "\n")
    return manifest


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
    return timings


__all__ = ["GENERATED", "load", "rebuild_read_models", "regions_by_province"]
