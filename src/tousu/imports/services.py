"""``import_file``: read a file in one of ``formats.FORMATS`` and create its complaints.

- Every record has a stable external key (the source's id, or the hash of its normalised text
  when the source has none); ``ImportedRecord`` keeps ``(source, key)`` unique, so running the
  same import again creates nothing new.
- Records are written in batches, each batch in one transaction together with its
  ``ImportedRecord`` rows and the run's checkpoint: an interrupted import loses at most the batch
  it was writing, and the next run of the same file (same format and SHA-256) resumes after the
  last committed batch.
- A bad row is reported with its line number and reason and skipped; a record is written whole
  (complaint, timeline, company) or not at all.
- Companies are found through ``companies.services.company_find_by_name`` (names, aliases,
  brands, Traditional/Simplified and width-insensitive) or created unconfirmed, for staff to
  confirm or merge.
- The complaints belong to one placeholder consumer account per source (``importer_account``).
"""

from __future__ import annotations

import hashlib
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.bulk import BulkTable, reserve_ids
from tousu.common.errors import DomainError, ValidationFailed
from tousu.companies.models import Company
from tousu.companies.services import (
    companies_create_unconfirmed,
    company_brand_get_or_create,
    company_create,
    company_find_by_name,
    company_find_by_names,
)
from tousu.complaints import hooks
from tousu.complaints.services import (
    ImportedComplaint,
    complaints_import,
    complaints_import_rows,
)

from .formats import FORMATS, BadRow, Format, Item, Skipped, SourceRecord
from .models import ImportedRecord, ImportRun, RunState

MAX_PROBLEMS = 2000
IMPORTER_EMAIL_DOMAIN = "import.tousu.invalid"  # .invalid: never a deliverable address


@dataclass
class ImportReport:
    run_id: int
    format: str
    path: str
    resumed_from: int  # items skipped because an interrupted run had committed them
    counts: dict[str, int]
    problems: list[dict[str, Any]]
    seconds: float
    new_problems: list[dict[str, Any]] = field(default_factory=list)
    load_seconds: float = 0.0  # parsing and writing the rows
    read_model_seconds: float = 0.0  # bringing the read models up to date afterwards

    @property
    def created(self) -> int:
        return self.counts.get("created", 0)


def importer_account(fmt: Format) -> User:
    """The placeholder consumer that imported complaints of ``fmt``'s source belong to.

    One per source, inactive (nobody logs in as it), with an unusable password and an address
    under ``.invalid``; the public sees its nickname only if a complaint shows nicknames, and
    imported complaints do not."""
    email = f"{fmt.source}@{IMPORTER_EMAIL_DOMAIN}"
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(
            email=email, nickname=fmt.label, role=Role.CONSUMER, is_active=False
        )
    return user


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class _Companies:
    """Name → (company id, brand id) for this run; only committed entries survive a rollback."""

    def __init__(self, creator: User) -> None:
        self.creator = creator
        self.cache: dict[tuple[str, str, str], tuple[int, int | None]] = {}

    def snapshot(self) -> dict[tuple[str, str, str], tuple[int, int | None]]:
        return dict(self.cache)

    def prefetch(self, records: list[SourceRecord]) -> None:
        """Resolve the batch's new company names at once, with the answers ``resolve`` would
        give one record at a time (ADR 0025): all names looked up with ``company_find_by_names``
        (one ``IN`` query per table), the missing ones created with
        ``companies_create_unconfirmed`` (one insert), in record order so that of two spellings
        of one key the first is created and the second finds it. Records with a brand
        (车质网 car models), and names the bulk path leaves out, go through ``resolve``."""
        todo: dict[str, str] = {}  # name → sector, first record first
        for r in records:
            if not r.brand_name and (r.company_name, "", r.sector) not in self.cache:
                todo.setdefault(r.company_name, r.sector)
        if not todo:
            return
        found = company_find_by_names(todo)
        for sector in dict.fromkeys(todo.values()):
            missing = [n for n, s in todo.items() if s == sector and found[n] is None]
            if missing:
                created = companies_create_unconfirmed(
                    missing, sector=sector, created_by=self.creator
                )
                for name, company in created.items():
                    found[name] = (company, None)
        for name, sector in todo.items():
            hit = found[name]
            if hit is not None:
                self.cache[(name, "", sector)] = (hit[0].pk, hit[1].pk if hit[1] else None)

    def resolve(self, record: SourceRecord) -> tuple[int, int | None]:
        cache_key = (record.company_name, record.brand_name, record.sector)
        hit = self.cache.get(cache_key)
        if hit is not None:
            return hit
        found = company_find_by_name(record.company_name)
        if found is None:
            try:
                company: Company = company_create(
                    name=record.company_name,
                    sector=record.sector,
                    is_confirmed=False,
                    created_by=self.creator,
                )
            except ValidationFailed:
                found = company_find_by_name(record.company_name)
                if found is None:
                    raise
                company = found[0]
        else:
            company = found[0]
        brand_id = found[1].pk if found and found[1] else None
        if record.brand_name and brand_id is None:
            brand_id = company_brand_get_or_create(company=company, name=record.brand_name).pk
        self.cache[cache_key] = (company.pk, brand_id)
        return company.pk, brand_id


