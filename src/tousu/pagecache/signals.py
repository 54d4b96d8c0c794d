"""What bumps which version (docs/adr/0028-public-page-cache.md).

One door per kind of change, each bumping on commit (``cache.bump``):

- every complaint change writes a ``ComplaintEvent`` through ``complaints.services._record``:
  the in-transaction hook ``on_event`` (transitions, replies, ratings, hides, the SLA sweep's
  overdue marks, edits);
- ``post_save``/``post_delete`` of the rows pages show: complaints (saves outside an event),
  evidence, redactions (staff redactions and their reverts), companies, brands, aliases,
  consumers' public names, ranking lists, service stars and regions;
- writers that bypass signals call ``cache.bump``/``cache.flush`` themselves: the public copy
  (``privacy.services.refresh``), company merges, bulk imports (the bulk hook), the metrics
  rebuild and the generator's read-model rebuild.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save

from . import cache


def _public(status: str) -> bool:
    from tousu.complaints.states import ACCEPTED_STATUSES

    return status in ACCEPTED_STATUSES


def complaint_changed(complaint: Any, *, listed: bool | None = None) -> None:
    """``complaint`` (its page, its company's figures and, when it is or was public, the lists)."""
    if listed is None:
        listed = _public(complaint.status)
    cache.bump(
        cache.complaint_key(complaint.pk),
        cache.figures_key(complaint.company_id),
        cache.LISTS if listed else None,
    )


def complaint_id_changed(complaint_id: int | None) -> None:
    if complaint_id is None:
        return
    from tousu.complaints.models import Complaint

    complaint = Complaint.objects.filter(pk=complaint_id).only("pk", "company_id", "status").first()
    if complaint is not None:
        complaint_changed(complaint)
    else:
        cache.bump(cache.complaint_key(complaint_id), cache.LISTS)


def on_event(event: Any) -> None:
    complaint = event.complaint
    complaint_changed(
        complaint,
        listed=_public(complaint.status) or _public(event.from_status) or _public(event.to_status),
    )


def on_bulk(complaint_ids: list[int]) -> None:
    cache.flush()


def _complaint_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    complaint_changed(instance)


def _child_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    complaint_id_changed(instance.complaint_id)


def _company_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    cache.bump(cache.company_key(instance.pk), cache.figures_key(instance.pk), cache.LISTS)


def _company_part_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    cache.bump(cache.company_key(instance.company_id), cache.LISTS)


PUBLIC_NAME_FIELDS = frozenset({"nickname", "pseudonym"})


def _user_saved(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    # a login saves last_login only: no page shows it
    if update_fields is None or PUBLIC_NAME_FIELDS & set(update_fields):
        cache.bump(cache.user_key(instance.pk))


def _flush(sender: Any, **kwargs: Any) -> None:
    cache.flush()


def connect() -> None:
    from tousu.accounts.models import User
    from tousu.companies.models import Brand, Company, CompanyAlias, Region
    from tousu.complaints import hooks
    from tousu.complaints.models import Complaint, Evidence, Rating
    from tousu.metrics.models import RankingList, ServiceStar
    from tousu.privacy.models import Redaction

    hooks.register(on_event)
    hooks.register_bulk(on_bulk)
    receivers: list[tuple[Any, tuple[type[Any], ...]]] = [
        (_complaint_saved, (Complaint,)),
        (_child_saved, (Evidence, Rating, Redaction)),
        (_company_saved, (Company,)),
        (_company_part_saved, (Brand, CompanyAlias)),
        (_flush, (RankingList, ServiceStar, Region)),  # rare: every page
    ]
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        for receiver, models in receivers:
            for model in models:
                uid = f"tousu.pagecache.{name}.{model._meta.label}"
                signal.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_save.connect(_user_saved, sender=User, weak=False, dispatch_uid="tousu.pagecache.user")
