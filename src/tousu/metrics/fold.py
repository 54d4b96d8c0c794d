"""The fold of one complaint's timeline into its metric contribution (no queries).

The same ``step`` is used by the in-transaction listener (one event at a time, the state kept
in ``ComplaintMetric``) and by ``tousu metrics-rebuild`` (every timeline from the start), so the
two can only differ if the counters are applied wrongly — which the property test checks.

Definitions (docs/domain.md "Metrics", docs/rankings.md):

- everything a complaint contributes is attributed to its **cohort day**: the local date
  (Asia/Shanghai) of its first ``submitted`` event. A window "last 30 days" is the complaints
  filed in those 30 days with their outcomes as known now, so every rate has a numerator that
  is a subset of its denominator.
- ``valid``: accepted by review (hidden ones included; rejected, withdrawn ones not).
- ``assigned``: sent to the company (accept into processing, or assign).
- ``replied``: assigned and at least one company reply (or solution).
- ``replied_in_sla``: the first reply came no later than the reply deadline running at that
  moment (``REPLY_SLA_WORKING_DAYS`` working days after the case last entered processing).
- ``completed``: the case's current outcome is a consumer confirmation or a successful
  mediation; auto-completion does not count; a reopened case stops counting until it is
  completed again.
- ``rated`` and the three rating sums: the complaint's latest rating (one voice per complaint).
- ``frt_seconds`` and the histogram ``frt_b*``: first assignment → first reply.
- ``overdue``: not a counter; true while the last event after the last status change is the
  SLA sweep's ``overdue`` mark (the same rule as ``Complaint.is_overdue``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from django.utils import timezone

from tousu.common.calendar import is_working_day

from .models import COUNTERS, FRT_BOUNDS_HOURS

SUBMITTED = "submitted"
OVERDUE = "overdue"
ACCEPT, ASSIGN, REPLY = "accept", "assign", "reply"
CONFIRM, MEDIATION_SUCCEEDED = "confirm", "mediation_succeeded"
CLOCK_RESTARTS = frozenset({"follow_up", "dispute", "reopen"})
PROCESSING = "processing"
STATE_FIELDS = ("day", "first_assigned_at", "clock_started_at", "first_reply_at", "overdue")


@dataclass
class Event:
    kind: str
    action: str
    to_status: str
    at: datetime
    rating: tuple[int, int, int] | None = None


@dataclass
class State:
    day: date | None = None
    first_assigned_at: datetime | None = None
    clock_started_at: datetime | None = None
    first_reply_at: datetime | None = None
    overdue: bool = False
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))

    def copy(self) -> State:
        return State(
            self.day,
            self.first_assigned_at,
            self.clock_started_at,
            self.first_reply_at,
            self.overdue,
            dict(self.counts),
        )


def frt_bucket(seconds: int) -> int:
    hours = seconds / 3600
    for i, bound in enumerate(FRT_BOUNDS_HOURS):
        if hours <= bound:
            return i
    return len(FRT_BOUNDS_HOURS)


@lru_cache(maxsize=16384)
def _nth_working_day(day: date, n: int) -> date:
    counted = 0
    while counted < n:
        day += timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return day


def reply_deadline(clock: datetime, days: int) -> datetime:
    """``tousu.common.calendar.add_working_days`` (the same local time on the ``days``-th working
    day after), with the day arithmetic cached: the rebuild asks it once per reply."""
    local = timezone.localtime(clock)
    day = _nth_working_day(local.date(), days)
    return local.replace(year=day.year, month=day.month, day=day.day)


def rating_from_payload(action: str, payload: dict[str, Any]) -> tuple[int, int, int] | None:
    if action != CONFIRM:
        return None
    try:
        return (int(payload["attitude"]), int(payload["speed"]), int(payload["satisfaction"]))
    except (KeyError, TypeError, ValueError):
        return None


def step(state: State, ev: Event, *, sla_days: int) -> State:
    """``state`` after ``ev`` (``state`` is changed in place and returned)."""
    c = state.counts
    if ev.kind == SUBMITTED:
        if state.day is None:
            state.day = timezone.localtime(ev.at).date()
            c["submitted"] = 1
        return state
    if ev.kind == OVERDUE:
        state.overdue = True
        return state
    is_transition = bool(ev.to_status)
    if is_transition:
        state.overdue = False
        if ev.action == ACCEPT:
            c["valid"] = 1
        if (ev.action == ACCEPT and ev.to_status == PROCESSING) or ev.action == ASSIGN:
            c["assigned"] = 1
            if state.first_assigned_at is None:
                state.first_assigned_at = ev.at
            state.clock_started_at = ev.at
        elif ev.action in CLOCK_RESTARTS:
            state.clock_started_at = ev.at
        c["completed"] = 1 if ev.action in (CONFIRM, MEDIATION_SUCCEEDED) else 0
        if ev.action == CONFIRM and ev.rating is not None:
            c["rated"] = 1
            c["attitude_sum"], c["speed_sum"], c["satisfaction_sum"] = ev.rating
    if ev.action == REPLY and state.first_reply_at is None and state.first_assigned_at is not None:
        state.first_reply_at = ev.at
        c["replied"] = 1
        seconds = max(0, int((ev.at - state.first_assigned_at).total_seconds()))
        c["frt_seconds"] = seconds
        c[f"frt_b{frt_bucket(seconds)}"] = 1
        clock = state.clock_started_at or state.first_assigned_at
        if ev.at <= reply_deadline(clock, sla_days):
            c["replied_in_sla"] = 1
    return state


def diff(old: dict[str, int], new: dict[str, int]) -> dict[str, int]:
    return {k: new[k] - old.get(k, 0) for k in COUNTERS if new[k] != old.get(k, 0)}
