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
from dataclasses import dataclass
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
from .documents import DOCUMENT_COLUMNS, document_fields, document_values
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


def _rebuild_rows(after_id: int, size: int) -> list[tuple[Any, ...]]:
    """One batch of (complaint id, document columns…) from column values: plain SQL, no model
    instances and no per-value converters (the rebuild's budget is a few microseconds per row)."""
    from tousu.privacy.selectors import public_text_of

    sqlite = connection.vendor == "sqlite"
    # Unix seconds computed by the database (SQLite keeps UTC text, PostgreSQL timestamptz)
    ts = (
        "CAST(strftime('%%s', c.submitted_at) AS INTEGER)"
        if sqlite
        else "CAST(EXTRACT(EPOCH FROM c.submitted_at) AS BIGINT)"
    )
    sql = (
        f"SELECT c.id, c.company_id, c.brand_id, co.sector, c.consumer_region_id, c.status, "
        f"c.problem_types, c.demands, {ts}, c.amount, c.first_reply_at IS NOT NULL, "
        f"c.is_overdue, c.visibility, c.title, c.details, c.public_title, c.public_details, "
        f"c.public_source_hash FROM {Complaint._meta.db_table} c "
        f"JOIN {Company._meta.db_table} co ON co.id = c.company_id "
        f"WHERE c.id > %s ORDER BY c.id LIMIT %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [after_id, size])
        values = cursor.fetchall()
    rows = []
    for (
        pk,
        company_id,
        brand_id,
        sector,
        region,
        status,
        problem_types,
        demands,
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
    ) in values:
        shown_title, shown_details = public_text_of(
            title, details, public_title, public_details, public_hash
        )
        doc = document_values(
            company_id=company_id,
            brand_id=brand_id,
            sector=sector,
            region_code=region or "",
            status=status,
            problem_types=json.loads(problem_types)
            if isinstance(problem_types, str)
            else problem_types,
            demands=json.loads(demands) if isinstance(demands, str) else demands,
            submitted_ts=int(submitted_ts),
            amount=None if amount is None else Decimal(str(amount)),
            has_reply=bool(has_reply),
            is_overdue=bool(is_overdue),
            visibility=visibility,
            public_title=shown_title,
            public_details=shown_details,
        )
        rows.append((pk, *doc.values()))
    return rows


_UPSERT = (
    f"INSERT INTO {DOC_TABLE} (complaint_id, {', '.join(DOCUMENT_COLUMNS)}) "
    f"VALUES ({', '.join(['%s'] * (len(DOCUMENT_COLUMNS) + 1))}) "
    "ON CONFLICT (complaint_id) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in DOCUMENT_COLUMNS)
)


def rebuild_all(
    *, batch: int = 5000, progress: Callable[[int, float], None] | None = None
) -> RebuildStats:
    """Re-derive every document in bulk: read column values in batches, segment, upsert with
    ``executemany`` (one transaction per batch), then let the backend rebuild its full-text
    part in one pass (SQLite: triggers off during the load, FTS5 ``'rebuild'`` at the end;
    PostgreSQL: the GIN index dropped during the load and built once at the end). Documents of
    complaints that no longer exist are deleted. Searches keep working meanwhile (on SQLite
    they see the old full-text index until the end; on PostgreSQL they are slower without the
    GIN index)."""
    backend = backend_for(connection)
    started, cpu_started = time.monotonic(), time.process_time()
    with transaction.atomic():
        backend.bulk_begin(connection)
    done, last = 0, 0
    try:
        while True:
            rows = _rebuild_rows(last, batch)
            if not rows:
                break
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(_UPSERT, rows)
            done += len(rows)
            last = rows[-1][0]
            if progress:
                progress(done, time.monotonic() - started)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {DOC_TABLE} WHERE NOT EXISTS (SELECT 1 FROM "
                f"{Complaint._meta.db_table} c WHERE c.id = {DOC_TABLE}.complaint_id)"
            )
    finally:
        with transaction.atomic():
            backend.bulk_end(connection)
        from tousu.pagecache.cache import flush

        flush()  # kept public search answers (the API's) were read from the old documents
    return RebuildStats(
        complaints=done,
        seconds=time.monotonic() - started,
        cpu_seconds=time.process_time() - cpu_started,
    )


@dataclass
class RebuildStats:
    complaints: int
    seconds: float
    cpu_seconds: float  # this process only (segmentation, SQLite itself; not PostgreSQL's)
