"""The complaint lifecycle over HTTP: every edge of ``states.EDGES`` is walked through /api/v1,
and every (action endpoint, status) pair outside the table answers 409 and changes nothing.

Edges without an endpoint of their own are walked the way they happen in production: ``assign``
through POST /api/v1/companies/{id}/verify, ``close_overdue`` and ``auto_complete`` through the SLA
sweep run with a ``now`` in the future.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.common.calendar import add_working_days
from tousu.companies.models import Company, CompanyMembership, MemberRole, Sector
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind, Rating, Visibility
from tousu.complaints.states import EDGES, NON_TRANSITION_ACTIONS, Action, Actor, Status

pytestmark = pytest.mark.django_db

EdgeKey = tuple[str, str, str]  # (action, source, target) as plain strings


def key(action: Action, source: Status, target: Status) -> EdgeKey:
    return (str(action), str(source), str(target))


EDGE_KEYS: set[EdgeKey] = {key(e.action, e.source, e.target) for e in EDGES}
EDGE_ACTORS: dict[EdgeKey, frozenset[Actor]] = {
    key(e.action, e.source, e.target): e.actors for e in EDGES
}
A, S = Action, Status

ACCEPT_PROCESSING = key(A.ACCEPT, S.PENDING_REVIEW, S.PROCESSING)
ACCEPT_UNASSIGNED = key(A.ACCEPT, S.PENDING_REVIEW, S.UNASSIGNED)
REJECT = key(A.REJECT, S.PENDING_REVIEW, S.REJECTED)
WITHDRAW = key(A.WITHDRAW, S.PENDING_REVIEW, S.WITHDRAWN)
RESUBMIT = key(A.RESUBMIT, S.REJECTED, S.PENDING_REVIEW)
ASSIGN = key(A.ASSIGN, S.UNASSIGNED, S.PROCESSING)
CLOSE_UNASSIGNED = key(A.CLOSE_UNASSIGNED, S.UNASSIGNED, S.CLOSED)
REPLY = key(A.REPLY, S.PROCESSING, S.REPLIED)
ESCALATE_PROCESSING = key(A.ESCALATE, S.PROCESSING, S.MEDIATION)
CLOSE_OVERDUE = key(A.CLOSE_OVERDUE, S.PROCESSING, S.CLOSED)
FOLLOW_UP = key(A.FOLLOW_UP, S.REPLIED, S.PROCESSING)
REQUEST_COMPLETION = key(A.REQUEST_COMPLETION, S.REPLIED, S.COMPLETION_REQUESTED)
ESCALATE_REPLIED = key(A.ESCALATE, S.REPLIED, S.MEDIATION)
CONFIRM = key(A.CONFIRM, S.COMPLETION_REQUESTED, S.COMPLETED)
DISPUTE = key(A.DISPUTE, S.COMPLETION_REQUESTED, S.PROCESSING)
AUTO_COMPLETE = key(A.AUTO_COMPLETE, S.COMPLETION_REQUESTED, S.AUTO_COMPLETED)
REOPEN = key(A.REOPEN, S.COMPLETED, S.PROCESSING)
MEDIATION_SUCCEEDED = key(A.MEDIATION_SUCCEEDED, S.MEDIATION, S.COMPLETED)
MEDIATION_FAILED = key(A.MEDIATION_FAILED, S.MEDIATION, S.CLOSED)

STARS = {"attitude": 4, "speed": 3, "satisfaction": 5, "comment": "处理得还算及时"}
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- the world: users, companies and their HTTP clients -------------------------------------


@dataclass
class World:
    users: dict[str, User]
    clients: dict[str, Client]
    company: Company  # has a merchant member: accepted complaints go to processing
    form: dict[str, Any]
    counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def lone_company(self) -> Company:
        """A new company nobody has claimed: accepted complaints wait in unassigned."""
        return company_create(name=f"无人认领商贸{next(self.counter)}号", sector=Sector.OTHER)

    def file(self, company: Company) -> str:
        n = next(self.counter)
        resp = self.clients["consumer"].post(
            "/api/v1/complaints",
            {
                **self.form,
                "title": f"{self.form['title']}（第{n}单）",
                "details": f"{self.form['details']}订单序号{n}。",
                "company_id": company.pk,
            },
        )
        assert resp.status_code == 201, resp.content
        return str(resp.json()["public_number"])

    def post(self, role: str, number: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.clients[role].post(
            f"/api/v1/complaints/{number}/{path}", data=body or {}, content_type="application/json"
        )

    def ok(self, role: str, number: str, path: str, body: dict[str, Any] | None = None) -> Any:
        resp = self.post(role, number, path, body)
        assert resp.status_code == 200, (path, role, resp.status_code, resp.content)
        return resp.json()


@pytest.fixture
def world(
    client_for: Callable[[User | None], Client],
    consumer: User,
    other_consumer: User,
    moderator: User,
    mediator: User,
    merchant: User,
    other_merchant: User,
    company: Company,
    complaint_form: dict[str, Any],
) -> World:
    users = {
        "consumer": consumer,
        "other_consumer": other_consumer,
        "moderator": moderator,
        "mediator": mediator,
        "merchant": merchant,
        "other_merchant": other_merchant,
    }
    clients = {name: client_for(user) for name, user in users.items()}
    clients["anonymous"] = client_for(None)
    return World(users=users, clients=clients, company=company, form=complaint_form)


def complaint(number: str) -> Complaint:
    return Complaint.objects.get(public_number=number)


# --- one HTTP step per edge --------------------------------------------------------------------

Step = Callable[[World, str], None]


def http(path: str, role: str, body: dict[str, Any] | None = None) -> Step:
    def step(w: World, number: str) -> None:
        w.ok(role, number, path, body)

    step.__doc__ = f"POST {path} as {role}"
    return step


def verify_company(w: World, number: str) -> None:
    """A merchant's claim of the company is on record; staff verify the company over HTTP and
    its unassigned complaints go to processing (actor: the platform)."""
    c = complaint(number)
    CompanyMembership.objects.create(
        company=c.company, user=w.users["merchant"], role=MemberRole.OWNER
    )
    resp = w.clients["moderator"].post(f"/api/v1/companies/{c.company_id}/verify")
    assert resp.status_code == 200, resp.content
    assert resp.json()["is_verified"] is True


def sweep_long_overdue(w: World, number: str) -> None:
    c = complaint(number)
    assert c.reply_due_at is not None
    due = add_working_days(c.reply_due_at, 30)
    counts = services.sla_sweep(now=due + timedelta(minutes=1))
    assert counts["closed_overdue"] >= 1


def sweep_confirm_timeout(w: World, number: str) -> None:
    c = complaint(number)
    assert c.confirm_due_at is not None
    counts = services.sla_sweep(now=c.confirm_due_at + timedelta(minutes=1))
    assert counts["auto_completed"] >= 1


STEPS: dict[EdgeKey, Step] = {
    ACCEPT_PROCESSING: http("accept", "moderator", {"message": "已受理"}),
    ACCEPT_UNASSIGNED: http("accept", "moderator"),
    REJECT: http("reject", "moderator", {"reason": "insufficient", "message": "请补充订单截图"}),
    WITHDRAW: http("withdraw", "consumer", {"message": "商家已私下退款"}),
    RESUBMIT: http(
        "resubmit",
        "consumer",
        {"details": "补充：6月1日下单，订单截图已上传，超时两个小时才送到。"},
    ),
    ASSIGN: verify_company,
    CLOSE_UNASSIGNED: http("close", "moderator", {"message": "企业已注销，无法联系"}),
    REPLY: http("reply", "merchant", {"message": "您好，已核实情况，今天为您全额退款。"}),
    ESCALATE_PROCESSING: http("escalate", "consumer", {"message": "商家一直不处理"}),
    CLOSE_OVERDUE: sweep_long_overdue,
    FOLLOW_UP: http("follow-up", "consumer", {"message": "到现在还没有收到退款"}),
    REQUEST_COMPLETION: http("request-completion", "merchant", {"message": "已退款，请确认"}),
    ESCALATE_REPLIED: http("escalate", "moderator", {"message": "双方分歧较大，转调解"}),
    CONFIRM: http("confirm", "consumer", STARS),
    DISPUTE: http("dispute", "consumer", {"message": "只退了一半的钱"}),
    AUTO_COMPLETE: sweep_confirm_timeout,
    REOPEN: http("reopen", "consumer", {"message": "退款又被撤回了"}),
    MEDIATION_SUCCEEDED: http("mediation-outcome", "mediator", {"succeeded": True}),
    MEDIATION_FAILED: http("mediation-outcome", "mediator", {"succeeded": False}),
}

# A walk from submission to each status; through the company with a merchant member where one
# exists, so the 409 checks below can be made by a merchant of the complaint's company.
PATH_TO: dict[Status, list[EdgeKey]] = {
    S.PENDING_REVIEW: [],
    S.REJECTED: [REJECT],
    S.WITHDRAWN: [WITHDRAW],
    S.UNASSIGNED: [ACCEPT_UNASSIGNED],
    S.PROCESSING: [ACCEPT_PROCESSING],
    S.REPLIED: [ACCEPT_PROCESSING, REPLY],
    S.COMPLETION_REQUESTED: [ACCEPT_PROCESSING, REPLY, REQUEST_COMPLETION],
    S.COMPLETED: [ACCEPT_PROCESSING, REPLY, REQUEST_COMPLETION, CONFIRM],
    S.AUTO_COMPLETED: [ACCEPT_PROCESSING, REPLY, REQUEST_COMPLETION, AUTO_COMPLETE],
    S.MEDIATION: [ACCEPT_PROCESSING, ESCALATE_PROCESSING],
    S.CLOSED: [ACCEPT_PROCESSING, ESCALATE_PROCESSING, MEDIATION_FAILED],
}


def walk(w: World, edges: list[EdgeKey]) -> str:
    """File a complaint and walk it along ``edges``, checking each step's event."""
    first_source = edges[0][1] if edges else S.PENDING_REVIEW
    needs_lone = ACCEPT_UNASSIGNED in edges or first_source == S.UNASSIGNED
    number = w.file(w.lone_company() if needs_lone else w.company)
    for edge in edges:
        _, source, target = edge
        before = complaint(number)
        assert before.status == source, (edge, before.status)
        events_before = ComplaintEvent.objects.filter(complaint=before).count()
        STEPS[edge](w, number)
        after = complaint(number)
        assert after.status == target, (edge, after.status)
        new = list(ComplaintEvent.objects.filter(complaint=after, kind=EventKind.TRANSITION))
        last = new[-1]
        assert (last.action, last.from_status, last.to_status) == edge
        assert last.actor_role in EDGE_ACTORS[edge]
        # a sweep may add an "overdue" entry before closing; a step writes one status change
        added = ComplaintEvent.objects.filter(complaint=after).count() - events_before
        assert added == (2 if edge == CLOSE_OVERDUE else 1), (edge, added)
    return number


