"""Template helpers: status badges, SLA clocks, money."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tousu.complaints.models import Complaint
from tousu.complaints.sla import SlaClock, sla_clock
from tousu.complaints.states import Status

register = template.Library()

STATUS_TONES = {
    Status.PENDING_REVIEW: "neutral", Status.REJECTED: "muted", Status.UNASSIGNED: "neutral",
    Status.PROCESSING: "warn", Status.REPLIED: "info", Status.COMPLETION_REQUESTED: "info",
    Status.COMPLETED: "good", Status.AUTO_COMPLETED: "good-muted", Status.MEDIATION: "info",
    Status.CLOSED: "muted", Status.WITHDRAWN: "muted",
}


@register.simple_tag
def status_badge(status: str) -> SafeString:
    tone = STATUS_TONES.get(Status(status), "neutral")
    return format_html('<span class="badge badge-{}" data-status="{}">{}</span>', tone, status,
                       Status(status).label)


@register.simple_tag
def sla(complaint: Complaint) -> SlaClock | None:
    return sla_clock(complaint)


@register.filter
def yuan(amount: Decimal | None) -> str:
    if amount is None:
        return ""
    return f"¥{amount:,.2f}"


@register.filter
def public_title(complaint: Complaint) -> str:
    """The redacted title (tousu.privacy): what public lists show."""
    from tousu.privacy.selectors import public_title as title

    return title(complaint)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key)
