"""A hypothesis state machine over the complaint services.

Random actions by random people — the complaint's consumer, another consumer, a merchant of the
company (a member only once the company is claimed), a merchant of another company, a moderator,
a mediator — and by the platform (assignment, closing, the SLA sweep with time moving forward).
Every call is checked against an oracle built from ``states.EDGES``: an allowed call moves to the
table's target and writes exactly one event at the machine's time; a refused call raises 403 or
409 and changes nothing. After every step the invariants of each complaint's timeline are checked.

Each example runs inside a savepoint rolled back at teardown, so examples are independent and the
test works the same on SQLite and PostgreSQL. ``derandomize=True`` makes CI runs repeatable; set
``TOUSU_HYPOTHESIS_RANDOM=1`` (and raise ``TOUSU_HYPOTHESIS_EXAMPLES``) to explore locally.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tousu.accounts.models import Role, User
from tousu.common.calendar import add_working_days
from tousu.common.errors import Conflict, DomainError, IllegalTransition, PermissionDenied
from tousu.companies.models import CompanyMembership, MemberRole, Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind, Rating, Visibility
from tousu.complaints.states import (
    ACCEPTED_STATUSES,
    EDGES,
    NON_TRANSITION_ACTIONS,
    OPEN_STATUSES,
    Action,
    Actor,
    Status,
)

pytestmark = pytest.mark.django_db

START = datetime(2025, 9, 25, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))  # before 国庆 2025

# "platform" acts with actor=None (the SYSTEM actor of the table)
PEOPLE = (
    "owner",
    "other_consumer",
    "merchant",
    "other_merchant",
    "moderator",
    "mediator",
    "platform",
)
# What the machine can ask a service to do → the action of the table it stands for. Ordered from
# moves that take a case forward to moves that end it: hypothesis favours (and shrinks towards)
# the first options, so examples go deep into the lifecycle instead of withdrawing at once.
MOVES: dict[str, Action] = {
    "accept": Action.ACCEPT,
    "assign": Action.ASSIGN,
    "reply": Action.REPLY,
    "request_completion": Action.REQUEST_COMPLETION,
    "confirm": Action.CONFIRM,
    "reopen": Action.REOPEN,
    "dispute": Action.DISPUTE,
    "follow_up": Action.FOLLOW_UP,
    "escalate": Action.ESCALATE,
    "mediation_succeeded": Action.MEDIATION_SUCCEEDED,
    "propose_solution": Action.REPLY,
    "reject": Action.REJECT,
    "resubmit": Action.RESUBMIT,
    "mediation_failed": Action.MEDIATION_FAILED,
    "close_unassigned": Action.CLOSE_UNASSIGNED,
    "withdraw": Action.WITHDRAW,
}
# services that take no acting user: only the platform calls them
PLATFORM_ONLY = {"assign"}
EDGE_ACTORS = {(str(e.action), str(e.source), str(e.target)): e.actors for e in EDGES}
DONE = {Status.COMPLETED, Status.AUTO_COMPLETED}
ENDED = {Status.CLOSED, Status.WITHDRAWN}
NO_SWEEP_CHANGES = {"overdue": 0, "auto_completed": 0, "closed_overdue": 0, "closed_unassigned": 0}


def call(move: str, complaint_id: int, actor: User | None, now: datetime) -> None:
    kw: dict[str, Any] = {"complaint_id": complaint_id, "actor": actor, "now": now}
    match move:
        case "accept":
            services.complaint_accept(**kw)
        case "reject":
            services.complaint_reject(**kw, reason="insufficient", message="请补充订单截图")
        case "withdraw":
            services.complaint_withdraw(**kw)
        case "resubmit":
            services.complaint_resubmit(**kw)
        case "assign":
            services.complaint_assign(complaint_id=complaint_id, now=now)
        case "close_unassigned":
            services.complaint_close_unassigned(**kw, message="企业无法联系")
        case "reply":
            services.complaint_reply(**kw, message="您好，已为您退款")
        case "propose_solution":
            services.complaint_propose_solution(**kw, message="可以退一半")
        case "escalate":
            services.complaint_escalate(**kw, message="申请调解")
        case "follow_up":
            services.complaint_follow_up(**kw, message="还没有收到退款")
        case "request_completion":
            services.complaint_request_completion(**kw, message="已处理，请确认")
        case "confirm":
            services.complaint_confirm_completion(**kw, attitude=5, speed=4, satisfaction=3)
        case "dispute":
            services.complaint_dispute_completion(**kw, message="只退了一半")
        case "reopen":
            services.complaint_reopen(**kw, message="退款又被撤回了")
        case "mediation_succeeded":
            services.complaint_record_mediation(**kw, succeeded=True)
        case "mediation_failed":
            services.complaint_record_mediation(**kw, succeeded=False)
        case _:
            raise AssertionError(move)


def snapshot(*pks: int) -> dict[str, Any]:
    """The rows of ``pks``, their event ids and ratings, and the number of complaints."""
    return {
        "rows": list(Complaint.objects.filter(pk__in=pks).order_by("pk").values()),
        "events": list(
            ComplaintEvent.objects.filter(complaint_id__in=pks).values_list("id", flat=True)
        ),
        "ratings": Rating.objects.filter(complaint_id__in=pks).count(),
        "complaints": Complaint.objects.count(),
    }


class World:
    """Users and companies shared by all examples of one test (created outside the savepoints)."""

    def __init__(self) -> None:
        def user(n: int, role: str) -> User:
            return User.objects.create_user(phone=f"1370000{n:04d}", role=role, nickname=f"u{n}")

        self.people: dict[str, User | None] = {
            "owner": user(1, Role.CONSUMER),
            "other_consumer": user(2, Role.CONSUMER),
            "merchant": user(3, Role.MERCHANT),
            "other_merchant": user(4, Role.MERCHANT),
            "moderator": user(5, Role.MODERATOR),
            "mediator": user(6, Role.MEDIATOR),
            "platform": None,
        }
        self.company = company_create(name="状态机外卖有限公司", sector=Sector.LOCAL_SERVICES)
        other_company = company_create(name="状态机别家电商", sector=Sector.ECOMMERCE)
        CompanyMembership.objects.create(
            company=other_company, user=self.people["other_merchant"], role=MemberRole.OWNER
        )


class ComplaintLifecycle(RuleBasedStateMachine):
    world: ClassVar[World]
    walked: ClassVar[set[tuple[str, str, str]]] = set()  # edges seen over all examples

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.now = START
        self.reachable = False
        self.complaints: list[int] = []
        self.text_of: dict[int, int] = {}
        self.changes: dict[int, int] = {}  # status changes seen per complaint

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- the oracle -------------------------------------------------------------------------

    def kinds(self, person: str) -> set[Actor]:
        return {
            "owner": {Actor.CONSUMER},
            "merchant": {Actor.MERCHANT} if self.reachable else set(),
            "moderator": {Actor.MODERATOR},
            "mediator": {Actor.MEDIATOR},
            "platform": {Actor.SYSTEM},
        }.get(person, set())

    def predict(self, move: str, person: str, c: Complaint) -> tuple[str, Status | None]:
        """``("ok", target)`` (target None: the status stays) or ``(refusal, None)`` with
        refusal one of 403, 409, duplicate, unreachable."""
        if (move in PLATFORM_ONLY) != (person == "platform") and move != "close_unassigned":
            return "skip", None  # the service cannot even be called this way
        action = MOVES[move]
        kinds = self.kinds(person)
        if not kinds & {a for e in EDGES if e.action == action for a in e.actors}:
            return "403", None
        edges = [e for e in EDGES if e.action == action and e.source == c.status]
        if action == Action.ACCEPT:
            target = Status.PROCESSING if self.reachable else Status.UNASSIGNED
            edges = [e for e in edges if e.target == target]
        if edges:
            if not kinds & edges[0].actors:
                return "403", None
            if action == Action.REOPEN and self.now - c.completed_at > timedelta(days=30):  # type: ignore[operator]
                return "409", None
            if action == Action.RESUBMIT and self.open_copy(c):
                return "duplicate", None
            if action == Action.ASSIGN and not self.reachable:
                return "unreachable", None
            return "ok", edges[0].target
        if c.status in NON_TRANSITION_ACTIONS.get(str(action), frozenset()):
            return "ok", None
        return "409", None

    def open_copy(self, c: Complaint) -> bool:
        copies = [
            pk for pk in self.complaints if pk != c.pk and self.text_of[pk] == self.text_of[c.pk]
        ]
        return Complaint.objects.filter(pk__in=copies, status__in=OPEN_STATUSES).exists()

    def legal_moves(self, c: Complaint) -> list[tuple[str, str]]:
        return [(m, p) for m in MOVES for p in PEOPLE if self.predict(m, p, c)[0] == "ok"]

    # --- acting ----------------------------------------------------------------------------

    def perform(self, move: str, person: str, c: Complaint) -> None:
        expected, target = self.predict(move, person, c)
        if expected == "skip":
            return
        actor = self.world.people[person]
        before = snapshot(c.pk)
        if expected != "ok":
            with pytest.raises(DomainError) as info:
                call(move, c.pk, actor, self.now)
            err, context = info.value, (move, person, c.status, info.value.code)
            if expected == "403":
                assert isinstance(err, PermissionDenied), context
            elif expected == "409":
                assert isinstance(err, IllegalTransition), context
            else:
                assert isinstance(err, Conflict), context
                assert (
                    err.code
                    == {
                        "duplicate": "duplicate_open_complaint",
                        "unreachable": "company_unreachable",
                    }[expected]
                ), context
            assert snapshot(c.pk) == before, (*context, "changed after a refusal")
            return
        call(move, c.pk, actor, self.now)
        after = Complaint.objects.get(pk=c.pk)
        new = list(
            ComplaintEvent.objects.filter(complaint_id=c.pk).exclude(pk__in=before["events"])
        )
        assert len(new) == 1, (move, person, [(e.kind, e.action) for e in new])
        event = new[0]
        assert event.created_at == self.now
        assert event.actor_id == (actor.pk if actor else None)
        assert event.action == MOVES[move]
        if target is None:  # a timeline entry without a status change
            assert after.status == c.status
            assert (event.from_status, event.to_status) == ("", "")
            return
        assert after.status == target, (move, person, c.status, after.status)
        self.changes[c.pk] += 1
        kind = EventKind.SOLUTION if move == "propose_solution" else EventKind.TRANSITION
        assert (event.kind, event.from_status, event.to_status) == (kind, c.status, target)
        if target == Status.PROCESSING:  # the reply clock (re)starts
            assert after.reply_due_at == add_working_days(self.now, 5)
            assert after.is_overdue is False
        if target == Status.COMPLETION_REQUESTED:
            assert after.confirm_due_at == self.now + timedelta(days=7)

    def submit(self, text: int) -> None:
        owner = self.world.people["owner"]
        assert owner is not None
        data = services.ComplaintInput(
            title=f"外卖订单{text}号超时未送达",
            details=f"订单{text}号：下单后三个小时才送到，饭菜都凉了，客服拒绝退款。",
            company_id=self.world.company.pk,
            problem_types=["delivery"],
            demands=["refund"],
        )
        copies = [pk for pk in self.complaints if self.text_of[pk] == text]
        before = Complaint.objects.count()
        if Complaint.objects.filter(pk__in=copies, status__in=OPEN_STATUSES).exists():
            with pytest.raises(Conflict) as info:
                services.complaint_submit(consumer=owner, data=data, now=self.now)
            assert info.value.code == "duplicate_open_complaint"
            assert Complaint.objects.count() == before
            return
        c, created = services.complaint_submit(consumer=owner, data=data, now=self.now)
        assert created
        assert (c.status, c.submitted_at) == (Status.PENDING_REVIEW, self.now)
        assert c.review_due_at == add_working_days(self.now, 2)
        self.complaints.append(c.pk)
        self.text_of[c.pk] = text
        self.changes[c.pk] = 0

    # --- rules ------------------------------------------------------------------------------

    @initialize(reachable=st.booleans())
    def a_consumer_files_a_complaint(self, reachable: bool) -> None:
        if reachable:
            self.claim()
        self.submit(0)

    @precondition(lambda self: len(self.complaints) < 3)
    @rule(text=st.integers(0, 1))
    def the_consumer_files_another(self, text: int) -> None:
        self.submit(text)

    @rule(
        move=st.sampled_from(list(MOVES)),
        person=st.sampled_from(PEOPLE),
        which=st.integers(0, 2),
    )
    def anyone_tries_anything(self, move: str, person: str, which: int) -> None:
        """Mostly refused: 403/409 and nothing changed."""
        pk = self.complaints[which % len(self.complaints)]
        self.perform(move, person, Complaint.objects.get(pk=pk))

    def legal_move(self, data: st.DataObject, *, onwards: bool) -> None:
        options = [
            (c, move, person)
            for c in Complaint.objects.filter(pk__in=self.complaints).order_by("pk")
            for move, person in self.legal_moves(c)
            if not onwards or self.predict(move, person, c)[1] not in {None, *ENDED}
        ]
        if options:
            c, move, person = data.draw(st.sampled_from(options), label="legal move")
            self.perform(move, person, c)

    @rule(data=st.data())
    def someone_makes_a_legal_move(self, data: st.DataObject) -> None:
        """A move the table allows, on any complaint that still has one."""
        self.legal_move(data, onwards=False)

    @rule(data=st.data(), moves=st.integers(1, 4))
    def the_case_moves_on(self, data: st.DataObject, moves: int) -> None:
        """A few status changes that do not end the case: gets deep into the lifecycle."""
        for _ in range(moves):
            self.legal_move(data, onwards=True)

    def claim(self) -> None:
        CompanyMembership.objects.create(
            company=self.world.company, user=self.world.people["merchant"], role=MemberRole.AGENT
        )
        self.reachable = True

    @precondition(
        lambda self: (
            not self.reachable
            and Complaint.objects.filter(pk__in=self.complaints, status=Status.UNASSIGNED).exists()
        )
    )
    @rule()
    def a_merchant_claims_the_company(self) -> None:
        """What ``company_add_member`` does, at the machine's time: the company's unassigned
        complaints are assigned to it."""
        self.claim()
        for c in Complaint.objects.filter(pk__in=self.complaints, status=Status.UNASSIGNED):
            self.perform("assign", "platform", c)

    @rule(hours=st.integers(1, 72))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)

    @rule()
    def a_week_passes_and_the_sweep_runs(self) -> None:
        """Completion requests time out (7 days), replies become overdue (5 working days)."""
        self.now += timedelta(days=8)
        self.the_sla_sweep_runs()

    @rule(days=st.sampled_from([60, 31, 95]))
    def months_pass_and_the_sweep_runs(self, days: int) -> None:
        """Long-overdue cases close (30 working days), unassigned ones too (90 days)."""
        self.now += timedelta(days=days)
        self.the_sla_sweep_runs()

    def the_sla_sweep_runs(self) -> None:
        now = self.now
        expected: dict[int, tuple[str, bool]] = {}
        for c in Complaint.objects.filter(pk__in=self.complaints):
            status, overdue = c.status, c.is_overdue
            if status == Status.PROCESSING and c.reply_due_at and c.reply_due_at < now:
                overdue = True
                if add_working_days(c.reply_due_at, 30) < now:
                    status = Status.CLOSED
                    overdue = False  # the reply clock stops when the case leaves processing
            elif status == Status.COMPLETION_REQUESTED and c.confirm_due_at < now:  # type: ignore[operator]
                status = Status.AUTO_COMPLETED
            elif status == Status.UNASSIGNED and c.accepted_at < now - timedelta(days=90):  # type: ignore[operator]
                status = Status.CLOSED
            expected[c.pk] = (status, overdue)
            if status != c.status:
                self.changes[c.pk] += 1
        services.sla_sweep(now=now)
        for c in Complaint.objects.filter(pk__in=self.complaints):
            assert (c.status, c.is_overdue) == expected[c.pk], c.pk
        before = snapshot(*self.complaints)
        assert services.sla_sweep(now=now) == NO_SWEEP_CHANGES
        assert snapshot(*self.complaints) == before

    # --- invariants ----------------------------------------------------------------------------

    @invariant()
    def timelines_are_consistent(self) -> None:
        timelines: dict[int, list[ComplaintEvent]] = {pk: [] for pk in self.complaints}
        events_qs = ComplaintEvent.objects.filter(complaint_id__in=self.complaints)
        for event in events_qs.order_by("id"):
            timelines[event.complaint_id].append(event)
        ratings = list(
            Rating.objects.filter(complaint_id__in=self.complaints).select_related("event")
        )
        for c in Complaint.objects.filter(pk__in=self.complaints):
            events = timelines[c.pk]
            first = events[0]
            assert (first.kind, first.from_status, first.to_status) == (
                EventKind.SUBMITTED,
                "",
                Status.PENDING_REVIEW,
            )
            # in time order, ids increasing, never in the machine's future
            times = [e.created_at for e in events]
            assert times == sorted(times), "the timeline goes back in time"
            assert times[-1] <= self.now
            # the status changes only with an event; the chain is continuous from submission
            changes = [e for e in events[1:] if e.from_status or e.to_status]
            assert len(changes) == self.changes[c.pk]
            status = Status.PENDING_REVIEW
            for e in changes:
                assert e.kind in (EventKind.TRANSITION, EventKind.SOLUTION), e.kind
                assert e.from_status == status, (e.from_status, status)
                assert e.actor_role in EDGE_ACTORS[(e.action, e.from_status, e.to_status)]
                assert (e.actor_id is None) == (e.actor_role == Actor.SYSTEM)
                status = Status(e.to_status)
            assert c.status == status
            self.walked.update((e.action, e.from_status, e.to_status) for e in changes)
            # the first reply
            replies = [e for e in events if e.action == Action.REPLY]
            assert (c.first_reply_at is not None) == bool(replies)
            if replies:
                assert c.first_reply_at == replies[0].created_at
                assert c.last_reply_at == replies[-1].created_at
                assert {e.actor_role for e in replies} == {Actor.MERCHANT}
            # completion and closing
            assert (c.completed_at is not None) == (c.status in DONE)
            if c.completed_at is not None:
                assert c.completed_at == changes[-1].created_at
            assert (c.closed_at is not None) == (c.status in ENDED)
            # ratings only with the consumer's confirmation, one per confirmation
            confirms = {e.pk for e in changes if e.action == Action.CONFIRM}
            mine = [r for r in ratings if r.complaint_id == c.pk]
            assert len(mine) == len(confirms)
            assert {r.event_id for r in mine} == confirms
            for r in mine:
                assert (r.event.actor_id, r.event.actor_role) == (c.consumer_id, Actor.CONSUMER)
            # public once review accepted it, never before
            assert (c.visibility == Visibility.PUBLIC) == (c.status in ACCEPTED_STATUSES)
            # deadlines
            if c.status == Status.PROCESSING:
                assert c.reply_due_at is not None and c.assigned_at is not None
            if c.status == Status.COMPLETION_REQUESTED:
                assert c.confirm_due_at == c.completion_requested_at + timedelta(days=7)  # type: ignore[operator]
            if c.is_overdue:
                assert c.status == Status.PROCESSING
                marks = [e for e in events if e.kind == EventKind.OVERDUE]
                assert marks and marks[-1].created_at > c.reply_due_at  # type: ignore[operator]


SETTINGS = settings(
    max_examples=int(os.environ.get("TOUSU_HYPOTHESIS_EXAMPLES") or 40),
    stateful_step_count=40,
    deadline=None,
    derandomize=not os.environ.get("TOUSU_HYPOTHESIS_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_complaint_lifecycle_state_machine(db: None) -> None:
    ComplaintLifecycle.world = World()
    ComplaintLifecycle.walked = set()
    run_state_machine_as_test(ComplaintLifecycle, settings=SETTINGS)
    # The machine must actually get around the lifecycle (tests/api/test_lifecycle.py walks every
    # edge on purpose; here a few may be missed by chance, never most of them).
    missing = set(EDGE_ACTORS) - ComplaintLifecycle.walked
    assert len(missing) <= 3, f"the machine never walked {sorted(missing)}"