def _to_complaint(record: SourceRecord, company_id: int, brand_id: int | None) -> ImportedComplaint:
    return ImportedComplaint(
        title=record.title,
        details=record.details,
        company_id=company_id,
        brand_id=brand_id,
        submitted_at=record.submitted_at,
        steps=record.steps,
        problem_types=record.problem_types,
        problem_other=record.problem_other,
        demands=record.demands,
        demand_other=record.demand_other,
        amount=record.amount,
        source_payload=record.payload,
    )


class _Batch:
    def __init__(
        self,
        run: ImportRun,
        fmt: Format,
        consumer: User,
        companies: _Companies,
        *,
        deferred: bool = True,
    ):
        self.run, self.fmt, self.consumer, self.companies = run, fmt, consumer, companies
        # deferred: rows written in bulk, read models brought up to date after the load
        # (``read_models_catch_up``); else the reference path (``complaints_import``, its
        # listeners inside this batch's transaction)
        self.deferred = deferred
        self.counts: dict[str, int] = {}
        self.problems: list[dict[str, Any]] = []

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def problem(self, line: int, kind: str, reason: str) -> None:
        self.problems.append({"line": line, "kind": kind, "reason": reason})

    def write(self, items: list[Item]) -> None:
        records: list[SourceRecord] = []
        for item in items:
            if isinstance(item, BadRow):
                self.count("bad")
                self.problem(item.line, "bad", item.reason)
            elif isinstance(item, Skipped):
                self.count("skipped")
            else:
                records.append(item)
        known = {
            key: (run_id, line)
            for key, run_id, line in ImportedRecord.objects.filter(
                source=self.fmt.source, external_key__in={r.key for r in records}
            ).values_list("external_key", "run_id", "line")
        }
        fresh: list[SourceRecord] = []
        in_batch: dict[str, int] = {}
        for record in records:
            previous = known.get(record.key)
            if previous is not None and previous[0] != self.run.pk:
                self.count("already_imported")
                continue
            first_line = previous[1] if previous is not None else in_batch.get(record.key)
            if first_line is not None:
                self.count("duplicates")
                self.problem(
                    record.line,
                    "duplicate",
                    f"与第{first_line}行重复 (same as line {first_line}), skipped",
                )
                continue
            in_batch[record.key] = record.line
            fresh.append(record)
        written = self._write_fast(fresh)
        if written is None:
            written = self._write_one_by_one(fresh)
        self._write_records(written)
        if written:
            self.count("created", len(written))
        repaired = sum(1 for r, _ in written if r.repaired)
        if repaired:
            self.count("repaired", repaired)

    def _write_records(self, written: list[tuple[SourceRecord, int]]) -> None:
        """The ``ImportedRecord`` rows: the key that makes a rerun create nothing, and (deferred)
        the outbox mark of the read models, in the transaction that wrote the complaints."""
        if not self.deferred:
            ImportedRecord.objects.bulk_create(
                [
                    ImportedRecord(
                        source=self.fmt.source,
                        external_key=record.key,
                        complaint_id=complaint_id,
                        run=self.run,
                        line=record.line,
                    )
                    for record, complaint_id in written
                ]
            )
            return
        table = BulkTable(ImportedRecord)
        ids = reserve_ids(ImportedRecord, len(written))
        now = timezone.now()
        table.write(
            [
                table.row(
                    {
                        "id": pk,
                        "source": self.fmt.source,
                        "external_key": record.key,
                        "complaint_id": complaint_id,
                        "run_id": self.run.pk,
                        "line": record.line,
                        "created_at": now,
                        "read_models_pending": True,
                    }
                )
                for pk, (record, complaint_id) in zip(ids, written, strict=True)
            ]
        )

    def _import(self, prepared: list[ImportedComplaint]) -> list[int]:
        from tousu.pagecache.cache import flush

        flush()  # on commit: bulk rows send no signals, and lists show them at once (ADR 0028)
        if self.deferred:
            return complaints_import_rows(consumer=self.consumer, records=prepared)
        return [c.pk for c in complaints_import(consumer=self.consumer, records=prepared)]

    def _write_fast(self, records: list[SourceRecord]) -> list[tuple[SourceRecord, int]] | None:
        """All records of the batch in one bulk insert; None if any of them fails."""
        if not records:
            return []
        saved = self.companies.snapshot()
        try:
            with transaction.atomic():
                if self.deferred:  # the reference path keeps resolving one record at a time
                    self.companies.prefetch(records)
                prepared = [_to_complaint(r, *self.companies.resolve(r)) for r in records]
                ids = self._import(prepared)
        except (DomainError, IntegrityError):
            self.companies.cache = saved
            return None
        return list(zip(records, ids, strict=True))

    def _write_one_by_one(self, records: list[SourceRecord]) -> list[tuple[SourceRecord, int]]:
        written = []
        for record in records:
            saved = self.companies.snapshot()
            try:
                with transaction.atomic():
                    prepared = _to_complaint(record, *self.companies.resolve(record))
                    (complaint_id,) = self._import([prepared])
            except DomainError as exc:
                self.companies.cache = saved
                self.count("bad")
                self.problem(record.line, "bad", exc.message)
                continue
            except IntegrityError as exc:
                self.companies.cache = saved
                self.count("bad")
                self.problem(record.line, "bad", f"数据库拒绝 (database refused): {exc}"[:300])
                continue
            written.append((record, complaint_id))
        return written


