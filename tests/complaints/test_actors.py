"""Who may act on a complaint: company roles and the platform's assignment rule."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, PermissionDenied
from tousu.companies.models import Company, CompanyMembership, MemberRole
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.states import Actor, Status

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 11, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_a_read_only_member_cannot_answer_for_the_company(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    make_user: Callable[..., User],
) -> None:
    viewer = make_user(Role.MERCHANT, nickname="只读成员")
    CompanyMembership.objects.create(company=company, user=viewer, role=MemberRole.VIEWER)
    c = file_complaint(company, T0)
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0)
    c.refresh_from_db()
    assert services.actor_kind(viewer, c) == set()
    assert services.actor_kind(merchant, c) == {Actor.MERCHANT}
    events = ComplaintEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.complaint_reply(complaint_id=c.pk, actor=viewer, message="已退款", now=T0)
    services.complaint_reply(complaint_id=c.pk, actor=merchant, message="已退款", now=T0)
    with pytest.raises(PermissionDenied):
        services.complaint_reply(complaint_id=c.pk, actor=viewer, message="再补充", now=T0)
    with pytest.raises(PermissionDenied):
        services.complaint_request_completion(complaint_id=c.pk, actor=viewer, now=T0)
    assert ComplaintEvent.objects.count() == events + 1
    c.refresh_from_db()
    assert c.status == Status.REPLIED


def test_the_platform_assigns_only_to_a_reachable_company(
    file_complaint: Callable[..., Complaint],
    other_company: Company,
    moderator: User,
    make_user: Callable[..., User],
) -> None:
    c = file_complaint(other_company, T0)
    services.complaint_accept(complaint_id=c.pk, actor=moderator, now=T0)
    c.refresh_from_db()
    assert c.status == Status.UNASSIGNED
    with pytest.raises(Conflict) as info:
        services.complaint_assign(complaint_id=c.pk, now=T0)
    assert info.value.code == "company_unreachable"
    c.refresh_from_db()
    assert (c.status, c.assigned_at, c.reply_due_at) == (Status.UNASSIGNED, None, None)
    agent = make_user(Role.MERCHANT, nickname="新客服")
    CompanyMembership.objects.create(company=other_company, user=agent, role=MemberRole.AGENT)
    services.complaint_assign(complaint_id=c.pk, now=T0)
    c.refresh_from_db()
    assert (c.status, c.assigned_at) == (Status.PROCESSING, T0)
    with pytest.raises(Conflict) as info:  # once only
        services.complaint_assign(complaint_id=c.pk, now=T0)
    assert info.value.code == "illegal_transition"
