# SQL text here is assembled from code constants only; every value is a parameter.
# ruff: noqa: S608
"""Keeping the search read model in step with complaints and companies.

Complaint changes arrive through ``tousu.complaints.hooks`` inside the transaction that makes
them, so a failed index write rolls the change back and a committed change is always indexed
(on SQLite the FTS5 rows follow the document rows by trigger, on PostgreSQL the ``tsv`` column
is generated: same transaction either way). Company changes arrive through model signals,
which run inside the services' transactions too.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from tousu.companies.models import Brand, Company, CompanyAlias
from tousu.companies.services import companies_created
from tousu.complaints.models import Complaint, ComplaintEvent

from . import suggest
from .backends import DOC_TABLE, backend_for
from .documents import (
    DEMAND_BITS,
    DOCUMENT_COLUMNS,
    PROBLEM_BITS,
    amount_cents,
    document_fields,
    document_row,
    mask,
)
from .models import SearchDocument, SuggestKey
from .text import dictionary_add, dictionary_add_companies

_FIELDS = [f.attname for f in SearchDocument._meta.concrete_fields if not f.primary_key]


def _complaints(ids: Iterable[int]) -> list[tuple[Complaint, str]]:
    rows = (
        Complaint.objects.filter(pk__in=list(ids))
        .select_related("company")
        .only(
            *[
                "pk",
                "company__sector",
                "company_id",
                "brand_id",
                "consumer_region_id",
                "status",
                "problem_types",
                "demands",
                "submitted_at",
                "amount",
                "first_reply_at",
                "is_overdue",
                "visibility",
                "title",
                "details",
                "public_title",
                "public_details",
                "public_source_hash",
            ]
        )
    )
    return [(c, c.company.sector) for c in rows]


def _volume(delta: Counter[int]) -> None:
    changes = sorted((company_id, n) for company_id, n in delta.items() if n)
    if len(changes) == 1:
        company_id, n = changes[0]
        SuggestKey.objects.filter(company_id=company_id).update(volume=F("volume") + n)
    elif changes:  # many companies (a bulk import): one prepared statement for all of them
        qn = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {qn(SuggestKey._meta.db_table)} SET {qn('volume')} = {qn('volume')} "
                f"+ %s WHERE {qn('company_id')} = %s",
                [(n, company_id) for company_id, n in changes],
            )


def sync(complaint_ids: Iterable[int]) -> int:
    """Write the documents of these complaints (insert, update changed columns, or delete the
    document of a complaint that no longer exists). Returns the number of rows written."""
    ids = list(dict.fromkeys(complaint_ids))
    if not ids:
        return 0
    existing = {
        row["complaint_id"]: row
        for row in SearchDocument.objects.filter(complaint_id__in=ids).values(
            "complaint_id", *_FIELDS
        )
    }
    delta: Counter[int] = Counter()
    new: list[dict[str, Any]] = []
    written = 0
    found = set()
    for complaint, sector in _complaints(ids):
        found.add(complaint.pk)
        fields = document_fields(complaint, sector=sector)
        old = existing.get(complaint.pk)
        if fields["is_public"]:
            delta[fields["company_id"]] += 1
        if old is None:
            new.append({"complaint_id": complaint.pk, **fields})
            continue
        if old["is_public"]:
            delta[old["company_id"]] -= 1
        changed = {k: v for k, v in fields.items() if old[k] != v}
        if changed:
            SearchDocument.objects.filter(complaint_id=complaint.pk).update(**changed)
            written += 1
    if new:
        from tousu.common.bulk import BulkTable

        table = BulkTable(SearchDocument)
        table.write([table.row(values) for values in new])
        written += len(new)
    gone = [pk for pk in existing if pk not in found]
    if gone:
        for pk in gone:
            if existing[pk]["is_public"]:
                delta[existing[pk]["company_id"]] -= 1
        SearchDocument.objects.filter(complaint_id__in=gone).delete()
        written += len(gone)
    _volume(delta)
    return written


def on_event(event: ComplaintEvent) -> None:
    if event.kind == "submitted":
        # written with the complaint, which is in hand with its company: no document yet, so
        # one insert instead of reading the document and the complaint back
        complaint = event.complaint
        fields = document_fields(complaint, sector=complaint.company.sector)
        SearchDocument.objects.bulk_create([SearchDocument(complaint_id=complaint.pk, **fields)])
        if fields["is_public"]:
            _volume(Counter({fields["company_id"]: 1}))
        return
    sync([event.complaint_id])


def on_bulk(complaint_ids: list[int]) -> None:
    sync(complaint_ids)


# --- companies -------------------------------------------------------------------------


def _company_saved(sender: Any, instance: Company, created: bool, **kwargs: Any) -> None:
    dictionary_add_companies([instance.name])
    if not created:
        SearchDocument.objects.filter(company_id=instance.pk).exclude(
            sector=instance.sector
        ).update(sector=instance.sector)
    suggest.refresh_company(instance.pk)


def _companies_created(sender: Any, companies: list[Company], **kwargs: Any) -> None:
    """``_company_saved`` for new companies inserted in bulk (no aliases, brands or documents
    yet): their names in the segmenter's dictionary, their suggestion keys at volume 0."""
    dictionary_add_companies([c.name for c in companies])
    suggest.add_new_companies(companies)


