"""The SLA clock as people read it: "剩余 2 个工作日" or "商家已超时 3 个工作日"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tousu.common.calendar import working_days_between

from .models import Complaint
from .states import Status


@dataclass(frozen=True)
class SlaClock:
    kind: str  # "reply_due", "reply_overdue", "confirm_due", "review_due", "review_overdue"
    due_at: datetime
    working_days: int  # left (>= 0) or overdue (>= 0), by kind
    text: str

    @property
    def is_overdue(self) -> bool:
        return self.kind.endswith("overdue")


def _left_text(days: int, who: str) -> str:
    if days <= 0:
        return _("%(who)s今天到期") % {"who": who}
    return ngettext("%(who)s剩余 %(n)d 个工作日", "%(who)s剩余 %(n)d 个工作日", days) % {
        "who": who, "n": days}


def sla_clock(complaint: Complaint, now: datetime | None = None) -> SlaClock | None:
    """The running clock of a complaint, or None when no deadline runs."""
    now = now or timezone.now()
    if complaint.status == Status.PROCESSING and complaint.reply_due_at:
        due = complaint.reply_due_at
        if due < now:
            days = max(working_days_between(due, now), 0)
            text = (ngettext("商家已超时 %(n)d 个工作日", "商家已超时 %(n)d 个工作日", days)
                    % {"n": days}) if days else _("商家已超时")
            return SlaClock("reply_overdue", due, days, text)
        days = working_days_between(now, due)
        return SlaClock("reply_due", due, days, _left_text(days, _("商家回复")))
    if complaint.status == Status.COMPLETION_REQUESTED and complaint.confirm_due_at:
        due = complaint.confirm_due_at
        days = max((timezone.localtime(due).date() - timezone.localtime(now).date()).days, 0)
        text = (ngettext("消费者确认剩余 %(n)d 天", "消费者确认剩余 %(n)d 天", days) % {"n": days}
                if days else _("消费者确认今天到期"))
        return SlaClock("confirm_due", due, days, text)
    if complaint.status == Status.PENDING_REVIEW and complaint.review_due_at:
        due = complaint.review_due_at
        if due < now:
            days = max(working_days_between(due, now), 0)
            return SlaClock("review_overdue", due, days, _("审核已超时"))
        days = working_days_between(now, due)
        return SlaClock("review_due", due, days, _left_text(days, _("审核")))
    return None
