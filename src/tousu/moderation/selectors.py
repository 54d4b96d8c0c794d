"""What moderators read: screening results, duplicate groups, mass-filing flags.

Only moderators: the evidence names accounts, addresses and unreviewed complaints.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, QuerySet

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, PermissionDenied
from tousu.companies.models import Sector
from tousu.complaints.models import Complaint, RejectionReason

from .models import ScreeningResult

REASON_CODES = {
    "not_consumer_dispute",
    "spam",
    "insult",
    "no_company",
    "duplicate",
    "too_old",
    "insufficient",
}


def _moderators_only(user: User) -> None:
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以查看审核建议", code="moderators_only")


def screening_for(user: User, complaint: Complaint) -> ScreeningResult | None:
    _moderators_only(user)
    return ScreeningResult.objects.filter(pk=complaint.pk).first()


def screening_by_number(user: User, number: str) -> ScreeningResult:
    _moderators_only(user)
    complaint = Complaint.objects.filter(public_number=number.upper()).first()
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    result = ScreeningResult.objects.filter(pk=complaint.pk).first()
    if result is None:
        raise NotFound("该投诉没有审核建议", code="screening_not_found")
    return result


def groups(user: User, *, min_size: int = 2) -> list[dict[str, Any]]:
    """Groups of near-identical complaints by different consumers against one company,
    biggest first (the seed of group complaints)."""
    _moderators_only(user)
    rows = list(
        ScreeningResult.objects.filter(group_root__isnull=False)
        .values("group_root")
        .annotate(size=Count("pk"), latest=Max("complaint__submitted_at"))
        .filter(size__gte=min_size)
        .order_by("-size", "-latest")[:200]
    )
    roots = {
        c.pk: c
        for c in Complaint.objects.filter(pk__in=[r["group_root"] for r in rows]).select_related(
            "company"
        )
    }
    return [
        {"root": roots[r["group_root"]], "size": r["size"], "latest": r["latest"]}
        for r in rows
        if r["group_root"] in roots
    ]


def group_members(user: User, root: int) -> QuerySet[Complaint]:
    _moderators_only(user)
    members = Complaint.objects.filter(screening__group_root=root).select_related(
        "company", "consumer", "screening"
    )
    if not members.exists():
        raise NotFound("找不到该组投诉", code="group_not_found")
    return members.order_by("submitted_at", "id")


def group_sizes(roots: list[int]) -> dict[int, int]:
    """Members per group (for queue badges; the caller has checked the role)."""
    rows = (
        ScreeningResult.objects.filter(group_root__in=roots)
        .values("group_root")
        .annotate(n=Count("pk"))
        .values_list("group_root", "n")
    )
    return {int(root): int(n) for root, n in rows if root is not None}


def reason_label(code: str) -> str:
    if code in RejectionReason.values:
        return str(RejectionReason(code).label)
    return code


def sector_label(code: str) -> str:
    return str(Sector(code).label) if code in Sector.values else ""