def _company_deleted(sender: Any, instance: Company, **kwargs: Any) -> None:
    """A company is deleted after a merge moved its complaints away: re-point their documents."""
    ids = list(
        SearchDocument.objects.filter(company_id=instance.pk).values_list("complaint_id", flat=True)
    )
    sync(ids)


def _name_changed(sender: Any, instance: Brand | CompanyAlias, **kwargs: Any) -> None:
    dictionary_add([instance.alias if isinstance(instance, CompanyAlias) else instance.name])
    if Company.objects.filter(pk=instance.company_id).exists():
        suggest.refresh_company(instance.company_id)


def _brand_deleted(sender: Any, instance: Brand, **kwargs: Any) -> None:
    _name_changed(sender, instance)
    ids = list(
        SearchDocument.objects.filter(brand_id=instance.pk).values_list("complaint_id", flat=True)
    )
    sync(ids)


def connect_company_signals() -> None:
    post_save.connect(_company_saved, sender=Company, dispatch_uid="search_company_saved")
    post_delete.connect(_company_deleted, sender=Company, dispatch_uid="search_company_deleted")
    companies_created.connect(
        _companies_created, sender=Company, dispatch_uid="search_companies_created"
    )
    for model in (Brand, CompanyAlias):
        post_save.connect(_name_changed, sender=model, dispatch_uid=f"search_{model.__name__}_s")
    post_delete.connect(_name_changed, sender=CompanyAlias, dispatch_uid="search_alias_d")
    post_delete.connect(_brand_deleted, sender=Brand, dispatch_uid="search_brand_d")


# --- rebuild ---------------------------------------------------------------------------


def _rebuild_sql() -> str:
    sqlite = connection.vendor == "sqlite"
    # Unix seconds computed by the database (SQLite keeps UTC text, PostgreSQL timestamptz);
    # the JSON lists as text, decoded once per distinct text (``_Masks``)
    ts = (
        "CAST(strftime('%%s', c.submitted_at) AS INTEGER)"
        if sqlite
        else "CAST(EXTRACT(EPOCH FROM c.submitted_at) AS BIGINT)"
    )
    cast = "" if sqlite else "::text"
    return (
        f"SELECT c.id, c.company_id, c.brand_id, co.sector, c.consumer_region_id, c.status, "
        f"c.problem_types{cast}, c.demands{cast}, {ts}, c.amount, "
        f"c.first_reply_at IS NOT NULL, c.is_overdue, c.visibility, c.title, c.details, "
        f"c.public_title, c.public_details, c.public_source_hash "
        f"FROM {Complaint._meta.db_table} c "
        f"JOIN {Company._meta.db_table} co ON co.id = c.company_id "
        f"WHERE c.id > %s ORDER BY c.id LIMIT %s"
    )