def walked_edges(number: str) -> list[EdgeKey]:
    return [
        (e.action, e.from_status, e.to_status)
        for e in ComplaintEvent.objects.filter(
            complaint__public_number=number, kind=EventKind.TRANSITION
        ).order_by("id")
    ]


# --- every edge --------------------------------------------------------------------------------


def test_every_edge_has_an_http_step_and_every_status_a_path() -> None:
    assert set(STEPS) == EDGE_KEYS
    assert set(PATH_TO) == set(Status)
    for path in PATH_TO.values():
        assert set(path) <= EDGE_KEYS
        for (_, _, target), (_, source, _) in itertools.pairwise(path):
            assert target == source


EDGE_PARAMS = [
    pytest.param(key(e.action, e.source, e.target), id=f"{e.action}:{e.source}->{e.target}")
    for e in EDGES
]


@pytest.mark.parametrize("edge", EDGE_PARAMS)
def test_walk_edge(world: World, edge: EdgeKey) -> None:
    path = [*PATH_TO[Status(edge[1])], edge]
    number = walk(world, path)
    assert walked_edges(number) == path
    first = ComplaintEvent.objects.filter(complaint__public_number=number).order_by("id").first()
    assert first is not None
    assert (first.kind, first.to_status) == (EventKind.SUBMITTED, S.PENDING_REVIEW)


