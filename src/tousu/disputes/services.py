"""Flags, contests, decisions and appeals (docs/adr/0017-flags-contests-appeals.md).

Every write checks the actor and the state first; a wrong state is a 409 ``Conflict``. A decision
that hides or un-hides the complaint goes through ``tousu.complaints.services`` (which records the
complaint's event); this module never writes the complaint's own fields. Every decision notifies
the affected parties with a ``dispute`` notification."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.companies.models import CompanyMembership, MemberRole
from tousu.complaints import services as complaint_services
from tousu.complaints.evidence import PreparedFile
from tousu.complaints.models import Complaint, Visibility
from tousu.complaints.states import ACCEPTED_STATUSES
from tousu.engagement.models import Notification

from .models import (
    CONTEST_HIDES,
    FLAG_HIDES,
    Appeal,
    Contest,
    ContestEvidence,
    ContestReason,
    Decision,
    Flag,
    FlagReason,
    Outcome,
    State,
)

MAX_CONTEST_FILES = 5


def _text(raw: str | None, field: str, label: str, max_len: int, *, required: bool) -> str:
    text = (raw or "").strip()
    if required and not text:
        raise ValidationFailed(f"请填写{label}", code="required", details={"field": field})
    if len(text) > max_len:
        raise ValidationFailed(
            f"{label}最多{max_len}字",
            code="too_long",
            details={"field": field, "max_length": max_len},
        )
    return text


def _choice(raw: str, allowed: Iterable[str], field: str, label: str) -> str:
    values = list(allowed)
    if raw not in values:
        raise ValidationFailed(
            f"请选择{label}", code="invalid_choice", details={"field": field, "allowed": values}
        )
    return raw


def _signed_in(user: User | None) -> User:
    if user is None or not user.is_authenticated or not user.is_active:
        raise PermissionDenied("请先登录", code="not_signed_in")
    return user


def _moderator(user: User) -> None:
    if user.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以处理举报与申诉", code="moderators_only")


def is_company_member(user: User, company_id: int) -> bool:
    """A merchant of the company who may act (read-only members may not)."""
    return (
        user.role == Role.MERCHANT
        and CompanyMembership.objects.filter(company_id=company_id, user=user)
        .exclude(role=MemberRole.VIEWER)
        .exists()
    )


def _complaint(public_number: str) -> Complaint:
    complaint = Complaint.objects.filter(public_number=public_number).first()
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def is_public(complaint: Complaint) -> bool:
    return complaint.visibility == Visibility.PUBLIC and complaint.status in ACCEPTED_STATUSES


# --- flags and contests -----------------------------------------------------------------------


def flag_create(*, user: User | None, public_number: str, reason: str, text: str = "") -> Flag:
    reporter = _signed_in(user)
    complaint = _complaint(public_number)
    if not is_public(complaint):
        raise NotFound("找不到该投诉", code="complaint_not_found")
    reason = _choice(reason, FlagReason.values, "reason", "举报原因")
    clean = _text(text, "text", "举报说明", 500, required=reason == FlagReason.OTHER)
    if Flag.objects.filter(complaint=complaint, reporter=reporter, state=State.OPEN).exists():
        raise Conflict("您已举报过该投诉，正在处理中", code="flag_open")
    try:
        with transaction.atomic():
            return Flag.objects.create(
                complaint=complaint, reporter=reporter, reason=reason, text=clean
            )
    except IntegrityError as exc:  # a concurrent second flag
        raise Conflict("您已举报过该投诉，正在处理中", code="flag_open") from exc


def contest_create(
    *,
    user: User | None,
    public_number: str,
    reason: str,
    text: str,
    files: Sequence[PreparedFile] = (),
) -> Contest:
    merchant = _signed_in(user)
    complaint = _complaint(public_number)
    if not is_company_member(merchant, complaint.company_id):
        raise PermissionDenied("只有被投诉企业的商家可以提出异议", code="not_company_member")
    if complaint.status not in ACCEPTED_STATUSES:
        raise Conflict("投诉通过审核后才能提出异议", code="not_accepted")
    reason = _choice(reason, ContestReason.values, "reason", "异议原因")
    clean = _text(text, "text", "异议说明", 2000, required=True)
    if len(files) > MAX_CONTEST_FILES:
        raise ValidationFailed(
            f"最多上传{MAX_CONTEST_FILES}个证据文件",
            code="too_many_files",
            details={"field": "evidence", "max_files": MAX_CONTEST_FILES},
        )
    if Contest.objects.filter(complaint=complaint, state=State.OPEN).exists():
        raise Conflict("该投诉已有待处理的异议", code="contest_open")
    from django.core.files.base import ContentFile

    try:
        with transaction.atomic():
            contest = Contest.objects.create(
                complaint=complaint,
                company_id=complaint.company_id,
                filed_by=merchant,
                reason=reason,
                text=clean,
            )
            for f in files:
                row = ContestEvidence(
                    contest=contest,
                    kind=f.kind,
                    content_type=f.content_type,
                    original_name=f.original_name[:200],
                    sha256=f.sha256,
                    size=len(f.content),
                )
                row.file.save(f"{f.sha256[:32]}.{f.ext}", ContentFile(f.content), save=False)
                row.save()
    except IntegrityError as exc:
        raise Conflict("该投诉已有待处理的异议", code="contest_open") from exc
    return contest


# --- who is affected --------------------------------------------------------------------------


def _company_members(company_id: int) -> list[User]:
    return list(
        User.objects.filter(
            memberships__company_id=company_id, role=Role.MERCHANT, is_active=True
        ).distinct()
    )


def affected_parties(decision: Decision) -> list[User]:
    """Who a decision concerns: for a flag the reporter and the complaint's consumer; for a
    contest the complaint's consumer and the company's merchants."""
    users: list[User] = []
    if decision.flag is not None:
        users = [decision.flag.reporter, decision.flag.complaint.consumer]
    elif decision.contest is not None:
        contest = decision.contest
        users = [contest.complaint.consumer, *_company_members(contest.company_id)]
    seen: set[int] = set()
    unique = []
    for u in users:
        if u.pk not in seen:
            seen.add(u.pk)
            unique.append(u)
    return unique


def may_appeal(user: User, decision: Decision) -> bool:
    if decision.flag is not None:
        return user.pk in (decision.flag.reporter_id, decision.flag.complaint.consumer_id)
    contest = decision.contest
    assert contest is not None
    return user.pk == contest.complaint.consumer_id or is_company_member(user, contest.company_id)


def _notify(users: Iterable[User], complaint: Complaint, title: str, body: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(user=u, complaint=complaint, kind="dispute", title=title, body=body)
            for u in users
        ]
    )


def _target_label(decision: Decision) -> str:
    return "举报" if decision.flag_id else "异议"


# --- decisions --------------------------------------------------------------------------------


def _hide_reason(decision_target: Flag | Contest) -> str | None:
    if isinstance(decision_target, Flag):
        return FLAG_HIDES.get(FlagReason(decision_target.reason))
    return CONTEST_HIDES.get(ContestReason(decision_target.reason))


def decide(*, moderator: User, kind: str, target_id: int, outcome: str, reason: str) -> Decision:
    """Uphold or dismiss an open flag or contest. An upheld privacy/abuse flag or an upheld
    fake/defamatory contest hides the complaint (through the complaint services)."""
    _moderator(moderator)
    if kind not in ("flag", "contest"):
        raise NotFound("找不到该记录", code="dispute_not_found")
    outcome = _choice(outcome, Outcome.values, "outcome", "处理结果")
    why = _text(reason, "reason", "处理理由", 1000, required=True)
    model: type[Flag] | type[Contest] = Flag if kind == "flag" else Contest
    with transaction.atomic():
        target = model.objects.select_for_update().filter(pk=target_id).first()
        if target is None:
            raise NotFound("找不到该记录", code="dispute_not_found")
        if target.state != State.OPEN:
            raise Conflict("该记录已处理", code="already_decided")
        complaint = target.complaint
        hid = False
        hide_reason = _hide_reason(target)
        if outcome == Outcome.UPHELD and hide_reason and complaint.visibility == Visibility.PUBLIC:
            complaint = complaint_services.complaint_hide(
                complaint_id=complaint.pk, actor=moderator, reason=hide_reason, message=why[:200]
            )
            hid = True
        target.state = outcome  # status-write-ok: Flag/Contest (their own state)
        target.save(update_fields=["state"])
        decision = Decision.objects.create(
            flag=target if isinstance(target, Flag) else None,
            contest=target if isinstance(target, Contest) else None,
            moderator=moderator,
            outcome=outcome,
            reason=why,
            hid_complaint=hid,
        )
        label = _target_label(decision)
        verdict = "成立" if outcome == Outcome.UPHELD else "不成立"
        body = f"处理理由：{why}"
        if hid:
            body += "\n该投诉已被隐藏。"
        appeal_url = reverse("web:dispute_appeal", args=[decision.pk])
        body += f"\n如对结果有异议，可提出一次复核申请：{appeal_url}"
        _notify(
            affected_parties(decision),
            complaint,
            f"投诉 {complaint.public_number} 的{label}处理结果：{verdict}",
            body,
        )
    return decision


def decision_get(user: User, decision_id: int) -> Decision:
    decision = (
        Decision.objects.select_related(
            "flag__complaint", "flag__reporter", "contest__complaint", "moderator"
        )
        .filter(pk=decision_id)
        .first()
    )
    if decision is None:
        raise NotFound("找不到该处理结果", code="decision_not_found")
    if user.role != Role.MODERATOR and not may_appeal(user, decision):
        raise PermissionDenied("只有相关当事人可以查看", code="not_affected")
    return decision


def appeal_create(*, user: User | None, decision_id: int, text: str) -> Appeal:
    appellant = _signed_in(user)
    decision = decision_get(appellant, decision_id)
    if not may_appeal(appellant, decision):
        raise PermissionDenied("只有相关当事人可以申请复核", code="not_affected")
    clean = _text(text, "text", "复核理由", 2000, required=True)
    if Appeal.objects.filter(decision=decision).exists():
        raise Conflict("每个处理结果只能申请一次复核", code="appeal_exists")
    try:
        with transaction.atomic():
            return Appeal.objects.create(decision=decision, appellant=appellant, text=clean)
    except IntegrityError as exc:
        raise Conflict("每个处理结果只能申请一次复核", code="appeal_exists") from exc


def appeal_decide(*, moderator: User, appeal_id: int, outcome: str, reason: str) -> Appeal:
    """A moderator other than the one who decided upholds or dismisses the appeal. Upholding
    reverses the decision: a hidden complaint is shown again, a dismissed flag or contest that
    would have hidden the complaint now hides it."""
    _moderator(moderator)
    outcome = _choice(outcome, Outcome.values, "outcome", "复核结果")
    why = _text(reason, "reason", "复核理由", 1000, required=True)
    with transaction.atomic():
        appeal = (
            Appeal.objects.select_for_update(of=("self",))
            .select_related("decision__flag", "decision__contest")
            .filter(pk=appeal_id)
            .first()
        )
        if appeal is None:
            raise NotFound("找不到该复核申请", code="appeal_not_found")
        if appeal.state != State.OPEN:
            raise Conflict("该复核申请已处理", code="already_decided")
        decision = appeal.decision
        if decision.moderator_id == moderator.pk:
            raise PermissionDenied("复核须由另一位审核员处理", code="same_moderator")
        target: Flag | Contest | None = decision.flag or decision.contest
        assert target is not None
        complaint = target.complaint
        note = ""
        if outcome == Outcome.UPHELD:
            if decision.hid_complaint and complaint.visibility == Visibility.HIDDEN:
                complaint = complaint_services.complaint_unhide(
                    complaint_id=complaint.pk, actor=moderator, message=why[:200]
                )
                note = "\n该投诉已恢复公开。"
            elif decision.outcome == Outcome.DISMISSED:
                hide_reason = _hide_reason(target)
                if hide_reason and complaint.visibility == Visibility.PUBLIC:
                    complaint = complaint_services.complaint_hide(
                        complaint_id=complaint.pk,
                        actor=moderator,
                        reason=hide_reason,
                        message=why[:200],
                    )
                    note = "\n该投诉已被隐藏。"
            target.state = (  # status-write-ok: Flag/Contest (their own state)
                State.DISMISSED if decision.outcome == Outcome.UPHELD else State.UPHELD
            )
            target.save(update_fields=["state"])
        appeal.state = outcome  # status-write-ok: Appeal (its own state)
        appeal.decided_by = moderator
        appeal.reason = why
        appeal.decided_at = timezone.now()
        appeal.save(update_fields=["state", "decided_by", "reason", "decided_at"])
        parties = affected_parties(decision)
        if appeal.appellant_id not in {u.pk for u in parties}:
            parties.append(appeal.appellant)
        verdict = (
            "成立，原处理结果已撤销" if outcome == Outcome.UPHELD else "不成立，维持原处理结果"
        )
        _notify(
            parties,
            complaint,
            f"投诉 {complaint.public_number} 的复核结果：{verdict}",
            f"复核理由：{why}{note}\n复核结果为最终结果。",
        )
    return appeal


# --- the moderators' queue --------------------------------------------------------------------


def open_queue(user: User) -> dict[str, list[Any]]:
    _moderator(user)
    return {
        "flags": list(
            Flag.objects.filter(state=State.OPEN).select_related("complaint", "reporter")
        ),
        "contests": list(
            Contest.objects.filter(state=State.OPEN)
            .select_related("complaint", "company", "filed_by")
            .prefetch_related("evidence")
        ),
        "appeals": list(
            Appeal.objects.filter(state=State.OPEN).select_related(
                "appellant",
                "decision__moderator",
                "decision__flag__complaint",
                "decision__contest__complaint",
            )
        ),
    }
