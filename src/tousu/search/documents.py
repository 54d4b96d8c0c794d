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
    return document_values(
        company_id=complaint.company_id,
        brand_id=complaint.brand_id,
        sector=sector,
        region_code=complaint.consumer_region_id or "",
        status=complaint.status,
        problem_types=complaint.problem_types,
        demands=complaint.demands,
        submitted_ts=int(complaint.submitted_at.timestamp()),
        amount=complaint.amount,
        has_reply=complaint.first_reply_at is not None,
        is_overdue=complaint.is_overdue,
        visibility=complaint.visibility,
        public_title=title,
        public_details=details,
    )


def document_values(
    *,
    company_id: int,
    brand_id: int | None,
    sector: str,
    region_code: str,
    status: str,
    problem_types: Any,
    demands: Any,
    submitted_ts: int,
    amount: Decimal | None,
    has_reply: bool,
    is_overdue: bool,
    visibility: str,
    public_title: str,
    public_details: str,
) -> dict[str, Any]:
    """The columns from plain values, keys in ``DOCUMENT_COLUMNS`` order (the listener, through
    ``document_fields``)."""
    return dict(
        zip(
            DOCUMENT_COLUMNS,
            document_row(
                company_id,
                brand_id,
                sector,
                region_code,
                status,
                mask(problem_types, PROBLEM_BITS),
                mask(demands, DEMAND_BITS),
                submitted_ts,
                amount_cents(amount),
                has_reply,
                is_overdue,
                visibility,
                public_title,
                public_details,
            ),
            strict=True,
        )
    )


def document_row(
    company_id: int,
    brand_id: int | None,
    sector: str,
    region_code: str,
    status: str,
    problem_mask: int,
    demand_mask: int,
    submitted_ts: int,
    amount_cents: int | None,
    has_reply: bool,
    is_overdue: bool,
    visibility: str,
    public_title: str,
    public_details: str,
) -> tuple[Any, ...]:
    """The ``DOCUMENT_COLUMNS`` values in order: the one definition shared by the listener
    (``document_values``) and the bulk rebuild (``index.rebuild_all``), which reads column
    values without making model instances and passes the masks it decoded once per distinct
    JSON text."""
    return (
        company_id,
        brand_id,
        sector,
        region_code,
        status,
        problem_mask,
        demand_mask,
        submitted_ts,
        amount_cents,
        has_reply,
        is_overdue,
        visibility == Visibility.PUBLIC and status in ACCEPTED_STATUSES,
        segment(public_title),
        segment(public_details),
    )


DOCUMENT_COLUMNS = (
    "company_id",
    "brand_id",
    "sector",
    "region_code",
    "status",
    "problem_mask",
    "demand_mask",
    "submitted_ts",
    "amount_cents",
    "has_reply",
    "is_overdue",
    "is_public",
    "title_tokens",
    "body_tokens",
)