def test_walks_cover_exactly_the_table(world: World) -> None:
    """One database, every edge walked: the (action, source, target) set equals EDGES."""
    for e in EDGES:
        edge = key(e.action, e.source, e.target)
        walk(world, [*PATH_TO[e.source], edge])
    walked = set(
        ComplaintEvent.objects.filter(kind=EventKind.TRANSITION).values_list(
            "action", "from_status", "to_status"
        )
    )
    assert walked == EDGE_KEYS


# --- what the steps write -------------------------------------------------------------------------


def test_accept_goes_to_processing_with_a_reply_deadline(world: World) -> None:
    number = walk(world, [ACCEPT_PROCESSING])
    c = complaint(number)
    assert c.visibility == Visibility.PUBLIC
    assert c.accepted_at == c.assigned_at
    assert c.reply_due_at == add_working_days(c.assigned_at, 5)  # type: ignore[arg-type]
    assert c.is_overdue is False


def test_accept_without_merchant_members_waits_unassigned_then_verify_assigns(world: World) -> None:
    number = walk(world, [ACCEPT_UNASSIGNED])
    c = complaint(number)
    assert (c.visibility, c.assigned_at, c.reply_due_at) == (Visibility.PUBLIC, None, None)
    # verifying a company nobody belongs to does not assign: no one would read the complaint
    resp = world.clients["moderator"].post(f"/api/v1/companies/{c.company_id}/verify")
    assert resp.status_code == 200
    assert complaint(number).status == S.UNASSIGNED
    verify_company(world, number)
    c = complaint(number)
    assert c.status == S.PROCESSING
    assert c.reply_due_at == add_working_days(c.assigned_at, 5)  # type: ignore[arg-type]
    event = c.events.get(action=A.ASSIGN)
    assert (event.actor_role, event.actor_id) == (Actor.SYSTEM, None)


