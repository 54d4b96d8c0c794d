"""What a complaint looks like to search.

``public_text`` is the ONE place the indexed text comes from: the privacy app's public copy,
so masked personal data is neither searchable nor shown in snippets.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tousu.complaints.models import Complaint, Demand, ProblemType, Visibility
from tousu.complaints.states import ACCEPTED_STATUSES

from .text import segment

PROBLEM_BITS: dict[str, int] = {value: 1 << i for i, value in enumerate(ProblemType.values)}
DEMAND_BITS: dict[str, int] = {value: 1 << i for i, value in enumerate(Demand.values)}


def public_text(complaint: Complaint) -> tuple[str, str]:
    """The title and details the public may read (and search): the only source of indexed
    text and of snippets. The privacy app's public copy (personal data masked)."""
    from tousu.privacy.selectors import public_text as privacy_public_text

    return privacy_public_text(complaint)


def mask(values: Any, bits: dict[str, int]) -> int:
    out = 0
    for value in values or []:
        out |= bits.get(str(value), 0)
    return out


def amount_cents(amount: Decimal | None) -> int | None:
    return None if amount is None else int((Decimal(amount) * 100).to_integral_value())


def document_fields(complaint: Complaint, *, sector: str) -> dict[str, Any]:
    """The ``SearchDocument`` columns for ``complaint`` (text segmented here)."""
    title, details = public_text(complaint)
    return {
        "company_id": complaint.company_id,
        "brand_id": complaint.brand_id,
        "sector": sector,
        "region_code": complaint.consumer_region_id or "",
        "status": complaint.status,
        "problem_mask": mask(complaint.problem_types, PROBLEM_BITS),
        "demand_mask": mask(complaint.demands, DEMAND_BITS),
        "submitted_ts": int(complaint.submitted_at.timestamp()),
        "amount_cents": amount_cents(complaint.amount),
        "has_reply": complaint.first_reply_at is not None,
        "is_overdue": complaint.is_overdue,
        "is_public": complaint.visibility == Visibility.PUBLIC
        and complaint.status in ACCEPTED_STATUSES,
        "title_tokens": segment(title),
        "body_tokens": segment(details),
    }
