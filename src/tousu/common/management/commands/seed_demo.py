"""``tousu seed-demo``: load the demo data once (fictional companies, users, ~500 complaints).

Every complaint is driven through ``tousu.complaints.services`` with backdated ``now=`` values,
so statuses, timelines, SLA deadlines, overdue marks and ratings are real. The whole story of
the platform over the last ~120 days is replayed in time order, one simulated day after another,
with the SLA sweep running every night at 03:00 as the worker would: overdue marks, automatic
completions and closures come from the sweep itself.

Idempotent: the demo moderator account is the marker; a second run adds nothing. Everything is
written in one transaction, so an interrupted run leaves nothing behind. Notifications are
scheduled on commit as background tasks; the worker creates them.
"""

from __future__ import annotations

import random
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.common.calendar import add_working_days, working_days_between
from tousu.common.errors import Conflict, DomainError
from tousu.companies.models import Brand, Company, CompanyMembership, MemberRole, Region
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services
from tousu.complaints.models import Complaint, Demand, ProblemType

from . import _demo_data as data

DEMO_PASSWORD = "tousu-demo-2026"  # noqa: S105 - printed for everyone: it is a demo
DEMO_EMAIL_DOMAIN = "tousu.example"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    phone: str
    email: str
    nickname: str
    label: str


ACCOUNTS = (
    DemoAccount(Role.CONSUMER, "13800000001", "consumer@tousu.example", "演示消费者", "消费者"),
    DemoAccount(
        Role.MERCHANT, "13800000002", "merchant@tousu.example", "饭点外卖客服", "商家（饭点外卖）"
    ),
    DemoAccount(Role.MODERATOR, "13800000003", "moderator@tousu.example", "审核员小周", "审核员"),
    DemoAccount(
        Role.REGULATOR, "13800000004", "regulator@tousu.example", "市场监管演示账号", "监管部门"
    ),
    DemoAccount(
        Role.PARTNER, "13800000005", "partner@tousu.example", "财经媒体演示账号", "媒体/数据合作方"
    ),
    DemoAccount(
        Role.MEDIATOR, "13800000006", "mediator@tousu.example", "消费纠纷调解中心", "调解组织"
    ),
)
ADMIN = DemoAccount(Role.MODERATOR, "13800000000", "admin@tousu.example", "平台管理员", "管理后台")
MARKER_PHONE = "13800000003"  # the demo moderator: present means the demo is loaded
DEMO_MERCHANT_COMPANY = "饭点外卖"
CONSUMER_PHONE_BASE = 13800001000
MERCHANT_PHONE_BASE = 13800002000
LATE_JOIN_DAYS_AGO = 40
HISTORY_DAYS = 120

# How many complaints of each story (out of ~510); every story ends in a status of the machine.
STORY_WEIGHTS: dict[str, int] = {
    "pending": 22,
    "pending_resubmitted": 5,
    "rejected": 25,
    "withdrawn": 15,
    "unassigned": 30,
    "closed_unassigned_sweep": 14,
    "closed_unassigned_mod": 6,
    "processing_recent": 25,
    "processing_overdue": 20,
    "processing_again": 15,
    "replied": 60,
    "completion_requested": 35,
    "completed": 105,
    "completed_reopened": 10,
    "completed_mediation": 15,
    "auto_completed": 40,
    "mediation": 20,
    "closed_overdue": 20,
    "closed_mediation_failed": 15,
    "late_join": 13,
}
UNREACHABLE_STORIES = {"unassigned", "closed_unassigned_sweep", "closed_unassigned_mod"}
ANY_COMPANY_STORIES = {"pending", "pending_resubmitted", "rejected", "withdrawn"}
GOOD_STORIES = {
    "replied",
    "completion_requested",
    "completed",
    "completed_reopened",
    "completed_mediation",
}
BAD_STORIES = {
    "processing_overdue",
    "closed_overdue",
    "auto_completed",
    "mediation",
    "closed_mediation_failed",
}
# Local hours in which each kind of actor does things.
WINDOWS = {
    "consumer": (8, 23),
    "merchant": (9, 21),
    "moderator": (9, 22),
    "mediator": (9, 18),
    "system": (0, 24),
}


