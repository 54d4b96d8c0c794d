"""Property: random event sequences driven through the real services leave the incremental
counters exactly equal to a rebuild from the timelines — the SQL fold (``sqlfold``, what
``tousu metrics-rebuild`` runs) and the Python fold it replaced (``rebuild_python``).

Complaints of two companies (one claimed, one not until a merchant claims it), some with a
brand, filed on different days; random moves by the right actor (most of them refused by the
state machine, which is fine: a refusal must change no counter either), time moving forward,
the SLA sweep. Each example runs in a savepoint rolled back afterwards.
"""

from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import complaint_input, complaint_table, day_table
from tousu.accounts.models import Role, User
from tousu.common.errors import DomainError
from tousu.companies.models import Brand, CompanyMembership, MemberRole, Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.metrics.services import rebuild, rebuild_python

pytestmark = pytest.mark.django_db

START = datetime(2026, 1, 28, 20, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # before 春节 2026
# forward moves first: "go" with a small number takes a case deep into its lifecycle
MOVES = (
    "accept",
    "assign",
    "request_completion",
    "confirm",
    "reply",
    "reopen",
    "dispute",
    "follow_up",
    "solution",
    "escalate",
    "mediation_ok",
    "resubmit",
    "reject",
    "mediation_failed",
    "close_unassigned",
    "withdraw",
)

# mostly "go": the first move the state machine allows, from a random point of MOVES (small
# numbers: forward moves), a few in a row — gets cases deep into their lifecycle
KINDS = ("go",) * 6 + ("file", "time", "sweep", "claim", "move", "move")
step_st = st.tuples(
    st.integers(0, len(KINDS) - 1).map(lambda i: KINDS[i]),
    st.integers(0, 7),
    st.integers(0, len(MOVES) * 5 - 1),
)


def _do(move: str, pk: int, people: dict[str, User], now: datetime, stars: int) -> None:
    consumer, merchant, moderator, mediator = (
        people[k] for k in ("consumer", "merchant", "moderator", "mediator")
    )
    kw = {"complaint_id": pk, "now": now}
    match move:
        case "accept":
            services.complaint_accept(**kw, actor=moderator)
        case "reject":
            services.complaint_reject(**kw, actor=moderator, reason="insufficient")
        case "resubmit":
            services.complaint_resubmit(**kw, actor=consumer)
        case "withdraw":
            services.complaint_withdraw(**kw, actor=consumer)
        case "assign":
            services.complaint_assign(**kw)
        case "close_unassigned":
            services.complaint_close_unassigned(**kw, actor=moderator)
        case "reply":
            services.complaint_reply(**kw, actor=merchant, message="已处理")
        case "solution":
            services.complaint_propose_solution(**kw, actor=merchant, message="退一半")
        case "request_completion":
            services.complaint_request_completion(**kw, actor=merchant)
        case "confirm":
            services.complaint_confirm_completion(
                **kw, actor=consumer, attitude=stars, speed=6 - stars, satisfaction=3
            )
        case "dispute":
            services.complaint_dispute_completion(**kw, actor=consumer, message="不同意")
        case "follow_up":
            services.complaint_follow_up(**kw, actor=consumer, message="补充")
        case "reopen":
            services.complaint_reopen(**kw, actor=consumer, message="又出问题")
        case "escalate":
            services.complaint_escalate(**kw, actor=consumer)
        case "mediation_ok":
            services.complaint_record_mediation(**kw, actor=mediator, succeeded=True)
        case "mediation_failed":
            services.complaint_record_mediation(**kw, actor=mediator, succeeded=False)


@pytest.fixture
def world(make_user: object) -> dict[str, object]:
    def user(n: int, role: str) -> User:
        return User.objects.create_user(phone=f"1360000{n:04d}", role=role, nickname=f"m{n}")

    claimed = company_create(name="指标一号外卖有限公司", sector=Sector.LOCAL_SERVICES)
    unclaimed = company_create(name="指标二号电商有限公司", sector=Sector.ECOMMERCE)
    merchant = user(3, Role.MERCHANT)
    CompanyMembership.objects.create(company=claimed, user=merchant, role=MemberRole.OWNER)
    brand = Brand.objects.create(company=claimed, name="一号优选", name_key="一号优选")
    return {
        "companies": [claimed, unclaimed],
        "brand": brand,
        "people": {
            "consumer": user(1, Role.CONSUMER),
            "merchant": merchant,
            "moderator": user(5, Role.MODERATOR),
            "mediator": user(6, Role.MEDIATOR),
        },
    }


EXAMPLES = int(os.environ.get("TOUSU_HYPOTHESIS_EXAMPLES", "40"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("TOUSU_HYPOTHESIS_RANDOM"),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step_st, min_size=1, max_size=50))
def test_incremental_counters_equal_a_rebuild(
    world: dict[str, object], steps: list[tuple[str, int, int]]
) -> None:
    companies = world["companies"]
    people = world["people"]
    brand = world["brand"]
    assert isinstance(companies, list) and isinstance(people, dict) and isinstance(brand, Brand)
    with transaction.atomic():
        now = START
        filed: list[int] = []
        for move, a, b in [("file", 2, 1), ("file", 1, 0), *steps]:
            if move == "file":
                company = companies[a % 2]
                data = complaint_input(company, len(filed), brand.pk if a == 2 else None)
                try:
                    c, _ = services.complaint_submit(
                        consumer=people["consumer"], data=data, now=now
                    )
                except DomainError:
                    continue
                filed.append(c.pk)
                now += timedelta(hours=b * 9)
            elif move == "time":
                now += timedelta(hours=1 + a * b)
            elif move == "sweep":
                now += timedelta(days=(3, 8, 45)[a % 3])
                services.sla_sweep(now=now)
            elif move == "claim":
                CompanyMembership.objects.get_or_create(
                    company=companies[1], user=people["merchant"], defaults={"role": "agent"}
                )
            elif move == "go" and filed:
                pk = filed[a % len(filed)]
                first, stars = b % len(MOVES), b // len(MOVES) + 1
                for _ in range(stars):  # a few moves in a row
                    for move_ in MOVES[first:] + MOVES[:first]:
                        try:
                            _do(move_, pk, people, now, stars)
                        except DomainError:
                            continue
                        break
                    now += timedelta(hours=stars * 7)
                    first = 0
            elif filed:  # one move, usually refused: a refusal must change no counter either
                with contextlib.suppress(DomainError):
                    _do(MOVES[b % len(MOVES)], filed[a % len(filed)], people, now, 1 + b % 5)
        incremental = (day_table(), complaint_table())
        assert rebuild()["method"] == "sql"
        assert (day_table(), complaint_table()) == incremental
        assert rebuild_python()["method"] == "python"
        assert (day_table(), complaint_table()) == incremental
        transaction.set_rollback(True)
