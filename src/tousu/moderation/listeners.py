"""Screening on submission: the in-transaction listener registered from ``ready()``.

When a complaint is submitted or resubmitted, in the same transaction: its text signature goes
into the near-duplicate index, it is screened, grouped with near-identical complaints by other
consumers, checked for mass filing, and its sector and problem types are suggested; the result
is one ``ScreeningResult`` row. With ``TOUSU_AUTO_ACCEPT`` on, a clean high-confidence
complaint is accepted by the platform after the submission commits.

The text work (signature, model and label suggestions) is done before the submission's write
transaction (``prepare_text``, registered as a text preparer) and remembered per text. With
``TOUSU_SCREEN_IN_BACKGROUND`` the submission only indexes; the rest runs in the worker from an
outbox task row (``screen_indexed``), with ``screen_missing`` as the periodic catch-up
(docs/adr/0026-intake-path.md).
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from tousu.complaints.models import Complaint, ComplaintEvent, EventKind
from tousu.complaints.states import Action, Status

from . import duplicates
from .context import current_client_ip, current_device_hash
from .features import feature_strings
from .model import load
from .models import ScreeningResult, TextSignature
from .screening import (
    ACCEPT,
    LabelSuggestion,
    Suggestion,
    complaint_text,
    screen_text,
    screen_with_signature,
    suggest_labels,
)

logger = logging.getLogger(__name__)


def on_event(event: ComplaintEvent) -> None:
    # a consumer's edit of the text (when that exists) is screened and indexed again as well
    if event.kind in (EventKind.SUBMITTED, EventKind.EDITED) or (
        event.kind == EventKind.TRANSITION and event.action == Action.RESUBMIT
    ):
        new = event.kind == EventKind.SUBMITTED
        if in_background():
            # the index stays in the transaction (the refusal of a repeat reads it); the
            # suggestion, groups and mass-filing evidence follow through the outbox
            complaint = event.complaint
            hv = duplicates.signature(complaint.title, complaint.details)
            duplicates.index(
                complaint,
                hv,
                client_ip=current_client_ip(),
                device_hash=current_device_hash(),
                now=event.created_at,
                new=new,
            )
            _enqueue_screening(complaint.pk)
        else:
            record_screening(event.complaint, now=event.created_at, new=new)


def in_background() -> bool:
    """``TOUSU_SCREEN_IN_BACKGROUND``: screen after the submission, in the worker (ADR 0026)."""
    return bool(settings.TOUSU.get("SCREEN_IN_BACKGROUND"))


def _enqueue_screening(complaint_id: int) -> None:
    """The task row of the database backend is written in the submission's own transaction
    (an outbox: it exists exactly when the complaint does). Other backends (RQ) are not
    transactional: enqueued on commit, and ``screen_missing`` (a periodic job) catches up
    whatever a crash between commit and enqueue left behind."""
    from .tasks import screen_complaint

    if settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend":
        screen_complaint.enqueue(complaint_id)
    else:
        transaction.on_commit(lambda: screen_complaint.enqueue(complaint_id))


def prepare_text(title: str, details: str) -> None:
    """For ``complaints.hooks.register_text_preparer``: the work that depends on the text alone
    (signature, features, model scores), done before the submission's write transaction so that
    the listener finds it remembered and holds the write lock only for its queries."""
    duplicates.signature(title, details)
    if not in_background():
        text_screening(complaint_text(title, details))


def screen_indexed(complaint_id: int) -> ScreeningResult | None:
    """Screen an indexed complaint whose suggestion is missing or older than its text (the
    background task and the catch-up job); None when there is nothing to do (already screened,
    gone, or out of the index). The time, address, device and novelty are those of its indexing, so
    the result is the one the submission itself would have written."""
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("company")
            .filter(pk=complaint_id)
            .first()
        )
        sig = TextSignature.objects.filter(pk=complaint_id).first()
        if complaint is None or sig is None:
            return None
        done = ScreeningResult.objects.filter(pk=complaint_id).values_list("updated_at", flat=True)
        screened_at = next(iter(done), None)
        if screened_at is not None and screened_at >= sig.created_at:
            return None
        return record_screening(
            complaint,
            now=sig.created_at,
            new=screened_at is None,
            client_ip=sig.client_ip,
            device_hash=sig.device_hash,
            indexed=True,
        )


def screen_missing(limit: int = 500) -> int:
    """Screen complaints waiting for review whose suggestion is missing or older than their
    text (the periodic catch-up of background screening). A no-op when screening runs in the
    submission: imported histories and bulk-generated data are indexed but never screened."""
    from django.db.models import F, OuterRef, Subquery

    if not in_background():
        return 0
    stale = (
        TextSignature.objects.filter(complaint__status=Status.PENDING_REVIEW)
        .annotate(
            screened_at=Subquery(
                ScreeningResult.objects.filter(pk=OuterRef("pk")).values("updated_at")[:1]
            )
        )
        .filter(Q(screened_at__isnull=True) | Q(screened_at__lt=F("created_at")))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(screen_indexed(pk) is not None for pk in list(stale))


@lru_cache(maxsize=64)
def text_screening(text: str) -> tuple[Suggestion, LabelSuggestion]:
    """The model's suggestion and the label suggestions for a text (remembered for the last
    few texts; both are immutable)."""
    features = feature_strings(text)
    return screen_text(text, features=features), suggest_labels(text, features=features)


def record_screening(
    complaint: Complaint,
    *,
    now: datetime | None = None,
    new: bool = False,
    client_ip: str | None = None,
    device_hash: str | None = None,
    indexed: bool = False,
) -> ScreeningResult:
    """Index, screen, group and check ``complaint``; ``new``: it has no signature or result
    row yet (plain inserts); ``indexed``: its signature is stored already (background)."""
    now = now or timezone.now()
    ip = client_ip if indexed else current_client_ip()
    device = device_hash if indexed else current_device_hash()
    hv = duplicates.signature(complaint.title, complaint.details)
    if not indexed:
        duplicates.index(complaint, hv, client_ip=ip, device_hash=device, now=now, new=new)
    base, labels = text_screening(complaint_text(complaint.title, complaint.details))
    suggestion = screen_with_signature(complaint, hv, base=base)
    near = duplicates.neighbours(complaint, hv, now)
    evidence = duplicates.mass_filing_evidence(
        complaint, hv, client_ip=ip, device_hash=device, now=now, near=near
    )
    root = duplicates.assign_group(complaint, hv, near)
    values = {
        "decision": suggestion.decision,
        "reason": suggestion.reason,
        "confidence": round(suggestion.confidence, 4),
        "top_terms": list(suggestion.top_terms),
        "rule": suggestion.rule,
        "scores": dict(suggestion.scores),
        "duplicate_of_id": suggestion.duplicate_of,
        "suggested_sector": labels.sector,
        "sector_confidence": labels.sector_confidence,
        "suggested_problem_types": list(labels.problem_types),
        "mass_filing": evidence,
        "has_mass_filing": bool(evidence),
        "model_version": load().version,
        "updated_at": now,
    }
    if root is not None:
        values["group_root"] = root
    if new:
        result = ScreeningResult(complaint=complaint, created_at=now, **values)
        result.save(force_insert=True)
    else:
        result, _ = ScreeningResult.objects.update_or_create(
            complaint=complaint, defaults=values, create_defaults={**values, "created_at": now}
        )
    if _auto_accept_allowed(result):
        complaint_id = complaint.pk
        transaction.on_commit(lambda: _auto_accept(complaint_id))
    return result


def _auto_accept_allowed(result: ScreeningResult) -> bool:
    conf = settings.TOUSU
    return bool(
        conf.get("AUTO_ACCEPT")
        and result.decision == ACCEPT
        and not result.rule
        and result.confidence >= float(conf.get("AUTO_ACCEPT_MIN_CONFIDENCE", 0.98))
        and not result.has_mass_filing
    )


def _auto_accept(complaint_id: int) -> None:
    """Accept as the platform, through the one door (after the submission has committed)."""
    from django.utils.translation import gettext_lazy as _

    from tousu.common.errors import DomainError
    from tousu.common.text import site_text
    from tousu.complaints.services import complaint_accept

    if not Complaint.objects.filter(pk=complaint_id, status=Status.PENDING_REVIEW).exists():
        return
    try:
        complaint_accept(
            complaint_id=complaint_id, actor=None, message=site_text(_("平台自动审核通过"))
        )
    except DomainError:
        logger.exception("automatic acceptance of complaint %s failed", complaint_id)
        return
    ScreeningResult.objects.filter(pk=complaint_id).update(auto_accepted=True)