@dataclass
class CatchUp:
    complaints: int = 0
    seconds: float = 0.0


def read_models_catch_up(
    *,
    batch_size: int = 2000,
    limit: int | None = None,
    on_batch: Callable[[list[int]], None] | None = None,
    workers: int = 1,
) -> CatchUp:
    """``_catch_up`` (below), on PostgreSQL with ``workers`` > 1 in that many threads at once,
    each with its own connection and its own batches (``SKIP LOCKED``), so that one thread's
    Python work runs while another waits for the server (index maintenance: most of a
    PostgreSQL catch-up's time, ADR 0025). The listeners are made for concurrent catch-ups
    (counters moved by increments, in key order); the threads must be able to see the marks,
    so it is for committed imports, not inside an open transaction. On SQLite (one writer)
    ``workers`` is ignored."""
    if (
        workers <= 1
        or limit is not None
        or not connection.features.has_select_for_update_skip_locked
        or connection.in_atomic_block
    ):
        return _catch_up(batch_size=batch_size, limit=limit, on_batch=on_batch)
    started = time.monotonic()
    done: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            done.append(_catch_up(batch_size=batch_size, on_batch=on_batch).complaints)
        except BaseException as exc:  # re-raised in the calling thread
            errors.append(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=work, name=f"catch-up-{n}") for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return CatchUp(complaints=sum(done), seconds=time.monotonic() - started)


def _catch_up(
    *,
    batch_size: int = 2000,
    limit: int | None = None,
    on_batch: Callable[[list[int]], None] | None = None,
) -> CatchUp:
    """Bring the read models up to date for every imported complaint still marked
    ``read_models_pending`` (the outbox of deferred loads; ADR 0025): in batches, each one
    transaction that runs the bulk listeners (``complaints.hooks.dispatch_bulk``: public copy,
    near-duplicate index, metric counters, search document — the same ones the reference path
    runs per batch) and clears the marks. The listeners are idempotent, so a batch that two
    processes both handle, or that is handled again after a crash, counts once.

    Runs at the end of every ``tousu import`` and at its start (what an interrupted import left),
    in ``tousu import-catch-up`` and in the worker's periodic jobs. ``on_batch(ids)`` runs inside
    each batch's transaction (tests use it to interrupt)."""
    started = time.monotonic()
    done = 0
    pending = ImportedRecord.objects.filter(read_models_pending=True)
    retries = 0
    while limit is None or done < limit:
        size = batch_size if limit is None else min(batch_size, limit - done)
        try:
            with transaction.atomic():
                rows = pending.order_by("complaint_id")
                if connection.features.has_select_for_update_skip_locked:
                    # PostgreSQL: two catch-ups (an import and the worker) take different rows
                    rows = rows.select_for_update(skip_locked=True)
                ids = list(rows.values_list("complaint_id", flat=True)[:size])
                if not ids:
                    break
                hooks.dispatch_bulk(ids)
                ImportedRecord.objects.filter(
                    complaint_id__in=ids, read_models_pending=True
                ).update(read_models_pending=False)
                if on_batch is not None:
                    on_batch(ids)
        except OperationalError as exc:
            # two catch-ups moving the same counters can deadlock (one inserts a day row the
            # other then inserts too, while each waits on a row the other updated): PostgreSQL
            # rolls one back whole, marks included, and that batch is taken again
            if _sqlstate(exc) not in _RETRYABLE or retries >= _MAX_RETRIES:
                raise
            retries += 1
            time.sleep(0.05 * retries)
            continue
        done += len(ids)
    return CatchUp(complaints=done, seconds=time.monotonic() - started)