def test_adding_a_member_assigns_the_unassigned_complaints(world: World, make_user: Any) -> None:
    number = walk(world, [ACCEPT_UNASSIGNED])
    c = complaint(number)
    newcomer = make_user(Role.MERCHANT, nickname="新认领的客服")
    company_add_member(company=c.company, user=newcomer, role=MemberRole.AGENT)
    assert walked_edges(number) == [ACCEPT_UNASSIGNED, ASSIGN]
    resp = world.clients["consumer"].get(f"/api/v1/complaints/{number}")
    assert resp.json()["status"] == "processing"


def test_confirm_records_the_three_ratings(world: World) -> None:
    number = walk(world, PATH_TO[S.COMPLETED])
    c = complaint(number)
    rating = Rating.objects.get(complaint=c)
    assert (rating.attitude, rating.speed, rating.satisfaction, rating.comment) == (
        4,
        3,
        5,
        STARS["comment"],
    )
    assert rating.event.action == A.CONFIRM
    assert c.completed_at == rating.event.created_at
    detail = world.clients["anonymous"].get(f"/api/v1/complaints/{number}").json()
    confirm = [e for e in detail["events"] if e["action"] == "confirm"]
    assert confirm[0]["rating"] == {
        k: STARS[k] for k in ("attitude", "speed", "satisfaction", "comment")
    }


def test_reopen_within_30_days_and_refused_after(world: World) -> None:
    number = walk(world, PATH_TO[S.COMPLETED])
    c = complaint(number)
    # completed 30 days ago: still allowed
    Complaint.objects.filter(pk=c.pk).update(completed_at=c.completed_at - timedelta(days=29))  # type: ignore[operator]
    body = world.ok("consumer", number, "reopen", {"message": "退款又被撤回了"})
    assert body["status"] == "processing"
    assert body["completed_at"] is None

    number = walk(world, PATH_TO[S.COMPLETED])
    c = complaint(number)
    Complaint.objects.filter(pk=c.pk).update(completed_at=c.completed_at - timedelta(days=31))  # type: ignore[operator]
    before = snapshot(number)
    resp = world.post("consumer", number, "reopen", {"message": "退款又被撤回了"})
    assert resp.status_code == 409, resp.content
    assert resp.json()["code"] == "reopen_window_passed"
    assert CJK.search(resp.json()["message"])
    assert snapshot(number) == before


# --- everything outside the table answers 409 and changes nothing -------------------------------


