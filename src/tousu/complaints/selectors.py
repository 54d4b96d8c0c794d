"""Permission-checked reads of complaints. Views and API handlers fetch only through these."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import NotFound, PermissionDenied
from tousu.companies.models import CompanyMembership

from .models import Complaint, ComplaintEvent, Visibility
from .states import ACCEPTED_STATUSES, Status

PUBLIC_RELATED = ("company", "brand", "consumer")


def complaints_public() -> QuerySet[Complaint]:
    """Complaints anyone may read: accepted by review and not hidden."""
    return Complaint.objects.filter(
        visibility=Visibility.PUBLIC, status__in=[s.value for s in ACCEPTED_STATUSES]
    ).select_related(*PUBLIC_RELATED)


# Before review accepts a complaint the company does not see it (same rule as the inbox).
NOT_YET_FOR_MERCHANTS = frozenset({Status.PENDING_REVIEW, Status.REJECTED, Status.WITHDRAWN})


def can_see_private(user: User | None, complaint: Complaint) -> bool:
    """The consumer, moderators, the company's merchants once review accepted the complaint and
    mediators once it went to mediation see private fields and the original."""
    if user is None or not user.is_authenticated:
        return False
    if complaint.consumer_id == user.pk or user.role == Role.MODERATOR:
        return True
    if user.role == Role.MEDIATOR:
        return complaint.status == Status.MEDIATION or (
            complaint.events.filter(to_status=Status.MEDIATION).exists()
        )
    return (
        user.role == Role.MERCHANT
        and complaint.status not in NOT_YET_FOR_MERCHANTS
        and CompanyMembership.objects.filter(company_id=complaint.company_id, user=user).exists()
    )


def complaint_get_for_user(user: User | None, public_number: str) -> tuple[Complaint, bool]:
    """Return ``(complaint, private_access)``; 404 when the user may not see it at all."""
    complaint = (
        Complaint.objects.select_related(*PUBLIC_RELATED)
        .filter(public_number=(public_number or "").upper())
        .first()
    )
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    private = can_see_private(user, complaint)
    if private:
        return complaint, True
    if complaint.visibility == Visibility.PUBLIC and complaint.status in ACCEPTED_STATUSES:
        return complaint, False
    raise NotFound("找不到该投诉", code="complaint_not_found")


def complaint_events_visible(complaint: Complaint, private: bool) -> QuerySet[ComplaintEvent]:
    events = complaint.events.select_related("actor").prefetch_related("rating")
    return events if private else events.filter(is_public=True)


def complaints_of_consumer(user: User) -> QuerySet[Complaint]:
    return Complaint.objects.filter(consumer=user).select_related(*PUBLIC_RELATED)


def merchant_company_ids(user: User) -> list[int]:
    if user.role != Role.MERCHANT:
        raise PermissionDenied("只有商家账号可以查看企业收件箱", code="merchants_only")
    return list(CompanyMembership.objects.filter(user=user).values_list("company_id", flat=True))


def merchant_inbox(
    user: User,
    *,
    status: str | None = None,
    overdue: bool | None = None,
    company_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    due_within_hours: int | None = None,
) -> QuerySet[Complaint]:
    """Complaints assigned to the merchant's companies (never those still in review)."""
    company_ids = merchant_company_ids(user)
    qs = (
        Complaint.objects.filter(company_id__in=company_ids)
        .exclude(
            status__in=[Status.PENDING_REVIEW, Status.REJECTED, Status.WITHDRAWN, Status.UNASSIGNED]
        )
        .select_related(*PUBLIC_RELATED)
    )
    if company_id is not None:
        if company_id not in company_ids:
            raise PermissionDenied("您不是该企业的成员", code="not_a_member")
        qs = qs.filter(company_id=company_id)
    if status:
        qs = qs.filter(status=status)
    if overdue is not None:
        qs = qs.filter(is_overdue=overdue)
    if since:
        qs = qs.filter(submitted_at__gte=since)
    if until:
        qs = qs.filter(submitted_at__lt=until)
    if due_within_hours is not None:
        now = timezone.now()
        qs = qs.filter(
            status=Status.PROCESSING,
            reply_due_at__gte=now,
            reply_due_at__lt=now + timedelta(hours=due_within_hours),
        )
    return qs


def review_queue(user: User) -> QuerySet[Complaint]:
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以查看审核队列", code="moderators_only")
    return (
        Complaint.objects.filter(status=Status.PENDING_REVIEW)
        .select_related(*PUBLIC_RELATED)
        .order_by("submitted_at", "id")
    )


def mediation_queue(user: User) -> QuerySet[Complaint]:
    if user.role not in (Role.MEDIATOR, Role.MODERATOR):
        raise PermissionDenied("只有调解组织可以查看调解队列", code="mediators_only")
    return Complaint.objects.filter(status=Status.MEDIATION).select_related(*PUBLIC_RELATED)


def complaint_search_filter(
    qs: QuerySet[Complaint],
    *,
    status: str | None = None,
    company_id: int | None = None,
    sector: str | None = None,
) -> QuerySet[Complaint]:
    q = Q()
    if status:
        q &= Q(status=status)
    if company_id:
        q &= Q(company_id=company_id)
    if sector:
        q &= Q(company__sector=sector)
    return qs.filter(q)
