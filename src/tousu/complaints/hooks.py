"""In-transaction listeners for timeline events.

Every change to a complaint writes exactly one ``ComplaintEvent`` through
``services._record``; read models that must never drift from the complaints (the search
index, the per-company metric counters) register a listener here from their app's
``ready()``. A listener runs inside the same database transaction as the change: if it
raises, the change is rolled back with it, so a read model can never miss an accepted
change or hold one that did not commit. Side effects outside the database (notifications,
webhooks) do not belong here; they run on commit (``services._after_commit``).

Bulk writers that bypass the services (importers, the benchmark generator) rebuild the
read models afterwards with their rebuild commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tousu.complaints.models import Complaint, ComplaintEvent

Listener = Callable[["ComplaintEvent"], None]

_listeners: list[Listener] = []


def register(listener: Listener) -> Listener:
    """Add a listener (idempotent: registering the same function twice keeps one)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def dispatch(event: ComplaintEvent) -> None:
    """Called by ``services._record`` right after the event row is written."""
    for listener in list(_listeners):
        listener(event)


BulkListener = Callable[[list[int]], None]

_bulk_listeners: list[BulkListener] = []


def register_bulk(listener: BulkListener) -> BulkListener:
    """Add a listener for complaints written in bulk with their whole timelines (imported
    histories); it gets the complaint ids, inside the importing transaction."""
    if listener not in _bulk_listeners:
        _bulk_listeners.append(listener)
    return listener


def dispatch_bulk(complaint_ids: list[int]) -> None:
    for listener in list(_bulk_listeners):
        listener(complaint_ids)


DuplicateFinder = Callable[[int, int, str, str, "int | None"], "Complaint | None"]

_duplicate_finders: list[DuplicateFinder] = []


def register_duplicate_finder(finder: DuplicateFinder) -> DuplicateFinder:
    """Add a finder of near-duplicates: ``finder(consumer_id, company_id, title, details,
    exclude_id)`` returns a complaint the text repeats, or None. ``complaint_submit`` and
    ``complaint_resubmit`` refuse a text that repeats the consumer's own OPEN complaint against
    the same company; exact repeats are caught by ``content_hash`` before any finder runs."""
    if finder not in _duplicate_finders:
        _duplicate_finders.append(finder)
    return finder


def find_duplicate(
    *, consumer_id: int, company_id: int, title: str, details: str, exclude_id: int | None = None
) -> Complaint | None:
    for finder in list(_duplicate_finders):
        found = finder(consumer_id, company_id, title, details, exclude_id)
        if found is not None:
            return found
    return None


TextPreparer = Callable[[str, str], None]

_text_preparers: list[TextPreparer] = []


def register_text_preparer(preparer: TextPreparer) -> TextPreparer:
    """Add a function of a complaint's ``(title, details)`` alone that a listener will need
    (signatures, model scores…). ``complaint_submit`` calls it before opening its write
    transaction so that the work is done, and remembered by the preparer's app, outside the
    write lock (SQLite has one writer at a time); the listener must give the same result
    whether or not it ran. It must not write anything."""
    if preparer not in _text_preparers:
        _text_preparers.append(preparer)
    return preparer


def prepare_text(title: str, details: str) -> None:
    for preparer in list(_text_preparers):
        preparer(title, details)