@dataclass(frozen=True)
class Endpoint:
    path: str
    action: Action
    role: str
    body: dict[str, Any]

    @property
    def actor(self) -> Actor:
        return {
            "consumer": Actor.CONSUMER,
            "merchant": Actor.MERCHANT,
            "moderator": Actor.MODERATOR,
            "mediator": Actor.MEDIATOR,
        }[self.role]

    def allowed_in(self, status: Status) -> bool:
        by_table = any(
            e.action == self.action and e.source == status and self.actor in e.actors for e in EDGES
        )
        return by_table or status in NON_TRANSITION_ACTIONS.get(str(self.action), frozenset())


MESSAGE = {"message": "补充说明一下情况"}
ENDPOINTS = [
    Endpoint("accept", A.ACCEPT, "moderator", {}),
    Endpoint("reject", A.REJECT, "moderator", {"reason": "spam", "message": "广告"}),
    Endpoint("withdraw", A.WITHDRAW, "consumer", {}),
    Endpoint("resubmit", A.RESUBMIT, "consumer", {"details": "重新补充了订单信息和聊天记录截图。"}),
    Endpoint("close", A.CLOSE_UNASSIGNED, "moderator", {}),
    Endpoint("reply", A.REPLY, "merchant", MESSAGE),
    Endpoint("propose-solution", A.REPLY, "merchant", {"message": "可以退款50%"}),
    Endpoint("escalate", A.ESCALATE, "consumer", {}),
    Endpoint("escalate", A.ESCALATE, "moderator", {}),
    Endpoint("follow-up", A.FOLLOW_UP, "consumer", MESSAGE),
    Endpoint("request-completion", A.REQUEST_COMPLETION, "merchant", {}),
    Endpoint("confirm", A.CONFIRM, "consumer", STARS),
    Endpoint("dispute", A.DISPUTE, "consumer", MESSAGE),
    Endpoint("reopen", A.REOPEN, "consumer", MESSAGE),
    Endpoint("mediation-outcome", A.MEDIATION_SUCCEEDED, "mediator", {"succeeded": True}),
    Endpoint("mediation-outcome", A.MEDIATION_FAILED, "mediator", {"succeeded": False}),
]
# Actions the platform performs by itself: no endpoint, walked above through verify and the sweep.
SYSTEM_ONLY = {A.ASSIGN, A.CLOSE_OVERDUE, A.AUTO_COMPLETE}


def test_every_action_a_person_takes_has_an_endpoint() -> None:
    assert {ep.action for ep in ENDPOINTS} | SYSTEM_ONLY == set(Action)
    for e in EDGES:
        if e.action not in SYSTEM_ONLY:
            assert any(ep.action == e.action and ep.actor in e.actors for ep in ENDPOINTS), e


def snapshot(number: str) -> dict[str, Any]:
    c = Complaint.objects.filter(public_number=number).values().get()
    return {
        "complaint": c,
        "events": ComplaintEvent.objects.count(),
        "event_ids": list(
            ComplaintEvent.objects.filter(complaint_id=c["id"]).values_list("id", "kind")
        ),
        "ratings": Rating.objects.count(),
        "complaints": Complaint.objects.count(),
    }


# Before review accepts a complaint only its consumer and the moderators know it exists: the
# company's merchants and mediators get 404 (selectors.can_see_private), not 409, which would
# confirm the complaint exists.
NOT_YET_PUBLIC = {S.PENDING_REVIEW, S.REJECTED, S.WITHDRAWN}