class _Masks:
    """Bit masks of the problem-type and demand lists, by their JSON text: a few hundred
    distinct lists among millions of complaints, so each is decoded once."""

    def __init__(self, bits: dict[str, int]) -> None:
        self.bits = bits
        self.known: dict[str | None, int] = {}

    def __call__(self, text: str | None) -> int:
        value = self.known.get(text)
        if value is None:
            value = self.known[text] = mask(json.loads(text) if text else None, self.bits)
        return value


def _rebuild_rows(
    sql: str, after_id: int, size: int, problems: _Masks, demands: _Masks
) -> list[tuple[Any, ...]]:
    """One batch of (complaint id, document columns…) from column values: plain SQL, no model
    instances and no per-value converters (the rebuild's budget is a few microseconds per row)."""
    from tousu.privacy.selectors import public_text_of

    with connection.cursor() as cursor:
        cursor.execute(sql, [after_id, size])
        values = cursor.fetchall()
    return [
        (
            pk,
            *document_row(
                company_id,
                brand_id,
                sector,
                region or "",
                status,
                problems(problem_types),
                demands(demand_list),
                int(submitted_ts),
                None if amount is None else amount_cents(Decimal(str(amount))),
                bool(has_reply),
                bool(is_overdue),
                visibility,
                *public_text_of(title, details, public_title, public_details, public_hash),
            ),
        )
        for (
            pk,
            company_id,
            brand_id,
            sector,
            region,
            status,
            problem_types,
            demand_list,
            submitted_ts,
            amount,
            has_reply,
            is_overdue,
            visibility,
            title,
            details,
            public_title,
            public_details,
            public_hash,
        ) in values
    ]


# a row whose values did not change is not written again (a rebuild over a full table rewrote
# every row and its eight index entries)
_UNCHANGED = (
    f"({', '.join(f'{DOC_TABLE}.{c}' for c in DOCUMENT_COLUMNS)}) IS DISTINCT FROM "
    f"({', '.join(f'excluded.{c}' for c in DOCUMENT_COLUMNS)})"
)
_ON_CONFLICT = (
    "ON CONFLICT (complaint_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in DOCUMENT_COLUMNS)
    + " WHERE {unchanged}"
)
_UPSERT = (
    f"INSERT INTO {DOC_TABLE} (complaint_id, {', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * (len(DOCUMENT_COLUMNS) + 1))}) "
    # SQLite compares row values with IS NOT
    + _ON_CONFLICT.format(unchanged=_UNCHANGED.replace("IS DISTINCT FROM", "IS NOT"))
)

_COLUMNS = ", ".join(["complaint_id", *DOCUMENT_COLUMNS])
# PostgreSQL: a batch is copied into a temporary table, then upserted from it in one statement
# (``executemany`` sent one INSERT per row: per-row protocol, planning and trigger work)
_STAGE = "search_rebuild_rows"
_STAGE_CREATE = (
    f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGE} AS "
    f"SELECT {_COLUMNS} FROM {DOC_TABLE} WITH NO DATA"
)
_STAGE_UPSERT = f"INSERT INTO {DOC_TABLE} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_STAGE} " + (
    _ON_CONFLICT.format(unchanged=_UNCHANGED)
)