_RETRYABLE = {"40P01", "40001"}  # deadlock detected, serialization failure
_MAX_RETRIES = 20


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)


def import_file(
    *,
    format_name: str,
    path: Path,
    batch_size: int = 2000,
    progress: Callable[[ImportRun], None] | None = None,
    on_batch: Callable[[ImportRun, int], None] | None = None,
    deferred: bool = True,
    catch_up: bool = True,
    workers: int = 1,
) -> ImportReport:
    """Import ``path`` in format ``format_name``; resume an interrupted run of the same file.

    ``deferred`` (the default): each batch writes its rows in bulk with the outbox marks; the
    read models are brought up to date after the load (``read_models_catch_up``, unless
    ``catch_up`` is False: then the caller or the worker does it). ``deferred=False`` is the
    reference path: the read-model listeners run inside each batch's transaction.

    ``workers``: threads of the final catch-up on PostgreSQL (``read_models_catch_up``).

    ``on_batch(run, n)`` is called inside each batch's transaction after its writes (tests use it
    to interrupt an import); ``progress(run)`` after each commit.
    """
    fmt = FORMATS.get(format_name)
    if fmt is None:
        raise ValidationFailed(
            f"未知的导入格式：{format_name}（可选：{'、'.join(FORMATS)}）",
            code="unknown_format",
        )
    if not path.is_file():
        raise ValidationFailed(f"找不到文件：{path}", code="file_not_found")
    started = time.monotonic()
    if catch_up:  # what an interrupted import (of any file) left for the read models
        read_models_catch_up()
    sha = file_sha256(path)
    consumer = importer_account(fmt)
    run = (
        ImportRun.objects.filter(format=fmt.name, file_sha256=sha, state=RunState.RUNNING)
        .order_by("-id")
        .first()
    )
    resumed_from = 0
    if run is not None:
        resumed_from = run.checkpoint
        run.resumed += 1
        run.path = str(path)
        run.save(update_fields=["resumed", "path"])
    else:
        run = ImportRun.objects.create(
            format=fmt.name,
            source=fmt.source,
            path=str(path),
            file_sha256=sha,
            file_size=path.stat().st_size,
        )
    # records without a date in the source are dated at the run's start (stable across resumes)
    items: Iterable[Item] = fmt.read(path, now=run.started_at)
    items = itertools.islice(items, resumed_from, None)
    companies = _Companies(consumer)
    new_problems: list[dict[str, Any]] = []
    number = 0
    while True:
        chunk = list(itertools.islice(items, batch_size))
        if not chunk:
            break
        number += 1
        batch = _Batch(run, fmt, consumer, companies, deferred=deferred)
        saved = companies.snapshot()
        try:
            with transaction.atomic():
                batch.write(chunk)
                counts = dict(run.counts)
                for name, n in batch.counts.items():
                    counts[name] = counts.get(name, 0) + n
                room = MAX_PROBLEMS - len(run.problems)
                problems = run.problems + batch.problems[: max(room, 0)]
                ImportRun.objects.filter(pk=run.pk).update(
                    checkpoint=run.checkpoint + len(chunk),
                    counts=counts,
                    problems=problems,
                    updated_at=timezone.now(),
                )
                if on_batch is not None:
                    on_batch(run, number)
        except BaseException:
            companies.cache = saved
            raise
        run.checkpoint += len(chunk)
        run.counts, run.problems = counts, problems
        new_problems += batch.problems
        if progress is not None:
            progress(run)
    load_seconds = time.monotonic() - started
    caught_up = read_models_catch_up(workers=workers) if catch_up else CatchUp()
    run.state = RunState.FINISHED
    run.finished_at = timezone.now()
    run.updated_at = run.finished_at
    run.save(update_fields=["state", "finished_at", "updated_at"])
    return ImportReport(
        run_id=run.pk,
        format=fmt.name,
        path=str(path),
        resumed_from=resumed_from,
        counts=dict(run.counts),
        problems=list(run.problems),
        seconds=time.monotonic() - started,
        new_problems=new_problems,
        load_seconds=load_seconds,
        read_model_seconds=caught_up.seconds,
    )
