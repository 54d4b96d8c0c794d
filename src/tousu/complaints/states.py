"""The complaint state machine: the transition table of docs/domain.md. No queries here.

Every status change goes through ``tousu.complaints.services`` which checks this table; no other
code assigns ``Complaint.status`` (``tests/complaints/test_status_writes.py`` proves it).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    PENDING_REVIEW = "pending_review", _("审核中")
    REJECTED = "rejected", _("未通过")
    UNASSIGNED = "unassigned", _("待分配")
    PROCESSING = "processing", _("处理中")
    REPLIED = "replied", _("已回复")
    COMPLETION_REQUESTED = "completion_requested", _("待确认")
    COMPLETED = "completed", _("已完成")
    AUTO_COMPLETED = "auto_completed", _("已完成(未确认)")
    MEDIATION = "mediation", _("调解中")
    CLOSED = "closed", _("已关闭")
    WITHDRAWN = "withdrawn", _("已撤诉")


class Actor(models.TextChoices):
    """Who may perform an action (checked by the service against the acting user)."""

    CONSUMER = "consumer", _("消费者")  # the complaint's own consumer
    MERCHANT = "merchant", _("商家")  # a member of the complaint's company
    MODERATOR = "moderator", _("审核员")
    MEDIATOR = "mediator", _("调解组织")
    SYSTEM = "system", _("平台")  # periodic jobs and platform rules


class Action(models.TextChoices):
    ACCEPT = "accept", _("审核通过")
    REJECT = "reject", _("审核驳回")
    WITHDRAW = "withdraw", _("撤诉")
    RESUBMIT = "resubmit", _("修改后重新提交")
    ASSIGN = "assign", _("分配给企业")
    CLOSE_UNASSIGNED = "close_unassigned", _("无法分配，关闭")
    REPLY = "reply", _("商家回复")
    ESCALATE = "escalate", _("申请调解")
    CLOSE_OVERDUE = "close_overdue", _("长期超时，关闭")
    FOLLOW_UP = "follow_up", _("补充投诉")
    REQUEST_COMPLETION = "request_completion", _("申请完成")
    CONFIRM = "confirm", _("确认完成并评价")
    DISPUTE = "dispute", _("对完成申请有异议")
    AUTO_COMPLETE = "auto_complete", _("超时未确认，自动完成")
    REOPEN = "reopen", _("重新打开")
    MEDIATION_SUCCEEDED = "mediation_succeeded", _("调解成功")
    MEDIATION_FAILED = "mediation_failed", _("调解失败")


@dataclass(frozen=True)
class Edge:
    action: Action
    source: Status
    target: Status
    actors: frozenset[Actor]


S, A, R = Status, Action, Actor


def _e(action: Action, source: Status, target: Status, *actors: Actor) -> Edge:
    return Edge(action, source, target, frozenset(actors))


# The table from docs/domain.md, one row per edge.
EDGES: tuple[Edge, ...] = (
    # SYSTEM: automatic acceptance of clean screened complaints (off unless TOUSU_AUTO_ACCEPT)
    _e(A.ACCEPT, S.PENDING_REVIEW, S.PROCESSING, R.MODERATOR, R.SYSTEM),
    _e(A.ACCEPT, S.PENDING_REVIEW, S.UNASSIGNED, R.MODERATOR, R.SYSTEM),
    _e(A.REJECT, S.PENDING_REVIEW, S.REJECTED, R.MODERATOR),
    _e(A.WITHDRAW, S.PENDING_REVIEW, S.WITHDRAWN, R.CONSUMER),
    _e(A.RESUBMIT, S.REJECTED, S.PENDING_REVIEW, R.CONSUMER),
    _e(A.ASSIGN, S.UNASSIGNED, S.PROCESSING, R.SYSTEM),
    _e(A.CLOSE_UNASSIGNED, S.UNASSIGNED, S.CLOSED, R.SYSTEM, R.MODERATOR),
    _e(A.REPLY, S.PROCESSING, S.REPLIED, R.MERCHANT),
    _e(A.ESCALATE, S.PROCESSING, S.MEDIATION, R.CONSUMER, R.MODERATOR),
    _e(A.CLOSE_OVERDUE, S.PROCESSING, S.CLOSED, R.SYSTEM),
    _e(A.FOLLOW_UP, S.REPLIED, S.PROCESSING, R.CONSUMER),
    _e(A.REQUEST_COMPLETION, S.REPLIED, S.COMPLETION_REQUESTED, R.MERCHANT),
    _e(A.ESCALATE, S.REPLIED, S.MEDIATION, R.CONSUMER, R.MODERATOR),
    _e(A.CONFIRM, S.COMPLETION_REQUESTED, S.COMPLETED, R.CONSUMER),
    _e(A.DISPUTE, S.COMPLETION_REQUESTED, S.PROCESSING, R.CONSUMER),
    _e(A.AUTO_COMPLETE, S.COMPLETION_REQUESTED, S.AUTO_COMPLETED, R.SYSTEM),
    _e(A.REOPEN, S.COMPLETED, S.PROCESSING, R.CONSUMER),
    _e(A.MEDIATION_SUCCEEDED, S.MEDIATION, S.COMPLETED, R.MEDIATOR),
    _e(A.MEDIATION_FAILED, S.MEDIATION, S.CLOSED, R.MEDIATOR),
)

# Statuses in which a complaint is still open (counts against "one open complaint per text").
OPEN_STATUSES = frozenset(
    {S.PENDING_REVIEW, S.UNASSIGNED, S.PROCESSING, S.REPLIED, S.COMPLETION_REQUESTED, S.MEDIATION}
)
TERMINAL_STATUSES = frozenset({S.AUTO_COMPLETED, S.CLOSED, S.WITHDRAWN})
# Statuses visible to the public (after review accepted the complaint).
ACCEPTED_STATUSES = frozenset(
    {
        S.UNASSIGNED,
        S.PROCESSING,
        S.REPLIED,
        S.COMPLETION_REQUESTED,
        S.COMPLETED,
        S.AUTO_COMPLETED,
        S.MEDIATION,
        S.CLOSED,
    }
)

# Actions that do not change status but are recorded on the timeline, with where they are allowed.
NON_TRANSITION_ACTIONS: dict[str, frozenset[Status]] = {
    # a merchant may add further replies or a proposed solution while the case is open to it
    "reply": frozenset({S.REPLIED}),
    # a consumer may add information while the company is working on it
    "follow_up": frozenset({S.PROCESSING, S.UNASSIGNED, S.COMPLETION_REQUESTED, S.MEDIATION}),
}


def edges_for(action: Action | str, source: Status | str) -> list[Edge]:
    return [e for e in EDGES if e.action == action and e.source == source]


def allowed_targets(action: Action | str, source: Status | str, actor: Actor | str) -> set[Status]:
    return {e.target for e in edges_for(action, source) if actor in e.actors}
