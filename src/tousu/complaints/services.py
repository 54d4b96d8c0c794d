"""Complaint services: one function per transition, the only code that writes ``status``.

Each transition locks the row, checks ``states.EDGES`` for the action, the current status and the
actor, writes exactly one ``ComplaintEvent``, saves with ``update_fields`` and schedules side
effects (notifications) on commit. Illegal transitions raise ``IllegalTransition`` (HTTP 409) and
change nothing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.calendar import add_working_days
from tousu.common.errors import (
    Conflict,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from tousu.common.ids import new_public_number
from tousu.common.text import normalize_text, site_text
from tousu.companies.models import Company, CompanyMembership, MemberRole, Region
from tousu.companies.services import company_is_reachable, company_resolve_or_create

from .evidence import PreparedFile, store_evidence
from .models import (
    Complaint,
    ComplaintEvent,
    Demand,
    EventKind,
    HideReason,
    IdempotencyKey,
    ProblemType,
    Rating,
    RejectionReason,
    Visibility,
)
from .states import Action, Actor, Status, allowed_targets, edges_for

MAX_AMOUNT = Decimal("1000000000")
logger = logging.getLogger(__name__)


def _conf(key: str) -> Any:
    return settings.TOUSU[key]


# --- who is acting -----------------------------------------------------------


def actor_kind(user: User | None, complaint: Complaint) -> set[Actor]:
    """The actor roles ``user`` holds towards ``complaint`` (None means the platform)."""
    if user is None:
        return {Actor.SYSTEM}
    kinds: set[Actor] = set()
    if complaint.consumer_id == user.pk:
        kinds.add(Actor.CONSUMER)
    if user.role == Role.MODERATOR:
        kinds.add(Actor.MODERATOR)
    if user.role == Role.MEDIATOR:
        kinds.add(Actor.MEDIATOR)
    if (
        user.role == Role.MERCHANT
        and CompanyMembership.objects.filter(company_id=complaint.company_id, user=user)
        .exclude(role=MemberRole.VIEWER)  # read-only members see the case but do not act
        .exists()
    ):
        kinds.add(Actor.MERCHANT)
    return kinds


def _lock(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound("找不到该投诉", code="complaint_not_found")
    return complaint


def _check(
    complaint: Complaint, action: Action, user: User | None, target: Status | None = None
) -> tuple[Status, Actor]:
    """Return (target status, acting role) or raise 403 / 409 without changing anything."""
    kinds = actor_kind(user, complaint)
    edges = [e for e in edges_for(action, complaint.status) if target is None or e.target == target]
    allowed_everywhere = {a for e in _all_edges(action) for a in e.actors}
    role = next(
        (
            k
            for k in (Actor.SYSTEM, Actor.MODERATOR, Actor.MEDIATOR, Actor.MERCHANT, Actor.CONSUMER)
            if k in kinds and k in allowed_everywhere
        ),
        None,
    )
    if role is None:
        raise PermissionDenied(
            "您无权对该投诉执行此操作",
            code="not_allowed_for_actor",
            details={"action": str(action)},
        )
    if not edges:
        raise IllegalTransition(
            f"投诉当前状态为「{Status(complaint.status).label}」，不能「{Action(action).label}」",
            details={"action": str(action), "status": complaint.status},
        )
    targets = allowed_targets(action, complaint.status, role)
    if not targets:
        raise PermissionDenied(
            "您无权对该投诉执行此操作",
            code="not_allowed_for_actor",
            details={"action": str(action)},
        )
    chosen = target if target is not None else next(iter(targets))
    return chosen, role


def _all_edges(action: Action) -> list[Any]:
    from .states import EDGES

    return [e for e in EDGES if e.action == action]


def _record(
    complaint: Complaint,
    *,
    kind: str,
    actor: User | None,
    actor_role: str,
    action: str = "",
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    message: str = "",
    payload: dict[str, Any] | None = None,
    is_public: bool = True,
    now: datetime | None = None,
) -> ComplaintEvent:
    event = ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        action=action,
        actor=actor,
        actor_role=actor_role,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        message=message,
        payload=payload or {},
        is_public=is_public,
        created_at=now or timezone.now(),
    )
    from tousu.complaints.hooks import dispatch

    dispatch(event)
    transaction.on_commit(lambda: _after_commit(event))
    return event


def _after_commit(event: ComplaintEvent) -> None:
    """Side effects of a timeline event: notifications, then the company's webhooks (a webhook
    problem is logged and never fails the action that wrote the event)."""
    _notify(event.pk)
    try:
        from tousu.merchants.webhooks import webhooks_for_event

        webhooks_for_event(event)
    except Exception:
        logger.exception("webhooks for event %s failed", event.pk)


def _notify(event_id: int) -> None:
    from tousu.engagement.tasks import notify_event

    notify_event.enqueue(event_id)


def _transition(
    complaint: Complaint,
    *,
    action: Action,
    actor: User | None,
    target: Status | None = None,
    reason: str = "",
    message: str = "",
    payload: dict[str, Any] | None = None,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> ComplaintEvent:
    """Check the table, move ``complaint`` to the target status and write one event."""
    now = now or timezone.now()
    to_status, role = _check(complaint, action, actor, target)
    from_status = complaint.status
    fields = {"status": to_status, "updated_at": now, **(changes or {})}
    if complaint.is_overdue and to_status != Status.PROCESSING:
        # "overdue" describes a reply clock that is running; it stops when the case leaves
        # processing (the overdue event stays on the timeline).
        fields.setdefault("is_overdue", False)
    for name, value in fields.items():
        setattr(complaint, name, value)
    complaint.save(update_fields=list(fields))
    return _record(
        complaint,
        kind=EventKind.TRANSITION,
        actor=actor,
        actor_role=str(role),
        action=str(action),
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        message=message,
        payload=payload,
        now=now,
    )


def _require_text(text: str, field_name: str, label: str, max_len: int = 5000) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(f"请填写{label}", code="required", details={"field": field_name})
    if len(text) > max_len:
        raise ValidationFailed(
            f"{label}不能超过{max_len}个字",
            code="too_long",
            details={"field": field_name, "max": max_len},
        )
    return text


# --- submission ----------------------------------------------------------------


@dataclass
class ComplaintInput:
    title: str
    details: str
    company_id: int | None = None
    company_name: str = ""
    brand_id: int | None = None
    problem_types: list[str] = field(default_factory=list)
    problem_other: str = ""
    demands: list[str] = field(default_factory=list)
    demand_other: str = ""
    amount: str | Decimal | None = None
    order_number: str = ""
    purchase_date: date | None = None
    consumer_region: str | None = None
    show_nickname: bool = False


def validate_amount(raw: str | Decimal | None) -> Decimal | None:
    if raw is None or raw == "":
        return None
    try:
        amount = Decimal(str(raw).replace(",", "").strip())
    except InvalidOperation as exc:
        raise ValidationFailed(
            "涉诉金额应为数字，例如 199.00", code="invalid_amount", details={"field": "amount"}
        ) from exc
    if not amount.is_finite():
        raise ValidationFailed(
            "涉诉金额应为数字", code="invalid_amount", details={"field": "amount"}
        )
    if amount < 0:
        raise ValidationFailed(
            "涉诉金额不能为负数", code="invalid_amount", details={"field": "amount"}
        )
    if amount > MAX_AMOUNT:
        raise ValidationFailed(
            "涉诉金额不能超过10亿元", code="invalid_amount", details={"field": "amount"}
        )
    if amount.as_tuple().exponent < -2:  # type: ignore[operator]
        raise ValidationFailed(
            "涉诉金额最多两位小数", code="invalid_amount", details={"field": "amount"}
        )
    return amount.quantize(Decimal("0.01"))


def _validate_choices(
    values: Sequence[str], allowed: list[str], field_name: str, label: str
) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValidationFailed(
            f"{label}不在可选范围内：{'、'.join(bad)}",
            code="invalid_choice",
            details={"field": field_name, "invalid": bad},
        )
    return list(dict.fromkeys(values))


def content_hash_for(company_id: int, title: str, details: str) -> str:
    text = f"{company_id}\n{normalize_text(title)}\n{normalize_text(details)}"
    return hashlib.sha256(text.encode()).hexdigest()


def _clean_input(data: ComplaintInput, consumer: User) -> dict[str, Any]:
    title = _require_text(data.title, "title", "投诉标题", 80)
    if len(title) < 4:
        raise ValidationFailed("投诉标题至少4个字", code="too_short", details={"field": "title"})
    details = _require_text(data.details, "details", "投诉详情", 5000)
    if len(details) < 10:
        raise ValidationFailed(
            "投诉详情至少10个字，请描述发生了什么", code="too_short", details={"field": "details"}
        )
    problem_types = _validate_choices(
        data.problem_types, ProblemType.values, "problem_types", "投诉问题"
    )
    demands = _validate_choices(data.demands, Demand.values, "demands", "投诉要求")
    if not problem_types and not data.problem_other.strip():
        raise ValidationFailed(
            "请至少选择一个投诉问题或填写其他问题",
            code="required",
            details={"field": "problem_types"},
        )
    if not demands and not data.demand_other.strip():
        raise ValidationFailed(
            "请至少选择一个投诉要求或填写其他要求", code="required", details={"field": "demands"}
        )
    amount = validate_amount(data.amount)
    order_number = (data.order_number or "").strip()
    if len(order_number) > 64:
        raise ValidationFailed(
            "订单号不能超过64个字符", code="too_long", details={"field": "order_number"}
        )
    today = timezone.localdate()
    if data.purchase_date:
        if data.purchase_date > today:
            raise ValidationFailed(
                "购买日期不能晚于今天", code="invalid_date", details={"field": "purchase_date"}
            )
        if (today - data.purchase_date).days > _conf("MAX_COMPLAINT_AGE_DAYS"):
            raise ValidationFailed(
                "超过3年的消费纠纷不予受理", code="too_old", details={"field": "purchase_date"}
            )
    region = None
    if data.consumer_region:
        region = Region.objects.filter(code=data.consumer_region).first()
        if region is None:
            raise ValidationFailed(
                "所在地区代码无效", code="invalid_region", details={"field": "consumer_region"}
            )
    brand = None
    if data.company_id:
        company = Company.objects.filter(pk=data.company_id).first()
        if company is None:
            raise ValidationFailed(
                "找不到所选企业", code="invalid_company", details={"field": "company_id"}
            )
    elif data.company_name.strip():
        company, brand = company_resolve_or_create(name=data.company_name, user=consumer)
    else:
        raise ValidationFailed(
            "请选择或填写被投诉企业", code="required", details={"field": "company_id"}
        )
    if data.brand_id:
        brand = company.brands.filter(pk=data.brand_id).first()
        if brand is None:
            raise ValidationFailed(
                "所选品牌不属于该企业", code="invalid_brand", details={"field": "brand_id"}
            )
    return {
        "title": title,
        "details": details,
        "company": company,
        "brand": brand,
        "problem_types": problem_types,
        "problem_other": data.problem_other.strip()[:100],
        "demands": demands,
        "demand_other": data.demand_other.strip()[:100],
        "amount": amount,
        "order_number": order_number,
        "purchase_date": data.purchase_date,
        "consumer_region": region,
        "show_nickname": bool(data.show_nickname),
    }


def complaint_submit(
    *,
    consumer: User,
    data: ComplaintInput,
    files: Sequence[PreparedFile] = (),
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> tuple[Complaint, bool]:
    """File a complaint with its evidence in one transaction.

    Returns ``(complaint, created)``; a retry with the same ``Idempotency-Key`` returns the first
    complaint and ``created=False``.
    """
    if idempotency_key:
        idempotency_key = idempotency_key.strip()[:100]
        existing = IdempotencyKey.objects.filter(user=consumer, key=idempotency_key).first()
        if existing:
            return existing.complaint, False
    if consumer.role != Role.CONSUMER:
        raise PermissionDenied("只有消费者账号可以发起投诉", code="consumers_only")
    now = now or timezone.now()
    _prepare_text(data)
    try:
        with transaction.atomic():
            # inside the transaction: a company typed by name is created here and must roll
            # back with the complaint when a later check refuses the submission
            cleaned = _clean_input(data, consumer)
            if len(files) > _conf("EVIDENCE_MAX_FILES"):
                raise ValidationFailed(
                    f"最多上传{_conf('EVIDENCE_MAX_FILES')}个证据文件",
                    code="too_many_files",
                    details={"field": "evidence"},
                )
            chash = content_hash_for(cleaned["company"].pk, cleaned["title"], cleaned["details"])
            dup = Complaint.objects.filter(
                consumer=consumer,
                company=cleaned["company"],
                content_hash=chash,
                status__in=[s.value for s in _open_statuses()],
            ).first()
            if dup is None:
                dup = _near_duplicate(
                    consumer.pk, cleaned["company"].pk, cleaned["title"], cleaned["details"]
                )
            if dup is not None:
                raise Conflict(
                    "您已就相同内容投诉过该企业，且投诉尚未结束",
                    code="duplicate_open_complaint",
                    details={"public_number": dup.public_number},
                )
            complaint = Complaint(
                consumer=consumer,
                content_hash=chash,
                created_at=now,
                updated_at=now,
                submitted_at=now,
                # in UTC, as the database gives it back: the object returned is what a read says
                review_due_at=add_working_days(now, _conf("REVIEW_SLA_WORKING_DAYS")).astimezone(
                    UTC
                ),
                **cleaned,
            )
            _save_with_unique_number(complaint)
            _record(
                complaint,
                kind=EventKind.SUBMITTED,
                actor=consumer,
                actor_role=Actor.CONSUMER,
                to_status=Status.PENDING_REVIEW,
                now=now,
            )
            store_evidence(complaint=complaint, files=files, user=consumer)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=consumer, key=idempotency_key, complaint=complaint
                )
    except IntegrityError:
        if idempotency_key:
            existing = IdempotencyKey.objects.filter(user=consumer, key=idempotency_key).first()
            if existing:  # a concurrent retry won the race
                return existing.complaint, False
        raise
    return complaint, True


def _prepare_text(data: ComplaintInput) -> None:
    """Text work of the listeners (signatures, screening model, redaction), done before the
    write transaction (``hooks.register_text_preparer``); invalid text is left to
    ``_clean_input`` to refuse inside it."""
    from tousu.complaints import hooks

    title, details = (data.title or "").strip(), (data.details or "").strip()
    if 4 <= len(title) <= 80 and 10 <= len(details) <= 5000:
        hooks.prepare_text(title, details)


def _near_duplicate(
    consumer_id: int, company_id: int, title: str, details: str, exclude_id: int | None = None
) -> Complaint | None:
    """The consumer's own open complaint against the company that this text nearly repeats
    (the finders registered in ``hooks``, e.g. the moderation app's MinHash index)."""
    from tousu.complaints import hooks

    found = hooks.find_duplicate(
        consumer_id=consumer_id,
        company_id=company_id,
        title=title,
        details=details,
        exclude_id=exclude_id,
    )
    if found is not None and found.status in {s.value for s in _open_statuses()}:
        return found
    return None


def _open_statuses() -> frozenset[Status]:
    from .states import OPEN_STATUSES

    return OPEN_STATUSES


def _save_with_unique_number(complaint: Complaint) -> None:
    for _ in range(5):
        try:
            with transaction.atomic():
                complaint.save(force_insert=True)
            return
        except IntegrityError:
            if Complaint.objects.filter(public_number=complaint.public_number).exists():
                complaint.public_number = new_public_number()
                complaint.pk = None
                continue
            raise
    raise RuntimeError("could not allocate a unique public number")


# --- review --------------------------------------------------------------------


def _assignment_changes(complaint: Complaint, now: datetime) -> dict[str, Any]:
    return {
        "assigned_at": now,
        "reply_due_at": add_working_days(now, _conf("REPLY_SLA_WORKING_DAYS")),
        "is_overdue": False,
    }


def complaint_accept(
    *, complaint_id: int, actor: User | None, message: str = "", now: datetime | None = None
) -> Complaint:
    """A moderator accepts a complaint; ``actor=None`` is the platform (the moderation app's
    automatic acceptance of clean, high-confidence complaints, when ``TOUSU_AUTO_ACCEPT`` is on).
    """
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        reachable = company_is_reachable(complaint.company)
        target = Status.PROCESSING if reachable else Status.UNASSIGNED
        changes: dict[str, Any] = {
            "accepted_at": now,
            "visibility": Visibility.PUBLIC,
            "rejection_reason": "",
            "rejection_message": "",
        }
        if reachable:
            changes.update(_assignment_changes(complaint, now))
        _transition(
            complaint,
            action=Action.ACCEPT,
            actor=actor,
            target=target,
            message=message,
            changes=changes,
            now=now,
        )
    return complaint


def complaint_reject(
    *,
    complaint_id: int,
    actor: User,
    reason: str,
    message: str = "",
    now: datetime | None = None,
) -> Complaint:
    if reason not in RejectionReason.values:
        raise ValidationFailed(
            "请选择驳回原因",
            code="invalid_reason",
            details={"field": "reason", "allowed": RejectionReason.values},
        )
    message = (message or "").strip()[:500] or site_text(RejectionReason(reason).label)
    with transaction.atomic():
        complaint = _lock(complaint_id)
        _transition(
            complaint,
            action=Action.REJECT,
            actor=actor,
            reason=reason,
            message=message,
            changes={"rejection_reason": reason, "rejection_message": message},
            now=now,
        )
    return complaint


def complaint_withdraw(
    *, complaint_id: int, actor: User, message: str = "", now: datetime | None = None
) -> Complaint:
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _transition(
            complaint,
            action=Action.WITHDRAW,
            actor=actor,
            message=message[:500],
            changes={"closed_at": now},
            now=now,
        )
    return complaint


def complaint_resubmit(
    *,
    complaint_id: int,
    actor: User,
    title: str | None = None,
    details: str | None = None,
    now: datetime | None = None,
) -> Complaint:
    """A rejected complaint, edited by its consumer, goes back to review."""
    with transaction.atomic():
        complaint = _lock(complaint_id)
        _check(complaint, Action.RESUBMIT, actor)
        changes: dict[str, Any] = {}
        if title is not None:
            changes["title"] = _require_text(title, "title", "投诉标题", 80)
        if details is not None:
            changes["details"] = _require_text(details, "details", "投诉详情", 5000)
        if changes:
            changes["content_hash"] = content_hash_for(
                complaint.company_id,
                changes.get("title", complaint.title),
                changes.get("details", complaint.details),
            )
        dup = (
            Complaint.objects.filter(
                consumer_id=complaint.consumer_id,
                company_id=complaint.company_id,
                content_hash=changes.get("content_hash", complaint.content_hash),
                status__in=[s.value for s in _open_statuses()],
            )
            .exclude(pk=complaint.pk)
            .first()
        )
        if dup is None and changes:
            dup = _near_duplicate(
                complaint.consumer_id,
                complaint.company_id,
                changes.get("title", complaint.title),
                changes.get("details", complaint.details),
                exclude_id=complaint.pk,
            )
        if dup is not None:
            raise Conflict(
                "您已就相同内容投诉过该企业，且投诉尚未结束",
                code="duplicate_open_complaint",
                details={"public_number": dup.public_number},
            )
        now = now or timezone.now()
        changes.update(
            {
                "submitted_at": now,
                "review_due_at": add_working_days(now, _conf("REVIEW_SLA_WORKING_DAYS")),
            }
        )
        _transition(
            complaint,
            action=Action.RESUBMIT,
            actor=actor,
            changes=changes,
            now=now,
            payload={"edited": sorted(k for k in changes if k in {"title", "details"})},
        )
    return complaint


# --- assignment ------------------------------------------------------------------


def complaint_assign(
    *, complaint_id: int, actor: User | None = None, now: datetime | None = None
) -> Complaint:
    """Platform: an unassigned complaint goes to the company once it is reachable."""
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _check(complaint, Action.ASSIGN, None)
        if not company_is_reachable(complaint.company):
            raise Conflict(
                "该企业尚无商家账号，投诉暂时无法分配",
                code="company_unreachable",
                details={"company_id": complaint.company_id},
            )
        _transition(
            complaint,
            action=Action.ASSIGN,
            actor=None,
            changes=_assignment_changes(complaint, now),
            now=now,
            payload={"triggered_by": actor.pk if actor else None},
        )
    return complaint


def complaints_assign_for_company(*, company: Company, actor: User | None = None) -> int:
    if not company_is_reachable(company):
        return 0
    ids = list(
        Complaint.objects.filter(company=company, status=Status.UNASSIGNED).values_list(
            "pk", flat=True
        )
    )
    for pk in ids:
        complaint_assign(complaint_id=pk, actor=actor)
    return len(ids)


def complaint_close_unassigned(
    *,
    complaint_id: int,
    actor: User | None = None,
    message: str = "",
    now: datetime | None = None,
) -> Complaint:
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _transition(
            complaint,
            action=Action.CLOSE_UNASSIGNED,
            actor=actor,
            message=message,
            changes={"closed_at": now},
            now=now,
        )
    return complaint


# --- the company answers -----------------------------------------------------------


def complaint_reply(
    *,
    complaint_id: int,
    actor: User,
    message: str,
    solution: bool = False,
    now: datetime | None = None,
) -> Complaint:
    """A merchant replies (or proposes a solution). processing → replied; in replied it adds."""
    message = _require_text(message, "message", "回复内容", 5000)
    kind = EventKind.SOLUTION if solution else EventKind.REPLY
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        changes: dict[str, Any] = {"last_reply_at": now}
        if complaint.first_reply_at is None:
            changes["first_reply_at"] = now
        if complaint.status == Status.REPLIED:
            if Actor.MERCHANT not in actor_kind(actor, complaint):
                raise PermissionDenied("只有该企业的商家账号可以回复", code="not_allowed_for_actor")
            for name, value in {**changes, "updated_at": now}.items():
                setattr(complaint, name, value)
            complaint.save(update_fields=[*changes, "updated_at"])
            _record(
                complaint,
                kind=kind,
                actor=actor,
                actor_role=Actor.MERCHANT,
                action=Action.REPLY,
                message=message,
                now=now,
            )
        else:
            changes["is_overdue"] = False
            event = _transition(
                complaint,
                action=Action.REPLY,
                actor=actor,
                message=message,
                changes=changes,
                now=now,
            )
            if solution:
                event.kind = EventKind.SOLUTION
                event.save(update_fields=["kind"])
    return complaint


def complaint_propose_solution(
    *, complaint_id: int, actor: User, message: str, now: datetime | None = None
) -> Complaint:
    return complaint_reply(
        complaint_id=complaint_id, actor=actor, message=message, solution=True, now=now
    )


def complaint_request_completion(
    *, complaint_id: int, actor: User, message: str = "", now: datetime | None = None
) -> Complaint:
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _transition(
            complaint,
            action=Action.REQUEST_COMPLETION,
            actor=actor,
            message=message.strip()[:2000],
            changes={
                "completion_requested_at": now,
                "confirm_due_at": now + timedelta(days=_conf("CONFIRM_TIMEOUT_DAYS")),
            },
            now=now,
        )
    return complaint


# --- the consumer answers ------------------------------------------------------------


def complaint_follow_up(
    *, complaint_id: int, actor: User, message: str, now: datetime | None = None
) -> Complaint:
    """The consumer adds information. In replied it sends the case back to processing."""
    message = _require_text(message, "message", "补充内容", 5000)
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        if complaint.status == Status.REPLIED:
            _transition(
                complaint,
                action=Action.FOLLOW_UP,
                actor=actor,
                message=message,
                changes=_assignment_changes(complaint, now),
                now=now,
            )
            return complaint
        from .states import NON_TRANSITION_ACTIONS

        if Actor.CONSUMER not in actor_kind(actor, complaint):
            raise PermissionDenied("只有投诉人可以补充投诉", code="not_allowed_for_actor")
        if complaint.status not in NON_TRANSITION_ACTIONS["follow_up"]:
            raise IllegalTransition(
                f"投诉当前状态为「{Status(complaint.status).label}」，不能补充投诉",
                details={"action": "follow_up", "status": complaint.status},
            )
        complaint.updated_at = now
        complaint.save(update_fields=["updated_at"])
        _record(
            complaint,
            kind=EventKind.FOLLOW_UP,
            actor=actor,
            actor_role=Actor.CONSUMER,
            action=Action.FOLLOW_UP,
            message=message,
            now=now,
        )
    return complaint


def _validate_stars(**stars: int) -> dict[str, int]:
    for name, value in stars.items():
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 5:
            raise ValidationFailed(
                "评分应为1到5的整数", code="invalid_rating", details={"field": name}
            )
    return stars


def complaint_confirm_completion(
    *,
    complaint_id: int,
    actor: User,
    attitude: int,
    speed: int,
    satisfaction: int,
    comment: str = "",
    now: datetime | None = None,
) -> Complaint:
    stars = _validate_stars(attitude=attitude, speed=speed, satisfaction=satisfaction)
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationFailed(
            "评价内容不能超过500字", code="too_long", details={"field": "comment"}
        )
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        event = _transition(
            complaint,
            action=Action.CONFIRM,
            actor=actor,
            message=comment,
            payload=stars,
            changes={"completed_at": now, "confirm_due_at": None},
            now=now,
        )
        Rating.objects.create(
            complaint=complaint, event=event, comment=comment, created_at=now, **stars
        )
    return complaint


def complaint_dispute_completion(
    *, complaint_id: int, actor: User, message: str, now: datetime | None = None
) -> Complaint:
    message = _require_text(message, "message", "异议理由", 2000)
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _transition(
            complaint,
            action=Action.DISPUTE,
            actor=actor,
            message=message,
            changes={**_assignment_changes(complaint, now), "confirm_due_at": None},
            now=now,
        )
    return complaint


def complaint_reopen(
    *, complaint_id: int, actor: User, message: str, now: datetime | None = None
) -> Complaint:
    message = _require_text(message, "message", "重新打开的理由", 2000)
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        _check(complaint, Action.REOPEN, actor)
        completed_at = complaint.completed_at or now
        if now - completed_at > timedelta(days=_conf("REOPEN_WITHIN_DAYS")):
            raise IllegalTransition("投诉完成已超过30天，不能重新打开", code="reopen_window_passed")
        _transition(
            complaint,
            action=Action.REOPEN,
            actor=actor,
            message=message,
            changes={**_assignment_changes(complaint, now), "completed_at": None},
            now=now,
        )
    return complaint


def complaint_escalate(
    *, complaint_id: int, actor: User, message: str = "", now: datetime | None = None
) -> Complaint:
    with transaction.atomic():
        complaint = _lock(complaint_id)
        _transition(complaint, action=Action.ESCALATE, actor=actor, message=message[:2000], now=now)
    return complaint


def complaint_record_mediation(
    *,
    complaint_id: int,
    actor: User,
    succeeded: bool,
    message: str = "",
    now: datetime | None = None,
) -> Complaint:
    with transaction.atomic():
        complaint = _lock(complaint_id)
        now = now or timezone.now()
        if succeeded:
            _transition(
                complaint,
                action=Action.MEDIATION_SUCCEEDED,
                actor=actor,
                message=message[:2000],
                changes={"completed_at": now},
                now=now,
            )
        else:
            _transition(
                complaint,
                action=Action.MEDIATION_FAILED,
                actor=actor,
                message=message[:2000],
                changes={"closed_at": now},
                now=now,
            )
    return complaint


# --- visibility (not status) -------------------------------------------------------------


def complaint_hide(*, complaint_id: int, actor: User, reason: str, message: str = "") -> Complaint:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以隐藏投诉", code="moderators_only")
    if reason not in HideReason.values:
        raise ValidationFailed(
            "请选择隐藏原因",
            code="invalid_reason",
            details={"field": "reason", "allowed": HideReason.values},
        )
    with transaction.atomic():
        complaint = _lock(complaint_id)
        if complaint.visibility != Visibility.PUBLIC:
            raise Conflict("只有公开的投诉可以隐藏", code="not_public")
        complaint.visibility = Visibility.HIDDEN
        complaint.hidden_reason = reason
        complaint.hidden_message = (message or "").strip()[:200]
        complaint.save(update_fields=["visibility", "hidden_reason", "hidden_message"])
        _record(
            complaint,
            kind=EventKind.HIDDEN,
            actor=actor,
            actor_role=Actor.MODERATOR,
            reason=reason,
            message=complaint.hidden_message,
            is_public=False,
        )
    return complaint


def complaint_unhide(*, complaint_id: int, actor: User, message: str = "") -> Complaint:
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以取消隐藏", code="moderators_only")
    with transaction.atomic():
        complaint = _lock(complaint_id)
        if complaint.visibility != Visibility.HIDDEN:
            raise Conflict("该投诉未被隐藏", code="not_hidden")
        complaint.visibility = Visibility.PUBLIC
        complaint.hidden_reason = ""
        complaint.hidden_message = ""
        complaint.save(update_fields=["visibility", "hidden_reason", "hidden_message"])
        _record(
            complaint,
            kind=EventKind.UNHIDDEN,
            actor=actor,
            actor_role=Actor.MODERATOR,
            message=(message or "").strip()[:200],
            is_public=False,
        )
    return complaint


def complaint_set_problem_types(
    *, complaint_id: int, actor: User, problem_types: Sequence[str], note: str = ""
) -> Complaint:
    """A moderator corrects a complaint's problem types (issue 5 §6). Validated against the
    choices (nothing changes on an error); one private timeline entry with the old and new
    types; the metric counters (per company problem types, submissions per problem type) are
    refreshed in the same transaction. The same types again change nothing and write nothing."""
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以修改投诉问题类型", code="moderators_only")
    if isinstance(problem_types, str) or not all(isinstance(v, str) for v in problem_types):
        raise ValidationFailed(
            "投诉问题格式不正确", code="invalid_choice", details={"field": "problem_types"}
        )
    cleaned = _validate_choices(problem_types, ProblemType.values, "problem_types", "投诉问题")
    note = (note or "").strip()
    if len(note) > 200:
        raise ValidationFailed(
            "说明不能超过200个字", code="too_long", details={"field": "note", "max": 200}
        )
    with transaction.atomic():
        complaint = _lock(complaint_id)
        before = list(complaint.problem_types or [])
        if not cleaned and not complaint.problem_other.strip():
            raise ValidationFailed(
                "请至少选择一个投诉问题", code="required", details={"field": "problem_types"}
            )
        if sorted(cleaned) == sorted(before):
            return complaint
        complaint.problem_types = cleaned
        complaint.save(update_fields=["problem_types"])
        labels = {code: site_text(label) for code, label in ProblemType.choices}

        def names(codes: list[str]) -> str:
            return "、".join(labels[c] for c in codes if c in labels) or "无"

        summary = f"投诉问题：{names(before)} → {names(cleaned)}"
        _record(
            complaint,
            kind=EventKind.PROBLEM_TYPES,
            actor=actor,
            actor_role=Actor.MODERATOR,
            message=f"{summary}。{note}" if note else summary,
            payload={"from": before, "to": cleaned},
            is_public=False,
        )
        # the counters keep each complaint's problem types: fold it again (tousu.metrics)
        from tousu.metrics.services import refresh as metrics_refresh

        metrics_refresh([complaint.pk])
    return complaint


def complaint_record_redaction(
    *, complaint: Complaint, actor: User, message: str, payload: dict[str, Any]
) -> ComplaintEvent:
    """Staff changed what the public copy hides (tousu.privacy): one private timeline entry, and
    the consumer is told (engagement). The caller holds the transaction and has saved the public
    copy already."""
    if actor.role != Role.MODERATOR:
        raise PermissionDenied("只有审核员可以调整个人信息隐藏", code="moderators_only")
    return _record(
        complaint,
        kind=EventKind.REDACTED,
        actor=actor,
        actor_role=Actor.MODERATOR,
        message=message[:500],
        payload=payload,
        is_public=False,
    )


# --- periodic jobs (idempotent) ---------------------------------------------------------


def sla_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Mark overdue replies, auto-complete ignored completion requests, close long-overdue and
    long-unassigned complaints. Running it twice changes nothing the second time."""
    now = now or timezone.now()
    counts = {"overdue": 0, "auto_completed": 0, "closed_overdue": 0, "closed_unassigned": 0}
    for pk in Complaint.objects.filter(
        status=Status.PROCESSING, is_overdue=False, reply_due_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = _lock(pk)
            if (
                complaint.status == Status.PROCESSING
                and not complaint.is_overdue
                and complaint.reply_due_at
                and complaint.reply_due_at < now
            ):
                complaint.is_overdue = True
                complaint.overdue_marked_at = now
                complaint.save(update_fields=["is_overdue", "overdue_marked_at"])
                _record(
                    complaint,
                    kind=EventKind.OVERDUE,
                    actor=None,
                    actor_role=Actor.SYSTEM,
                    payload={"reply_due_at": complaint.reply_due_at.isoformat()},
                    now=now,
                )
                counts["overdue"] += 1
    for pk in Complaint.objects.filter(
        status=Status.COMPLETION_REQUESTED, confirm_due_at__lt=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = _lock(pk)
            # re-checked under the lock: a new completion request restarts the 7-day clock
            if (
                complaint.status == Status.COMPLETION_REQUESTED
                and complaint.confirm_due_at is not None
                and complaint.confirm_due_at < now
            ):
                _transition(
                    complaint,
                    action=Action.AUTO_COMPLETE,
                    actor=None,
                    now=now,
                    changes={"completed_at": now},
                )
                counts["auto_completed"] += 1
    close_after = _conf("CLOSE_AFTER_OVERDUE_WORKING_DAYS")
    for pk, due in Complaint.objects.filter(
        status=Status.PROCESSING, is_overdue=True, reply_due_at__lt=now
    ).values_list("pk", "reply_due_at"):
        if due is not None and add_working_days(due, close_after) < now:
            with transaction.atomic():
                complaint = _lock(pk)
                # re-checked under the lock: a reply and a follow-up restart the reply clock
                if (
                    complaint.status == Status.PROCESSING
                    and complaint.is_overdue
                    and complaint.reply_due_at == due
                ):
                    _transition(
                        complaint,
                        action=Action.CLOSE_OVERDUE,
                        actor=None,
                        now=now,
                        changes={"closed_at": now},
                        payload={"reply_due_at": due.isoformat()},
                    )
                    counts["closed_overdue"] += 1
    cutoff = now - timedelta(days=_conf("CLOSE_UNASSIGNED_AFTER_DAYS"))
    for pk in Complaint.objects.filter(
        status=Status.UNASSIGNED, accepted_at__lt=cutoff
    ).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = _lock(pk)
            if complaint.status == Status.UNASSIGNED:
                _transition(
                    complaint,
                    action=Action.CLOSE_UNASSIGNED,
                    actor=None,
                    now=now,
                    changes={"closed_at": now},
                )
                counts["closed_unassigned"] += 1
    return counts


# --- imports and generated data (status decided here, written in bulk) --------------------------
#
# Complaints taken over from another platform (``tousu import``) arrive with their history already
# lived: submitted on a date, accepted, replied, completed. ``complaints_import`` replays that
# history through ``states.EDGES`` exactly like the transition functions do, one step after
# another, and writes the complaint with the status the replay reaches together with one event
# per step. A history the table does not allow is refused. No notification is sent (these events
# happened elsewhere, long ago) and no SLA clock is started: ``reply_due_at`` and
# ``confirm_due_at`` stay empty, so the SLA sweep leaves an imported case where the source left it
# (except unassigned cases, which the sweep closes 90 days after acceptance like any other).

# who performs an imported step when the edge allows several: the party that usually does it
_IMPORT_ROLE_ORDER = (Actor.MERCHANT, Actor.CONSUMER, Actor.MEDIATOR, Actor.SYSTEM, Actor.MODERATOR)


@dataclass
class ImportedStep:
    """One step of an imported history: an action of ``states.Action`` at a time.

    ``target`` picks the edge when an action has two (accept → processing or unassigned).
    ``date_known`` is False when the source gives no date for the step and ``at`` is the latest
    known date before it. ``rating`` (attitude, speed, satisfaction 1–5) only on ``confirm``.
    """

    action: str
    at: datetime
    message: str = ""
    target: str | None = None
    date_known: bool = True
    payload: dict[str, Any] = field(default_factory=dict)
    rating: tuple[int, int, int] | None = None


@dataclass
class ImportedComplaint:
    title: str
    details: str
    company_id: int
    submitted_at: datetime
    steps: list[ImportedStep] = field(default_factory=list)
    brand_id: int | None = None
    problem_types: list[str] = field(default_factory=list)
    problem_other: str = ""
    demands: list[str] = field(default_factory=list)
    demand_other: str = ""
    amount: Decimal | None = None
    order_number: str = ""
    purchase_date: date | None = None
    consumer_region_id: str | None = None
    # kept on the "submitted" event: where the record came from
    source_payload: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReplayedEvent:
    kind: str
    action: str
    actor_role: str
    from_status: str
    to_status: str
    at: datetime
    message: str
    payload: dict[str, Any]
    by_consumer: bool
    rating: tuple[int, int, int] | None = None


@dataclass
class Replay:
    """The outcome of replaying a history: final status, the dated fields, the timeline."""

    status: Status
    fields: dict[str, Any]
    events: list[ReplayedEvent]


_TERMINAL_FIELD = {
    Action.CONFIRM: "completed_at",
    Action.AUTO_COMPLETE: "completed_at",
    Action.MEDIATION_SUCCEEDED: "completed_at",
    Action.CLOSE_OVERDUE: "closed_at",
    Action.CLOSE_UNASSIGNED: "closed_at",
    Action.MEDIATION_FAILED: "closed_at",
    Action.WITHDRAW: "closed_at",
}


def complaint_history_replay(
    *, submitted_at: datetime, steps: Sequence[ImportedStep], source_payload: dict[str, Any]
) -> Replay:
    """Replay ``steps`` from ``pending_review`` through the transition table (no queries).

    Raises ``IllegalTransition`` for a step the table does not allow from the status reached.
    Step times earlier than the previous step are raised to it (and marked in the payload).
    """
    status = Status.PENDING_REVIEW
    fields: dict[str, Any] = {
        "created_at": submitted_at,
        "submitted_at": submitted_at,
        "visibility": Visibility.PRIVATE,
    }
    events = [
        ReplayedEvent(
            kind=EventKind.SUBMITTED,
            action="",
            actor_role=Actor.CONSUMER,
            from_status="",
            to_status=Status.PENDING_REVIEW,
            at=submitted_at,
            message="",
            payload={"imported": True, **source_payload},
            by_consumer=True,
        )
    ]
    last = submitted_at
    for step in steps:
        payload = {"imported": True, **step.payload}
        if not step.date_known:
            payload["date_known"] = False
        at = step.at
        if at < last:
            payload["date_adjusted_from"] = at.isoformat()
            at = last
        last = at
        if step.action == Action.REPLY and status == Status.REPLIED:
            # a further reply: recorded, no status change (states.NON_TRANSITION_ACTIONS)
            fields["last_reply_at"] = at
            events.append(
                ReplayedEvent(
                    EventKind.REPLY,
                    Action.REPLY,
                    Actor.MERCHANT,
                    "",
                    "",
                    at,
                    step.message,
                    payload,
                    False,
                )
            )
            continue
        edges = [
            e
            for e in edges_for(step.action, status)
            if step.target is None or e.target == step.target
        ]
        if len(edges) != 1:
            raise IllegalTransition(
                f"导入的历史不合法：状态「{Status(status).label}」下不能「{step.action}」",
                code="illegal_import_history",
                details={"action": step.action, "status": str(status), "target": step.target},
            )
        edge = edges[0]
        action = Action(step.action)
        # the platform may accept too (automatic screening, off by default); an imported
        # acceptance was a review by people
        role = (
            Actor.MODERATOR
            if action == Action.ACCEPT
            else next(r for r in _IMPORT_ROLE_ORDER if r in edge.actors)
        )
        if action == Action.ACCEPT:
            fields["accepted_at"] = at
            fields["visibility"] = Visibility.PUBLIC
            if edge.target == Status.PROCESSING:
                fields["assigned_at"] = at
        elif action in (Action.ASSIGN, Action.FOLLOW_UP, Action.DISPUTE, Action.REOPEN):
            fields["assigned_at"] = at
            if action == Action.REOPEN:
                fields["completed_at"] = None
        elif action == Action.REPLY:
            fields.setdefault("first_reply_at", at)
            fields["last_reply_at"] = at
        elif action == Action.REQUEST_COMPLETION:
            fields["completion_requested_at"] = at
        if action in _TERMINAL_FIELD:
            fields[_TERMINAL_FIELD[action]] = at
        if step.rating is not None:
            if action != Action.CONFIRM:
                raise ValidationFailed("只有确认完成时可以评价", code="rating_without_confirm")
            _validate_stars(
                attitude=step.rating[0], speed=step.rating[1], satisfaction=step.rating[2]
            )
            payload.update(
                attitude=step.rating[0], speed=step.rating[1], satisfaction=step.rating[2]
            )
        events.append(
            ReplayedEvent(
                EventKind.TRANSITION,
                str(action),
                str(role),
                str(status),
                str(edge.target),
                at,
                step.message,
                payload,
                role == Actor.CONSUMER,
                step.rating,
            )
        )
        status = edge.target
    fields["updated_at"] = last
    return Replay(status=status, fields=fields, events=events)


def complaints_import(*, consumer: User, records: Sequence[ImportedComplaint]) -> list[Complaint]:
    """Create complaints with their whole history in bulk (one query per table and batch).

    Must run inside the caller's transaction (``transaction.atomic``) so that a batch is written
    whole or not at all. Raises ``IllegalTransition`` / ``ValidationFailed`` before writing if
    any history is not allowed, ``IntegrityError`` on a clash (e.g. a public number): the caller
    retries record by record.
    """
    replays = [
        complaint_history_replay(
            submitted_at=r.submitted_at, steps=r.steps, source_payload=r.source_payload
        )
        for r in records
    ]
    complaints = []
    for record, replay in zip(records, replays, strict=True):
        complaint = Complaint(
            consumer=consumer,
            company_id=record.company_id,
            brand_id=record.brand_id,
            title=record.title,
            details=record.details,
            problem_types=record.problem_types,
            problem_other=record.problem_other[:100],
            demands=record.demands,
            demand_other=record.demand_other[:100],
            amount=record.amount,
            order_number=record.order_number[:64],
            purchase_date=record.purchase_date,
            consumer_region_id=record.consumer_region_id,
            content_hash=content_hash_for(record.company_id, record.title, record.details),
            **replay.fields,
        )
        complaint.status = replay.status
        complaints.append(complaint)
    Complaint.objects.bulk_create(complaints)
    events = []
    ratings: list[tuple[int, ReplayedEvent]] = []
    for complaint, replay in zip(complaints, replays, strict=True):
        for e in replay.events:
            events.append(
                ComplaintEvent(
                    complaint_id=complaint.pk,
                    kind=e.kind,
                    action=e.action,
                    actor=consumer if e.by_consumer else None,
                    actor_role=e.actor_role,
                    from_status=e.from_status,
                    to_status=e.to_status,
                    message=e.message,
                    payload=e.payload,
                    created_at=e.at,
                )
            )
            if e.rating is not None:
                ratings.append((len(events) - 1, e))
    ComplaintEvent.objects.bulk_create(events)
    if ratings:
        Rating.objects.bulk_create(
            [
                Rating(
                    complaint_id=events[i].complaint_id,
                    event_id=events[i].pk,
                    attitude=e.rating[0],
                    speed=e.rating[1],
                    satisfaction=e.rating[2],
                    comment=e.message[:500],
                    created_at=e.at,
                )
                for i, e in ratings
                if e.rating is not None
            ]
        )
    from tousu.complaints.hooks import dispatch_bulk

    dispatch_bulk([c.pk for c in complaints])
    return complaints


def complaints_import_rows(*, consumer: User, records: Sequence[ImportedComplaint]) -> list[int]:
    """``complaints_import`` for bulk loads (``tousu import``): the same replays, the same rows,
    written with ``COPY`` / ``executemany`` under reserved ids (``common.bulk``) instead of
    model instances — and WITHOUT bringing the read models up to date.

    The caller must record the returned complaint ids in its outbox in the same transaction
    (``imports.ImportedRecord.read_models_pending``) and later pass them to
    ``hooks.dispatch_bulk`` (``imports.services.read_models_catch_up``), so that a crash between
    the two leaves a mark, never a complaint missing from a read model. Raises like
    ``complaints_import`` before writing anything.
    """
    from tousu.common.bulk import BulkTable, reserve_ids

    replays = [
        complaint_history_replay(
            submitted_at=r.submitted_at, steps=r.steps, source_payload=r.source_payload
        )
        for r in records
    ]
    complaints_t, events_t = BulkTable(Complaint), BulkTable(ComplaintEvent)
    complaint_ids = reserve_ids(Complaint, len(records))
    event_ids = iter(reserve_ids(ComplaintEvent, sum(len(r.events) for r in replays)))
    c_rows, e_rows, ratings = [], [], []
    for cid, record, replay in zip(complaint_ids, records, replays, strict=True):
        c_rows.append(
            complaints_t.row(
                {
                    "id": cid,
                    "consumer_id": consumer.pk,
                    "company_id": record.company_id,
                    "brand_id": record.brand_id,
                    "title": record.title,
                    "details": record.details,
                    "problem_types": record.problem_types,
                    "problem_other": record.problem_other[:100],
                    "demands": record.demands,
                    "demand_other": record.demand_other[:100],
                    "amount": record.amount,
                    "order_number": record.order_number[:64],
                    "purchase_date": record.purchase_date,
                    "consumer_region_id": record.consumer_region_id,
                    "content_hash": content_hash_for(
                        record.company_id, record.title, record.details
                    ),
                    **replay.fields,
                    "status": str(replay.status),
                }
            )
        )
        for e in replay.events:
            eid = next(event_ids)
            e_rows.append(
                events_t.row(
                    {
                        "id": eid,
                        "complaint_id": cid,
                        "kind": str(e.kind),
                        "action": e.action,
                        "actor_id": consumer.pk if e.by_consumer else None,
                        "actor_role": e.actor_role,
                        "from_status": e.from_status,
                        "to_status": e.to_status,
                        "message": e.message,
                        "payload": e.payload,
                        "created_at": e.at,
                    }
                )
            )
            if e.rating is not None:
                ratings.append(
                    Rating(
                        complaint_id=cid,
                        event_id=eid,
                        attitude=e.rating[0],
                        speed=e.rating[1],
                        satisfaction=e.rating[2],
                        comment=e.message[:500],
                        created_at=e.at,
                    )
                )
    complaints_t.write(c_rows)
    events_t.write(e_rows)
    if ratings:
        Rating.objects.bulk_create(ratings)
    return complaint_ids