@pytest.mark.parametrize("status", list(Status), ids=str)
def test_actions_outside_the_table_answer_409_and_change_nothing(
    world: World, status: Status, django_capture_on_commit_callbacks: Any
) -> None:
    number = walk(world, PATH_TO[status])
    c = complaint(number)
    if status == S.UNASSIGNED:
        # A merchant of the company, recorded without the assignment hook, must still not act on
        # a complaint the platform has not assigned: the refusal is about status (409), not 403.
        CompanyMembership.objects.create(
            company=c.company, user=world.users["merchant"], role=MemberRole.AGENT
        )
    refused = [ep for ep in ENDPOINTS if not ep.allowed_in(status)]
    assert refused, status
    failures = []
    for ep in refused:
        before = snapshot(number)
        with django_capture_on_commit_callbacks() as scheduled:
            resp = world.post(ep.role, number, ep.path, ep.body)
        body = resp.json()
        problems = []
        if scheduled:
            problems.append(f"{len(scheduled)} notifications scheduled")
        if status in NOT_YET_PUBLIC and ep.role in ("merchant", "mediator"):
            expected = (404, "complaint_not_found", {})
        else:
            expected = (
                409,
                "illegal_transition",
                {"action": str(ep.action), "status": str(status)},
            )
        if (resp.status_code, body.get("code"), body.get("details")) != expected:
            problems.append(f"got {resp.status_code} {body.get('code')} {body.get('details')}")
        if not CJK.search(body.get("message", "")):
            problems.append(f"message {body.get('message')!r}")
        if snapshot(number) != before:
            problems.append("the database changed")
        if problems:
            failures.append(f"{ep.role} POST {ep.path} {ep.body}: {', '.join(problems)}")
    assert not failures, "\n".join(failures)


NON_TRANSITION_PAIRS = [
    pytest.param(ep, status, id=f"{ep.path}-by-{ep.role}-in-{status}")
    for ep in ENDPOINTS
    for status in sorted(NON_TRANSITION_ACTIONS.get(str(ep.action), ()))
]


@pytest.mark.parametrize(("ep", "status"), NON_TRANSITION_PAIRS)
def test_timeline_only_actions_keep_the_status(world: World, ep: Endpoint, status: Status) -> None:
    number = walk(world, PATH_TO[Status(status)])
    before = complaint(number)
    events_before = before.events.count()
    body = world.ok(ep.role, number, ep.path, ep.body)
    after = complaint(number)
    assert body["status"] == after.status == status
    last = after.events.order_by("-id").first()
    assert last is not None
    assert (last.kind, last.action, last.from_status, last.to_status) == (
        EventKind.SOLUTION if ep.path == "propose-solution" else str(ep.action),
        str(ep.action),
        "",
        "",
    )
    assert after.events.count() == events_before + 1
    if ep.action == A.REPLY:
        assert after.first_reply_at == before.first_reply_at
        assert after.last_reply_at == last.created_at


# --- the wrong people are refused before anything else, and nothing changes ----------------------

DENIED = [
    (S.PENDING_REVIEW, "consumer", "accept", {}, 403),
    (S.PENDING_REVIEW, "merchant", "reject", {"reason": "spam"}, 404),  # not accepted yet
    (S.PROCESSING, "merchant", "reject", {"reason": "spam"}, 403),
    (S.PENDING_REVIEW, "other_consumer", "withdraw", {}, 404),  # not public yet
    (S.PROCESSING, "other_merchant", "reply", MESSAGE, 403),
    (S.PROCESSING, "other_consumer", "escalate", {}, 403),
    (S.PROCESSING, "anonymous", "escalate", {}, 401),
    (S.PROCESSING, "mediator", "reply", MESSAGE, 403),
    (S.REPLIED, "other_merchant", "reply", MESSAGE, 403),
    (S.REPLIED, "other_consumer", "follow-up", MESSAGE, 403),
    (S.REPLIED, "merchant", "follow-up", MESSAGE, 403),
    (S.COMPLETION_REQUESTED, "other_consumer", "confirm", STARS, 403),
    (S.COMPLETION_REQUESTED, "merchant", "confirm", STARS, 403),
    (S.COMPLETION_REQUESTED, "consumer", "confirm", {**STARS, "speed": 6}, 422),
    (S.MEDIATION, "moderator", "mediation-outcome", {"succeeded": True}, 403),
    (S.MEDIATION, "consumer", "mediation-outcome", {"succeeded": True}, 403),
    (S.UNASSIGNED, "consumer", "close", {}, 403),
]


@pytest.mark.parametrize(("status", "role", "path", "body", "expected"), DENIED)
def test_denied_requests_change_nothing(
    world: World, status: Status, role: str, path: str, body: dict[str, Any], expected: int
) -> None:
    number = walk(world, PATH_TO[status])
    before = snapshot(number)
    resp = world.post(role, number, path, body)
    assert resp.status_code == expected, resp.content
    assert set(resp.json()) == {"code", "message", "details"}
    assert CJK.search(resp.json()["message"])
    assert snapshot(number) == before
