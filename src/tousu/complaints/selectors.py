"""Permission-checked reads of complaints. Views and API handlers fetch only through these."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Case, Count, DateTimeField, F, Q, QuerySet, When
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.calendar import add_working_days
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
    # the public read the stored public copy of each message (tousu.privacy.MessageCopy)
    return events if private else events.filter(is_public=True).select_related("public_copy")


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
    brand_id: int | None = None,
    due_soon: bool = False,
    order: str | None = None,
) -> QuerySet[Complaint]:
    """Complaints assigned to the merchant's companies (never those still in review).

    ``due_soon``: still processing and due within one working day (not yet overdue).
    ``order``: "due" (the running reply deadline, soonest first; the rest after) or "newest".
    """
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
    if brand_id is not None:
        qs = qs.filter(brand_id=brand_id)
    if due_soon:
        now = timezone.now()
        qs = qs.filter(
            status=Status.PROCESSING,
            reply_due_at__gte=now,
            reply_due_at__lte=add_working_days(now, 1),
        )
    if order == "due":
        # only a processing complaint has a running reply clock (reply_due_at stays set after
        # the reply); the others follow, newest first
        running = Case(
            When(status=Status.PROCESSING, then=F("reply_due_at")), output_field=DateTimeField()
        )
        qs = qs.alias(running_due=running).order_by(F("running_due").asc(nulls_last=True), "-id")
    elif order == "newest":
        qs = qs.order_by("-submitted_at", "-id")
    return qs


def merchant_complaint(user: User, public_number: str) -> Complaint:
    """A complaint of one of the merchant's companies, past review (403 for non-merchants, 404
    for anything else: another company's complaint is not even confirmed to exist)."""
    company_ids = merchant_company_ids(user)
    complaint = (
        Complaint.objects.select_related(*PUBLIC_RELATED)
        .filter(public_number=(public_number or "").upper(), company_id__in=company_ids)
        .exclude(status__in=[s.value for s in NOT_YET_FOR_MERCHANTS])
        .first()
    )
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def moderation_complaint(user: User, public_number: str) -> Complaint:
    """Any complaint, for moderators only (the audit view)."""
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以查看", code="moderators_only")
    complaint = (
        Complaint.objects.select_related(*PUBLIC_RELATED, "consumer_region")
        .filter(public_number=(public_number or "").upper())
        .first()
    )
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def review_queue(user: User) -> QuerySet[Complaint]:
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以查看审核队列", code="moderators_only")
    return (
        Complaint.objects.filter(status=Status.PENDING_REVIEW)
        .select_related(*PUBLIC_RELATED)
        .order_by("submitted_at", "id")
    )


def review_queue_neighbours(
    user: User, complaint: Complaint
) -> tuple[Complaint | None, Complaint | None]:
    """The pending complaints just before and after ``complaint`` in the review queue."""
    queue = review_queue(user).exclude(pk=complaint.pk)
    key = Q(submitted_at__lt=complaint.submitted_at) | Q(
        submitted_at=complaint.submitted_at, id__lt=complaint.pk
    )
    previous = queue.filter(key).order_by("-submitted_at", "-id").first()
    following = queue.exclude(key).first()
    return previous, following


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


# --- the public web pages ------------------------------------------------------------------
# Read functions of the public site (home, complaint list, company pages); the permission rule
# stays ``complaints_public`` / ``complaint_get_for_user`` above.

VALID_STATUSES = [s.value for s in ACCEPTED_STATUSES]


def complaint_hidden_reason(public_number: str) -> str | None:
    """The hide reason code of a complaint that was public until a moderator hid it, or None
    (no such complaint, or one the public never saw: in review, rejected, withdrawn)."""
    return (
        Complaint.objects.filter(
            public_number=(public_number or "").upper(),
            visibility=Visibility.HIDDEN,
            status__in=VALID_STATUSES,
        )
        .values_list("hidden_reason", flat=True)
        .first()
    )


def public_complaint_page(
    *,
    status: str | None = None,
    company_id: int | None = None,
    sector: str | None = None,
    before: int | None = None,
    size: int = 20,
) -> tuple[list[Complaint], int | None]:
    """One page of public complaints, newest first, keyset-paged on id.

    Returns the complaints and the cursor of the next page (``before=<id>``), None on the last.
    """
    qs = complaint_search_filter(
        complaints_public(), status=status, company_id=company_id, sector=sector
    )
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if has_more and rows else None)


def complaint_counters() -> dict[str, int]:
    """Site-wide counts: valid complaints (accepted by review, any visibility) and those the
    consumer confirmed as completed (incl. successful mediation; never ``auto_completed``)."""
    return Complaint.objects.filter(status__in=VALID_STATUSES).aggregate(
        valid=Count("id"), completed=Count("id", filter=Q(status=Status.COMPLETED))
    )


# Per-company metrics (valid complaints, rates, ratings, problem types) are read from the
# counters of ``tousu.metrics`` (``tousu.metrics.selectors``), never aggregated here.