def _pad(text: str, width: int) -> str:
    """Left-justify for a terminal, where a Chinese character takes two columns."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def demo_logins_text() -> str:
    """The demo accounts, printed by ``seed-demo`` and ``run``."""
    rows = [f"  {_pad(a.label, 18)}{a.phone} / {a.email}" for a in ACCOUNTS]
    return "\n".join(
        [
            f"Demo logins (password for all: {DEMO_PASSWORD}; log in with the phone or e-mail):",
            *rows,
            f"  {_pad('其他商家', 18)}{MERCHANT_PHONE_BASE + 1}…  (one per verified company)",
            f"  {_pad('其他消费者', 18)}{CONSUMER_PHONE_BASE + 1}…",
            f"  {_pad(ADMIN.label, 18)}{ADMIN.phone} / {ADMIN.email}  (/admin/)",
        ]
    )


# --- the plan -------------------------------------------------------------------------------


@dataclass
class Step:
    at: datetime
    op: str
    who: str = "system"
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class Content:
    title: str
    details: str
    problems: list[str]
    demands: list[str]
    amount: Decimal | None
    purchase_date: date
    order_number: str
    words: dict[str, str]


@dataclass
class Story:
    kind: str
    consumer: User
    company: Company
    spec: data.DemoCompany
    brand: Brand | None
    steps: list[Step] = field(default_factory=list)
    complaint_id: int | None = None
    region: str | None = None
    show_nickname: bool = False
    content: Content | None = None


class Planner:
    """Draws the stories: who complains about whom, what, and when each step happens."""

    def __init__(self, rng: random.Random, now: datetime) -> None:
        self.rng = rng
        self.now = now
        self.join_at = self._at_hour(now - timedelta(days=LATE_JOIN_DAYS_AGO), 10)

    # time helpers
    def _at_hour(self, t: datetime, hour: int) -> datetime:
        local = timezone.localtime(t)
        return local.replace(hour=hour, minute=self.rng.randint(0, 59), second=0, microsecond=0)

    def in_hours(self, t: datetime, who: str) -> datetime:
        start, end = WINDOWS[who]
        local = timezone.localtime(t)
        if start <= local.hour < end:
            return t
        day = local.date() if local.hour < start else local.date() + timedelta(days=1)
        base = timezone.make_aware(datetime(day.year, day.month, day.day, start))
        return base + timedelta(minutes=self.rng.randint(0, 90))

    def after(self, t: datetime, lo_h: float, hi_h: float, who: str) -> datetime:
        return self.in_hours(t + timedelta(hours=self.rng.uniform(lo_h, hi_h)), who)

    # the steps of each story, forward from t0; returns (steps, index of the anchor step)
    def _review(self, t: datetime, steps: list[Step], detour: float = 0.08) -> datetime:
        steps.append(Step(t, "submit", "consumer"))
        if self.rng.random() < detour:
            t = self.after(t, 2, 20, "moderator")
            steps.append(Step(t, "reject", "moderator", {"reason": "insufficient"}))
            t = self.after(t, 3, 48, "consumer")
            steps.append(Step(t, "resubmit", "consumer"))
        t = self.after(t, 2, 30, "moderator")
        steps.append(Step(t, "accept", "moderator"))
        return t

    def _reply(self, t: datetime, steps: list[Step], late: float = 0.0) -> datetime:
        if self.rng.random() < late:
            t = self.after(t, 8 * 24, 14 * 24, "merchant")  # after the SLA: marked overdue first
        else:
            t = self.after(t, 2, 80, "merchant")
        steps.append(Step(t, "reply", "merchant"))
        return t

    def _work_to_request(self, t: datetime, steps: list[Step], late: float = 0.1) -> datetime:
        t = self._reply(t, steps, late)
        if self.rng.random() < 0.2:
            t = self.after(t, 6, 72, "consumer")
            steps.append(Step(t, "follow_up", "consumer"))
            t = self._reply(t, steps)
        if self.rng.random() < 0.3:
            t = self.after(t, 2, 48, "merchant")
            steps.append(Step(t, "reply", "merchant", {"solution": True}))
        t = self.after(t, 2, 72, "merchant")
        steps.append(Step(t, "request_completion", "merchant"))
        return t

    def _confirm(self, t: datetime, steps: list[Step]) -> datetime:
        t = self.after(t, 2, 140, "consumer")  # well within the 7-day confirmation window
        steps.append(Step(t, "confirm", "consumer"))
        return t

    def steps_for(self, kind: str, t: datetime) -> tuple[list[Step], int]:
        s: list[Step] = []
        r = self.rng.random
        if kind == "pending":
            s.append(Step(t, "submit", "consumer"))
            return s, 0
        if kind == "pending_resubmitted":
            s.append(Step(t, "submit", "consumer"))
            t = self.after(t, 2, 20, "moderator")
            s.append(Step(t, "reject", "moderator", {"reason": "insufficient"}))
            t = self.after(t, 3, 30, "consumer")
            s.append(Step(t, "resubmit", "consumer"))
            return s, 2
        if kind == "rejected":
            s.append(Step(t, "submit", "consumer"))
            s.append(Step(self.after(t, 2, 26, "moderator"), "reject", "moderator"))
            return s, 0
        if kind == "withdrawn":
            s.append(Step(t, "submit", "consumer"))
            s.append(Step(self.after(t, 0.5, 20, "consumer"), "withdraw", "consumer"))
            return s, 0
        t = self._review(t, s)
        accept = len(s) - 1
        if kind in ("unassigned", "processing_overdue") and r() < 0.4:
            s.append(Step(self.after(t, 24, 120, "consumer"), "follow_up", "consumer"))
        if kind in ("unassigned", "closed_unassigned_sweep", "processing_overdue"):
            return s, accept
        if kind == "closed_overdue":
            return s, accept
        if kind == "closed_unassigned_mod":
            s.append(Step(self.after(t, 5 * 24, 20 * 24, "moderator"), "close_unassigned"))
            return s, accept
        if kind == "processing_recent":
            if r() < 0.3:
                s.append(Step(self.after(t, 1, 30, "consumer"), "follow_up", "consumer"))
            return s, accept
        if kind == "late_join":
            return s, accept
        if kind == "processing_again":
            t = self._reply(t, s)
            if r() < 0.5:
                t = self.after(t, 6, 72, "consumer")
                s.append(Step(t, "follow_up", "consumer"))
            else:
                t = self.after(t, 2, 48, "merchant")
                s.append(Step(t, "request_completion", "merchant"))
                t = self.after(t, 2, 96, "consumer")
                s.append(Step(t, "dispute", "consumer"))
            return s, len(s) - 1
        if kind == "replied":
            t = self._reply(t, s, late=0.2)
            if r() < 0.3:
                t = self.after(t, 2, 48, "merchant")
                s.append(Step(t, "reply", "merchant", {"solution": r() < 0.6}))
            return s, len(s) - 1
        if kind in ("completion_requested", "auto_completed"):
            self._work_to_request(t, s)
            return s, len(s) - 1
        if kind == "completed":
            t = self._work_to_request(t, s)
            self._confirm(t, s)
            return s, len(s) - 1
        if kind == "completed_reopened":
            t = self._work_to_request(t, s, late=0)
            t = self._confirm(t, s)
            t = self.after(t, 24, 400, "consumer")
            s.append(Step(t, "reopen", "consumer"))
            t = self._reply(t, s)
            t = self.after(t, 2, 48, "merchant")
            s.append(Step(t, "request_completion", "merchant"))
            self._confirm(t, s)
            return s, len(s) - 1
        if kind in ("completed_mediation", "mediation", "closed_mediation_failed"):
            if r() < 0.75:
                t = self._reply(t, s)
                t = self.after(t, 24, 120, "consumer")
                s.append(Step(t, "escalate", "consumer"))
            else:  # the company never answered: the platform escalates
                t = self.after(t, 8 * 24, 12 * 24, "moderator")
                s.append(Step(t, "escalate", "moderator"))
            if kind != "mediation":
                t = self.after(t, 48, 360, "mediator")
                succeeded = kind == "completed_mediation"
                s.append(Step(t, "mediate", "mediator", {"succeeded": succeeded}))
            return s, len(s) - 1
        raise ValueError(kind)

    # where in time each story sits: (days-ago range of the anchor step, extra check)
    def fits(self, kind: str, steps: list[Step], anchor: int) -> bool:
        now = self.now
        days_ago = (now - steps[anchor].at).total_seconds() / 86400
        lo, hi = ANCHOR_DAYS_AGO[kind]
        if not lo <= days_ago <= hi:
            return False
        if steps[-1].at > now - timedelta(minutes=3):
            return False
        if steps[0].at < now - timedelta(days=HISTORY_DAYS + 3):
            return False
        accept_at = next((st.at for st in steps if st.op == "accept"), None)
        # the sweep closes a complaint 30 working days after its reply deadline
        if kind == "processing_overdue" and accept_at:
            due = add_working_days(accept_at, 5)
            return due < now - timedelta(hours=6) and working_days_between(due, now) < 28
        if kind == "closed_overdue" and accept_at:
            due = add_working_days(accept_at, 5)
            return working_days_between(due, now) > 32
        if kind == "late_join":
            return steps[-1].at < self.join_at - timedelta(hours=2)
        return True

    def plan(self, kind: str) -> list[Step]:
        for _ in range(200):
            lo, hi = ANCHOR_DAYS_AGO[kind]
            start = self.in_hours(
                self.now - timedelta(days=self.rng.uniform(lo, hi), hours=1), "consumer"
            )
            steps, anchor = self.steps_for(kind, start)
            # move the whole story by whole days so the anchor lands in its range
            target = self.now - timedelta(days=self.rng.uniform(lo, hi))
            shift = round((target - steps[anchor].at).total_seconds() / 86400)
            for delta in (shift, shift - 1, shift + 1):
                moved = [
                    Step(st.at + timedelta(days=delta), st.op, st.who, st.args) for st in steps
                ]
                if self.fits(kind, moved, anchor):
                    if kind == "late_join":
                        moved += self.after_join()
                    return moved
        raise CommandError(f"could not place a {kind} story in time")

    def after_join(self) -> list[Step]:
        t = self.join_at + timedelta(minutes=self.rng.randint(1, 30))
        s = [Step(t, "assign")]
        t = self._reply(t, s)
        roll = self.rng.random()
        if roll < 0.75:
            t = self.after(t, 2, 72, "merchant")
            s.append(Step(t, "request_completion", "merchant"))
            if roll < 0.5:
                self._confirm(t, s)
        return s


# anchor step's days-ago range for each story
ANCHOR_DAYS_AGO: dict[str, tuple[float, float]] = {
    "pending": (0.02, 1.8),
    "pending_resubmitted": (0.05, 1.5),
    "rejected": (1, 118),
    "withdrawn": (1, 118),
    "unassigned": (1, 85),
    "closed_unassigned_sweep": (92, 117),
    "closed_unassigned_mod": (25, 110),
    "processing_recent": (0.1, 3.5),
    "processing_overdue": (9, 40),
    "processing_again": (0.1, 3.5),
    "replied": (0.2, 100),
    "completion_requested": (0.1, 6),
    "completed": (0.5, 105),
    "completed_reopened": (0.5, 60),
    "completed_mediation": (0.5, 100),
    "auto_completed": (8.5, 100),
    "mediation": (0.2, 20),
    "closed_overdue": (65, 117),
    "closed_mediation_failed": (0.5, 100),
    "late_join": (LATE_JOIN_DAYS_AGO + 1, LATE_JOIN_DAYS_AGO + 60),
}


def scenarios_for(spec: data.DemoCompany) -> list[data.Scenario]:
    """The complaint templates that make sense for this company."""
    return [s for s in data.SCENARIOS[spec.sector] if not s.only or spec.short in s.only]


# --- the command ----------------------------------------------------------------------------


class Command(BaseCommand):
    help = "Load the demo data once: companies, users for every role, complaints in every status."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=int, default=500, help="about how many")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument("--quiet-logins", action="store_true", help="do not print logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(phone=MARKER_PHONE).exists():
            self.stdout.write("demo data already loaded")
            if not options["quiet_logins"]:
                self.stdout.write(demo_logins_text())
            return
        if User.objects.filter(phone__in=[a.phone for a in ACCOUNTS]).exists():
            raise CommandError("some demo accounts exist but the demo moderator does not")
        started = time.monotonic()
        self.rng = random.Random(options["seed"])  # noqa: S311 - demo content, not secrets
        self.now = timezone.now().replace(microsecond=0)
        self.errors: list[str] = []
        self.stdout.write(f"Loading demo data (about {options['complaints']} complaints) …")
        self.stdout.flush()
        with transaction.atomic():
            try:
                self._setup()
            except DomainError as exc:  # e.g. a demo company's name is already taken
                raise CommandError(f"cannot load the demo into this database: {exc}") from exc
            stories = self._plan(options["complaints"])
            self._replay(stories)
            surge_day = self._vanishing_school()
        if surge_day is not None:
            # what the worker's daily scan would have found: an early warning to show
            from tousu.insights.services import surge_scan

            surge_scan(surge_day)
        elapsed = time.monotonic() - started
        self._summary(elapsed)
        if not options["quiet_logins"]:
            self.stdout.write(demo_logins_text())

    # --- accounts, companies ---------------------------------------------------------------

    def _user(self, account: DemoAccount, joined: datetime, **extra: Any) -> User:
        return User.objects.create(
            phone=account.phone,
            email=account.email or None,
            nickname=account.nickname,
            role=account.role,
            password=self.password,
            date_joined=joined,
            phone_verified_at=joined,
            **extra,
        )

    def _setup(self) -> None:
        now, rng = self.now, self.rng
        self.password = make_password(DEMO_PASSWORD)
        for code, name, level, parent in data.REGIONS:
            Region.objects.get_or_create(
                code=code, defaults={"name": name, "level": level, "parent_id": parent}
            )
        long_ago = now - timedelta(days=400)
        self.accounts = {a.role: self._user(a, long_ago) for a in ACCOUNTS}
        self._user(ADMIN, long_ago, is_staff=True, is_superuser=True)
        RegulatorScope.objects.create(
            user=self.accounts[Role.REGULATOR],
            region_codes=["310000", "440000"],
            sectors=[],
            agency_name="演示市场监督管理局",
        )
        self.consumers = [self.accounts[Role.CONSUMER]]
        self.companies: list[tuple[data.DemoCompany, Company]] = []
        self.members: dict[int, list[User]] = {}
        self.late_merchant: tuple[Company, User] | None = None
        merchant_no = 0
        for spec in data.COMPANIES:
            company = company_create(
                name=spec.name,
                sector=spec.sector,
                region_code=spec.region,
                aliases=list(spec.aliases),
                brands=list(spec.brands),
                website=spec.website,
            )
            company.app_names = list(spec.apps)
            company.description = "演示数据：虚构企业，与任何真实企业无关。"
            company.created_at = now - timedelta(days=rng.randint(300, 700))
            company.save(update_fields=["app_names", "description", "created_at"])
            self.companies.append((spec, company))
            if spec.reachable == "no":
                continue
            if spec.short == DEMO_MERCHANT_COMPANY:
                merchant = self.accounts[Role.MERCHANT]
            else:
                merchant_no += 1
                phone = str(MERCHANT_PHONE_BASE + merchant_no)
                merchant = self._user(
                    DemoAccount(
                        Role.MERCHANT,
                        phone,
                        f"merchant{merchant_no}@{DEMO_EMAIL_DOMAIN}",
                        f"{spec.short}客服",
                        "",
                    ),
                    long_ago,
                )
            if spec.reachable == "late":
                self.late_merchant = (company, merchant)
                continue
            company_add_member(company=company, user=merchant, role=MemberRole.OWNER)
            Company.objects.filter(pk=company.pk).update(
                is_verified=True, verified_at=company.created_at + timedelta(days=30)
            )
            self.members[company.pk] = [merchant]

    def _consumers(self, count: int) -> None:
        for i in range(1, count + 1):
            nick = data.CONSUMER_NICKNAMES[(i - 1) % len(data.CONSUMER_NICKNAMES)]
            joined = self.now - timedelta(days=self.rng.randint(125, 900))
            self.consumers.append(
                self._user(
                    DemoAccount(
                        Role.CONSUMER,
                        str(CONSUMER_PHONE_BASE + i),
                        f"user{i}@{DEMO_EMAIL_DOMAIN}" if i % 3 == 0 else "",
                        nick if i <= len(data.CONSUMER_NICKNAMES) else f"{nick}{i}",
                        "",
                    ),
                    joined,
                )
            )

    # --- planning --------------------------------------------------------------------------

    def _counts(self, total: int) -> dict[str, int]:
        weight_sum = sum(STORY_WEIGHTS.values())
        return {k: max(1, round(total * w / weight_sum)) for k, w in STORY_WEIGHTS.items()}

    def _company_for(self, kind: str) -> tuple[data.DemoCompany, Company]:
        rng = self.rng
        if kind == "late_join":
            pool = [(s, c) for s, c in self.companies if s.reachable == "late"]
        elif kind in UNREACHABLE_STORIES:
            pool = [(s, c) for s, c in self.companies if s.reachable == "no"]
        elif kind in ANY_COMPANY_STORIES:
            pool = [(s, c) for s, c in self.companies if s.reachable != "late"]
        else:
            pool = [(s, c) for s, c in self.companies if s.reachable == "yes"]

        def weight(spec: data.DemoCompany) -> float:
            if kind in GOOD_STORIES:
                return spec.weight * (0.3 + spec.quality)
            if kind in BAD_STORIES:
                return spec.weight * (1.3 - spec.quality)
            return spec.weight

        return rng.choices(pool, weights=[weight(s) for s, _ in pool])[0]

    def _plan(self, total: int) -> list[Story]:
        self._consumers(max(8, total // 12))
        planner = Planner(self.rng, self.now)
        self.planner = planner
        by_company: dict[int, list[Brand]] = {}
        for b in Brand.objects.order_by("id"):
            by_company.setdefault(b.company_id, []).append(b)
        regions = [code for code, _ in data.CONSUMER_REGIONS]
        region_weights = [w for _, w in data.CONSUMER_REGIONS]
        stories: list[Story] = []
        for kind, count in self._counts(total).items():
            for n in range(count):
                spec, company = self._company_for(kind)
                # the demo consumer has a complaint in every story, and a share of the rest
                if n == 0 or self.rng.random() < 0.06:
                    consumer = self.consumers[0]
                else:
                    consumer = self.rng.choice(self.consumers[1:])
                story = Story(
                    kind=kind,
                    consumer=consumer,
                    company=company,
                    spec=spec,
                    brand=None,
                    region=self.rng.choices(regions, weights=region_weights)[0],
                    show_nickname=self.rng.random() < 0.3,
                )
                story.steps = planner.plan(kind)
                story.content = self._content(story, by_company.get(company.pk, []))
                stories.append(story)
        return stories

    # --- complaint text ----------------------------------------------------------------------

    def _amount(self, lo: int, hi: int) -> Decimal | None:
        if hi <= 0:
            return None
        value = self.rng.uniform(lo, hi)
        if hi <= 1000:
            cents = self.rng.choice(
                ("00", "00", "50", "90", "99", f"{self.rng.randint(0, 99):02d}")
            )
            return Decimal(f"{int(value)}.{cents}")
        step = 100 if hi > 20000 else 10
        return Decimal(int(value) // step * step).quantize(Decimal("0.01"))

    @staticmethod
    def _money(amount: Decimal | None) -> str:
        if amount is None:
            return ""
        return f"{amount:.0f}" if amount == amount.to_integral() else f"{amount:.2f}"

    def _content(self, story: Story, brands: list[Brand]) -> Content:
        rng, spec = self.rng, story.spec
        scenario = rng.choice(scenarios_for(spec))
        if story.kind != "rejected" and scenario.brand_hint:
            matching = [b for b in brands if any(h in b.name for h in scenario.brand_hint)]
            story.brand = rng.choice(matching) if matching else None
        submit_at = story.steps[0].at
        purchase = timezone.localtime(submit_at).date() - timedelta(days=rng.randint(1, 45))
        later = min(
            purchase + timedelta(days=rng.randint(2, 8)), timezone.localtime(submit_at).date()
        )
        brand_name = story.brand.name if story.brand else spec.short
        words: dict[str, str] = {
            "brand": brand_name,
            "short": spec.short,
            "model": story.brand.name if story.brand else spec.short,
            "date": f"{purchase.month}月{purchase.day}日",
            "date2": f"{later.month}月{later.day}日",
            "days": str(rng.randint(5, 40)),
            "product": self.pick(data.PRODUCTS.get(spec.short, data.GOODS)),
        }
        if story.kind == "rejected":
            reason, title, details, message = rng.choice(data.REJECTED)
            amount = self._amount(500, 9000)
            words["amount"] = self._money(amount)
            story.steps[1].args = {"reason": reason, "message": message}
            return Content(
                title=title.format(**words),
                details=details.format(**words),
                problems=["other"] if reason != "spam" else [],
                demands=["explanation"],
                amount=amount,
                purchase_date=purchase,
                order_number="",
                words=words,
            )
        for key, options in scenario.words.items():
            words[key] = self.pick(options)
        amount = self._amount(*scenario.amount)
        words["amount"] = self._money(amount)
        words["half"] = self._money((amount or Decimal(100)) / 2)
        words["comp"] = self.pick(("10", "20", "50", "100"))
        assert set(scenario.problems) <= set(ProblemType.values), scenario.problems
        assert set(scenario.demands) <= set(Demand.values), scenario.demands
        return Content(
            title=self.pick(scenario.titles).format(**words)[:80],
            details=self.pick(scenario.details).format(**words),
            problems=list(scenario.problems),
            demands=list(scenario.demands),
            amount=amount,
            purchase_date=purchase,
            order_number=(
                f"{spec.order_prefix}{purchase:%Y%m%d}{rng.randint(10**7, 10**8 - 1)}"
                if rng.random() < 0.8
                else ""
            ),
            words=words,
        )

    def pick(self, options: tuple[str, ...]) -> str:
        return self.rng.choice(options)

    def text(self, options: tuple[str, ...], story: Story) -> str:
        assert story.content is not None
        return self.pick(options).format(**story.content.words)

    # --- replay ------------------------------------------------------------------------------

    def _replay(self, stories: list[Story]) -> None:
        timeline: list[tuple[datetime, int, Story | None, Step]] = []
        seq = 0
        for story in stories:
            for step in story.steps:
                seq += 1
                timeline.append((step.at, seq, story, step))
        # the worker's SLA sweep, every night at 03:00, and once more at the end
        first = min(at for at, *_ in timeline)
        day = timezone.localtime(first).date()
        while True:
            at = timezone.make_aware(datetime(day.year, day.month, day.day, 3))
            if at >= self.now:
                break
            if at > first:
                seq += 1
                timeline.append((at, seq, None, Step(at, "sweep")))
            day += timedelta(days=1)
        timeline.append((self.now, seq + 1, None, Step(self.now, "sweep")))
        late = self.late_merchant
        if late is not None:
            join_at = self.planner.join_at
            timeline.append((join_at, 0, None, Step(join_at, "join")))
        timeline.sort(key=lambda item: (item[0], item[1]))
        for _, _, actor_story, step in timeline:
            try:
                self._do(actor_story, step)
            except DomainError as exc:
                where = (
                    f"{actor_story.kind} #{actor_story.complaint_id}" if actor_story else "platform"
                )
                self.errors.append(f"{step.op} ({where}) at {step.at:%Y-%m-%d %H:%M}: {exc}")

    def _merchant(self, story: Story) -> User:
        members = self.members.get(story.company.pk)
        if not members:
            raise CommandError(f"no merchant for {story.company}")
        return self.rng.choice(members)

    def _do(self, story: Story | None, step: Step) -> None:
        now = step.at
        if story is None:
            if step.op == "sweep":
                services.sla_sweep(now=now)
            elif step.op == "join" and self.late_merchant:
                company, merchant = self.late_merchant
                CompanyMembership.objects.create(
                    company=company, user=merchant, role=MemberRole.OWNER, created_at=now
                )
                Company.objects.filter(pk=company.pk).update(is_verified=True, verified_at=now)
                self.members[company.pk] = [merchant]
            return
        content = story.content
        assert content is not None
        moderator = self.accounts[Role.MODERATOR]
        cid = story.complaint_id or 0
        op, args = step.op, step.args
        actions: dict[str, Callable[[], Any]] = {
            "accept": lambda: services.complaint_accept(complaint_id=cid, actor=moderator, now=now),
            "reject": lambda: services.complaint_reject(
                complaint_id=cid,
                actor=moderator,
                reason=args.get("reason", "insufficient"),
                message=args.get("message", ""),
                now=now,
            ),
            "resubmit": lambda: services.complaint_resubmit(
                complaint_id=cid,
                actor=story.consumer,
                details=content.details + data.RESUBMIT_APPENDIX.format(**content.words),
                now=now,
            ),
            "withdraw": lambda: services.complaint_withdraw(
                complaint_id=cid,
                actor=story.consumer,
                message=self.pick(data.WITHDRAWALS),
                now=now,
            ),
            "assign": lambda: services.complaint_assign(complaint_id=cid, now=now),
            "close_unassigned": lambda: services.complaint_close_unassigned(
                complaint_id=cid,
                actor=moderator,
                message=self.pick(data.CLOSE_UNASSIGNED),
                now=now,
            ),
            "reply": lambda: services.complaint_reply(
                complaint_id=cid,
                actor=self._merchant(story),
                message=self.text(data.SOLUTIONS if args.get("solution") else data.REPLIES, story),
                solution=bool(args.get("solution")),
                now=now,
            ),
            "follow_up": lambda: services.complaint_follow_up(
                complaint_id=cid,
                actor=story.consumer,
                message=self.pick(
                    data.FOLLOW_UPS_AFTER_REPLY
                    if Complaint.objects.filter(pk=cid, status="replied").exists()
                    else data.FOLLOW_UPS
                ),
                now=now,
            ),
            "request_completion": lambda: services.complaint_request_completion(
                complaint_id=cid,
                actor=self._merchant(story),
                message=self.pick(data.COMPLETION_REQUESTS),
                now=now,
            ),
            "confirm": lambda: self._confirm(story, cid, now),
            "dispute": lambda: services.complaint_dispute_completion(
                complaint_id=cid, actor=story.consumer, message=self.pick(data.DISPUTES), now=now
            ),
            "reopen": lambda: services.complaint_reopen(
                complaint_id=cid, actor=story.consumer, message=self.pick(data.REOPENS), now=now
            ),
            "escalate": lambda: services.complaint_escalate(
                complaint_id=cid,
                actor=story.consumer if step.who == "consumer" else moderator,
                message=self.pick(
                    data.ESCALATE_CONSUMER if step.who == "consumer" else data.ESCALATE_MODERATOR
                ),
                now=now,
            ),
            "mediate": lambda: services.complaint_record_mediation(
                complaint_id=cid,
                actor=self.accounts[Role.MEDIATOR],
                succeeded=bool(args["succeeded"]),
                message=self.text(
                    data.MEDIATION_SUCCEEDED if args["succeeded"] else data.MEDIATION_FAILED,
                    story,
                ),
                now=now,
            ),
        }
        if op == "submit":
            self._submit(story, now)
        else:
            actions[op]()

    def _submit(self, story: Story, now: datetime) -> None:
        content = story.content
        assert content is not None
        details = content.details
        for attempt in range(3):
            try:
                complaint, _ = services.complaint_submit(
                    consumer=story.consumer,
                    data=services.ComplaintInput(
                        title=content.title,
                        details=details,
                        company_id=story.company.pk,
                        brand_id=story.brand.pk if story.brand else None,
                        problem_types=content.problems,
                        problem_other="" if content.problems else "广告推广",
                        demands=content.demands,
                        amount=content.amount,
                        order_number=content.order_number,
                        purchase_date=content.purchase_date,
                        consumer_region=story.region,
                        show_nickname=story.show_nickname,
                    ),
                    now=now,
                )
            except Conflict:  # the same consumer already has this very text open
                details = content.details + ("\n再次反映：问题仍未解决。" * (attempt + 1))
                continue
            story.complaint_id = complaint.pk
            return
        raise CommandError("could not file a demo complaint")

    def _confirm(self, story: Story, cid: int, now: datetime) -> None:
        q = story.spec.quality
        stars = [max(1, min(5, round(self.rng.gauss(1.5 + 3.5 * q, 0.9)))) for _ in range(3)]
        mean = sum(stars) / 3
        level = "high" if mean >= 4 else "mid" if mean >= 2.5 else "low"
        services.complaint_confirm_completion(
            complaint_id=cid,
            actor=story.consumer,
            attitude=stars[0],
            speed=stars[1],
            satisfaction=stars[2],
            comment=self.pick(data.CONFIRM_COMMENTS[level]),
            now=now,
        )

    # --- report --------------------------------------------------------------------------------

    def _vanishing_school(self) -> date | None:
        """The last two days: a training school closes overnight and its students' parents
        complain at once (a 跑路 surge for the regulators' early warning, as the issue's own
        example; the scan runs after the commit)."""
        school = Company.objects.filter(sector="education").order_by("pk").first()
        if school is None or len(self.consumers) < 13:
            return None
        short = next((c.short for c in data.COMPANIES if c.name == school.name), school.name)
        moderator = self.accounts[Role.MODERATOR]
        yesterday = timezone.localdate(self.now) - timedelta(days=1)
        start = timezone.make_aware(
            datetime.combine(yesterday - timedelta(days=1), datetime.min.time())
            + timedelta(hours=9)
        )
        regions = ("310115", "310104", "440305", "310112")
        for k, consumer in enumerate(self.consumers[1:13]):
            at = start + timedelta(hours=3 * k + self.rng.randint(0, 2))
            amount = self.rng.choice((6800, 9800, 12800, 15600))
            try:
                complaint, _ = services.complaint_submit(
                    consumer=consumer,
                    data=services.ComplaintInput(
                        title=self.rng.choice(
                            (f"{short}突然关门，学费无法退", f"{short}跑路了，老师联系不上")
                        ),
                        details=(
                            f"{yesterday:%m月%d日}送孩子上课发现{short}的校区已经关门停业，"
                            f"老师和课程顾问都联系不上。我交了{amount}元学费，还剩{k + 20}节课"
                            "没上，家长群里都说机构跑路了，要求退还剩余课时费。"
                        ),
                        company_id=school.pk,
                        problem_types=["refund_difficult", "fraud"],
                        demands=["refund", "legal"],
                        amount=str(amount),
                        consumer_region=regions[k % len(regions)],
                    ),
                    now=at,
                )
                services.complaint_accept(
                    complaint_id=complaint.pk, actor=moderator, now=at + timedelta(hours=2)
                )
            except DomainError as exc:
                self.errors.append(f"vanishing school complaint {k}: {exc}")
        return yesterday

    def _summary(self, elapsed: float) -> None:
        by_status = dict(Complaint.objects.values_list("status").annotate(n=Count("id")).order_by())
        overdue = Complaint.objects.filter(status="processing", is_overdue=True).count()
        total = sum(by_status.values())
        parts = ", ".join(f"{status} {n}" for status, n in sorted(by_status.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data loaded in {elapsed:.1f}s: {Company.objects.count()} companies, "
                f"{User.objects.count()} users, {total} complaints "
                f"({parts}; {overdue} of the processing ones overdue)."
            )
        )
        self.stdout.write("Notifications are created by the worker in the background.")
        if self.errors:
            self.stderr.write(f"{len(self.errors)} demo step(s) failed:")
            for line in self.errors[:20]:
                self.stderr.write(f"  {line}")
