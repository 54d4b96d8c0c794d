"""Keeping the search read model in step with complaints and companies.

Complaint changes arrive through ``tousu.complaints.hooks`` inside the transaction that makes
them, so a failed index write rolls the change back and a committed change is always indexed
(on SQLite the FTS5 rows follow the document rows by trigger, on PostgreSQL the ``tsv`` column
is generated: same transaction either way). Company changes arrive through model signals,
which run inside the services' transactions too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.db.models.signals import post_delete, post_save

from tousu.companies.models import Brand, Company, CompanyAlias
from tousu.complaints.models import Complaint, ComplaintEvent

from . import suggest
from .documents import document_fields
from .models import SearchDocument, SuggestKey
from .text import dictionary_add

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
    for company_id, n in delta.items():
        if n:
            SuggestKey.objects.filter(company_id=company_id).update(volume=F("volume") + n)


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
    new: list[SearchDocument] = []
    written = 0
    found = set()
    for complaint, sector in _complaints(ids):
        found.add(complaint.pk)
        fields = document_fields(complaint, sector=sector)
        old = existing.get(complaint.pk)
        if fields["is_public"]:
            delta[fields["company_id"]] += 1
        if old is None:
            new.append(SearchDocument(complaint_id=complaint.pk, **fields))
            continue
        if old["is_public"]:
            delta[old["company_id"]] -= 1
        changed = {k: v for k, v in fields.items() if old[k] != v}
        if changed:
            SearchDocument.objects.filter(complaint_id=complaint.pk).update(**changed)
            written += 1
    if new:
        SearchDocument.objects.bulk_create(new, batch_size=500)
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
    sync([event.complaint_id])


def on_bulk(complaint_ids: list[int]) -> None:
    sync(complaint_ids)


# --- companies -------------------------------------------------------------------------


def _company_saved(sender: Any, instance: Company, created: bool, **kwargs: Any) -> None:
    dictionary_add([instance.name])
    if not created:
        SearchDocument.objects.filter(company_id=instance.pk).exclude(
            sector=instance.sector
        ).update(sector=instance.sector)
    suggest.refresh_company(instance.pk)


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
    for model in (Brand, CompanyAlias):
        post_save.connect(_name_changed, sender=model, dispatch_uid=f"search_{model.__name__}_s")
    post_delete.connect(_name_changed, sender=CompanyAlias, dispatch_uid="search_alias_d")
    post_delete.connect(_brand_deleted, sender=Brand, dispatch_uid="search_brand_d")


# --- rebuild ---------------------------------------------------------------------------


def rebuild_batch(after_id: int, size: int) -> tuple[int, int]:
    """Index complaints with ids after ``after_id`` (one batch, one transaction).

    Returns (rows done, last id), (0, after_id) at the end."""
    ids = list(
        Complaint.objects.filter(pk__gt=after_id).order_by("pk").values_list("pk", flat=True)[:size]
    )
    if not ids:
        return 0, after_id
    with transaction.atomic():
        SearchDocument.objects.filter(complaint_id__in=ids).delete()
        docs = [
            SearchDocument(complaint_id=c.pk, **document_fields(c, sector=sector))
            for c, sector in _complaints(ids)
        ]
        SearchDocument.objects.bulk_create(docs, batch_size=500)
    return len(ids), ids[-1]