def _write_rows(rows: list[tuple[Any, ...]]) -> None:
    """Upsert one batch of document rows (in the caller's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.executemany(_UPSERT, rows)
            return
        cursor.execute(_STAGE_CREATE)
        # emptied per batch (not at commit: a caller's outer transaction may hold several)
        cursor.execute(f"TRUNCATE {_STAGE}")
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {_STAGE} ({_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        cursor.execute(_STAGE_UPSERT)


# SQLite's index builds sort in memory up to the page cache size before they spill to files
INDEX_BUILD_CACHE_KIB = 256 * 1024


def _document_indexes() -> list[tuple[str, str]]:
    """(name, CREATE INDEX …) of the document table's secondary indexes, made from the model:
    they can be built again whatever happened to the table."""
    editor = connection.SchemaEditorClass(connection)
    return [
        (i.name, str(i.create_sql(SearchDocument, editor))) for i in SearchDocument._meta.indexes
    ]


def _existing_indexes() -> set[str]:
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, DOC_TABLE)
    return {name for name, info in found.items() if info["index"]}


def _create_document_indexes() -> None:
    """Build the secondary indexes the table lacks (all of them after a first build's load)."""
    existing = _existing_indexes()
    missing = [sql for name, sql in _document_indexes() if name not in existing]
    if not missing:
        return
    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA cache_size")
            cache = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{INDEX_BUILD_CACHE_KIB}")
        else:
            # deferred foreign-key checks of rows written in this transaction run first
            # (PostgreSQL refuses CREATE INDEX on a table with pending trigger events)
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET maintenance_work_mem = '256MB'")
        try:
            for sql in missing:
                cursor.execute(sql)
        finally:
            if sqlite:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
            else:
                cursor.execute("RESET maintenance_work_mem")


def _drop_document_indexes() -> None:
    existing = _existing_indexes()
    with connection.cursor() as cursor:
        for name, _ in _document_indexes():
            if name in existing:
                cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")


def rebuild_all(
    *,
    batch: int = 5000,
    progress: Callable[[int, float], None] | None = None,
    drop_indexes: bool | None = None,
) -> RebuildStats:
    """Re-derive every document in bulk: read column values in batches, segment, upsert with
    ``executemany`` (one transaction per batch), then let the backend rebuild its full-text
    part in one pass (SQLite: triggers off during the load, FTS5 ``'rebuild'`` at the end;
    PostgreSQL: the GIN index dropped during the load and built once at the end). Documents of
    complaints that no longer exist are deleted. Searches keep working meanwhile (on SQLite
    they see the old full-text index until the end; on PostgreSQL they are slower without the
    GIN index).

    ``drop_indexes`` (default: when the document table is empty, so no search can miss them):
    the table's secondary indexes are dropped for the load and built once at the end (ADR
    0033). A rebuild that was interrupted meanwhile builds them first."""
    backend = backend_for(connection)
    started, cpu_started = time.monotonic(), time.process_time()
    cpu: dict[str, float] = {}

    def lap(part: str, since: float) -> float:
        now = time.process_time()
        cpu[part] = cpu.get(part, 0.0) + now - since
        return now

    _create_document_indexes()
    if drop_indexes is None:
        drop_indexes = not SearchDocument.objects.exists()
    if drop_indexes:
        _drop_document_indexes()
    with transaction.atomic():
        backend.bulk_begin(connection)
    done, last = 0, 0
    sql = _rebuild_sql()
    problems, demands = _Masks(PROBLEM_BITS), _Masks(DEMAND_BITS)
    t = lap("setup", cpu_started)
    try:
        while True:
            rows = _rebuild_rows(sql, last, batch, problems, demands)
            t = lap("read and segment", t)
            if not rows:
                break
            with transaction.atomic():
                _write_rows(rows)
            t = lap("write rows", t)
            done += len(rows)
            last = rows[-1][0]
            if progress:
                progress(done, time.monotonic() - started)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DOC_TABLE} WHERE NOT EXISTS (SELECT 1 FROM "
                f"{Complaint._meta.db_table} c WHERE c.id = {DOC_TABLE}.complaint_id)"
            )
        t = lap("write rows", t)
    finally:
        with transaction.atomic():
            backend.bulk_end(connection)
        t = lap("full-text index", t)
        if drop_indexes:
            _create_document_indexes()
        t = lap("secondary indexes", t)
        from tousu.pagecache.cache import flush

        flush()  # kept public search answers (the API's) were read from the old documents
    return RebuildStats(
        complaints=done,
        seconds=time.monotonic() - started,
        cpu_seconds=time.process_time() - cpu_started,
        cpu_parts=cpu,
    )


@dataclass
class RebuildStats:
    complaints: int
    seconds: float
    cpu_seconds: float  # this process only (segmentation, SQLite itself; not PostgreSQL's)
    cpu_parts: dict[str, float] = field(default_factory=dict)
