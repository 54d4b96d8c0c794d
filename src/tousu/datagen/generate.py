"""Synthetic complaints with realistic shapes and written ground truth (no database access).

``Generator`` makes companies, consumers and complaints with their whole timelines; the loader
(``tousu.datagen.load``) writes them in bulk. Everything comes from one seeded ``random.Random``,
so the same ``--seed`` and sizes give the same data.

Shapes (docs/benchmarks.md, "Data generation"):
- company popularity is Zipf-like (exponent ``ZIPF``): a few platforms get most complaints;
- the sector mix of ``vocab.SECTOR_WEIGHTS``; regions weighted by province population;
- a daily rhythm: weekday factor, 618 and Double-11 peaks (complaints follow the shopping by a
  few days), a Spring Festival dip, slow growth; an hour-of-day curve;
- lifecycles walked through the transition table of ``complaints.states``: ≈6% rejected,
  ≈77% of accepted complaints replied, most within days; J-shaped ratings;
- amounts log-normal; personal data sprinkled into ≈10% of texts at recorded positions;
- injected surges (plain, 跑路 at prepaid businesses, car defects, fraud platforms) whose
  companies, days and extra counts are written to the ground-truth files.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from tousu.common.calendar import is_working_day
from tousu.common.ids import ALPHABET, PREFIX
from tousu.complaints.states import Action, Actor, Status

from . import vocab

ZIPF = 1.07
LOCAL = timedelta(hours=8)  # Asia/Shanghai, no daylight saving
# province code → population in millions (2020 census, rounded)
PROVINCE_POPULATION: dict[str, float] = {
    "44": 126, "37": 101, "41": 99, "32": 85, "51": 84, "13": 75, "43": 66, "33": 65, "34": 61,
    "42": 58, "45": 50, "53": 47, "36": 45, "21": 43, "35": 41, "61": 40, "52": 39, "14": 35,
    "50": 32, "23": 32, "65": 26, "62": 25, "31": 25, "15": 24, "22": 24, "11": 22, "12": 14,
    "46": 10, "64": 7, "63": 6, "54": 4,
}  # fmt: skip
HOUR_WEIGHTS = (
    2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 4, 6, 7, 7, 6, 6, 7, 7, 6, 6, 6, 7, 8, 8, 6, 4,
)  # fmt: skip
WEEKDAY_FACTOR = (1.12, 1.08, 1.04, 1.02, 1.0, 0.86, 0.88)
REVIEW_DAYS = 2
REPLY_DAYS = 5
CONFIRM_DAYS = 7
CLOSE_AFTER_OVERDUE = 30


@dataclass(frozen=True)
class Plan:
    complaints: int
    companies: int
    consumers: int
    days: int
    end: datetime
    seed: int = 2026
    surges: int = 0
    pii_share: float = 0.10
    surge_scale: float = 1.0  # < 1: weaker, harder surges

    @classmethod
    def for_size(cls, complaints: int, *, end: datetime, seed: int = 2026, **over: Any) -> Plan:
        companies = over.pop("companies", None) or min(200_000, max(60, complaints // 150))
        consumers = over.pop("consumers", None) or max(50, complaints // 3)
        days = over.pop("days", None) or (730 if complaints >= 100_000 else 365)
        surges = over.pop("surges", None)
        if surges is None:
            surges = min(400, max(4, companies // 100))
        return cls(complaints, companies, consumers, days, end, seed, surges, **over)


@dataclass
class CompanySpec:
    index: int
    name: str
    sector: str
    brand: str
    weight: float


@dataclass
class Surge:
    kind: str  # plain | runaway | defect | fraud
    company: int  # index into companies
    start: int  # day index
    length: int
    extra: int
    problem: str
    terms: tuple[str, ...]
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class Row:
    """One complaint and its timeline, in loader-neutral Python values."""

    number: int  # 0-based sequence within this run
    consumer: int  # index
    company: int  # index
    title: str
    details: str
    problem_types: list[str]
    demands: list[str]
    amount: Decimal | None
    region: str
    status: str
    fields: dict[str, Any]
    events: list[tuple[Any, ...]]  # (kind, action, actor_role, from, to, at, message, payload)
    rating: tuple[int, int, int] | None
    pii: list[dict[str, Any]]
    surge: int | None


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_check(body: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS, strict=True)) % 11]


class Generator:
    def __init__(self, plan: Plan, regions: dict[str, list[str]]) -> None:
        """``regions`` maps a two-digit province prefix to its county-level codes."""
        self.plan = plan
        self.rng = random.Random(plan.seed)  # noqa: S311 (reproducible data, not secrets)
        self.start_day = (plan.end + LOCAL).date() - timedelta(days=plan.days - 1)
        self._region_keys = [p for p in PROVINCE_POPULATION if regions.get(p)]
        if not self._region_keys:
            raise ValueError("no regions loaded: run the migrations first")
        self._regions = regions
        self._region_cum = list(
            itertools.accumulate(PROVINCE_POPULATION[p] for p in self._region_keys)
        )
        self._hour_cum = list(itertools.accumulate(HOUR_WEIGHTS))
        self._due_cache: dict[tuple[date, int], int] = {}
        self.companies = self._make_companies()
        self._company_cum = list(itertools.accumulate(c.weight for c in self.companies))
        self.day_weights = self._make_day_weights()
        self._day_cum = list(itertools.accumulate(self.day_weights))
        self.surges = self._make_surges()

    # --- companies, days, surges ------------------------------------------------------------

    def _make_companies(self) -> list[CompanySpec]:
        rng = self.rng
        sectors = list(vocab.SECTOR_WEIGHTS)
        sector_cum = list(itertools.accumulate(vocab.SECTOR_WEIGHTS.values()))
        used: set[str] = set()
        out = []
        for i in range(self.plan.companies):
            sector = sectors[bisect.bisect(sector_cum, rng.random() * sector_cum[-1])]
            sector = sector if sector in vocab.SECTOR_SUFFIX else "other"
            for attempt in itertools.count():
                core = "".join(rng.sample(vocab.NAME_CORES, 2))
                if attempt > 3:
                    core += str(rng.randrange(10, 10_000))
                city = rng.choice(vocab.CITIES)
                name = f"{city}{core}{rng.choice(vocab.SECTOR_SUFFIX[sector])}"
                if name not in used:
                    used.add(name)
                    break
            brand = core + rng.choice(vocab.BRAND_SUFFIX[sector])
            out.append(CompanySpec(i, name, sector, brand, 1.0 / (i + 1) ** ZIPF))
        return out

    def _make_day_weights(self) -> list[float]:
        weights = []
        for k in range(self.plan.days):
            d = self.start_day + timedelta(days=k)
            w = WEEKDAY_FACTOR[d.weekday()] * (1 + 0.25 * k / 365)  # slow growth
            if d.month == 6 and 17 <= d.day <= 28:
                w *= 1.5
            if d.month == 11 and 11 <= d.day <= 22:
                w *= 1.7
            if d.month == 2 and d.day <= 14:
                w *= 0.75  # around the Spring Festival
            weights.append(w)
        return weights

    def _make_surges(self) -> list[Surge]:
        rng = self.rng
        plan = self.plan
        surges: list[Surge] = []
        if plan.surges <= 0 or plan.days < 60:
            return surges
        total_weight = self._company_cum[-1]
        # surges hit companies outside the top 20 (a platform's own volume hides a small surge)
        candidates = list(range(min(20, len(self.companies) - 1), len(self.companies)))
        # surge extras are at most 3% of all complaints (30% in small test sets)
        budget = plan.complaints * (0.03 if plan.complaints >= 100_000 else 0.3)
        kinds = ("plain", "runaway", "defect", "fraud")
        taken: set[int] = set()
        for s in range(plan.surges):
            kind = kinds[s % len(kinds)]
            pool = [
                c
                for c in rng.sample(candidates, min(len(candidates), 50))
                if c not in taken
                and (
                    kind == "plain"
                    or (kind == "runaway" and self.companies[c].sector in vocab.PREPAID_SECTORS)
                    or (kind == "defect" and self.companies[c].sector in ("auto", "electronics"))
                    or (kind == "fraud" and self.companies[c].sector == "finance")
                )
            ]
            if not pool:
                continue
            c = pool[0]
            taken.add(c)
            company = self.companies[c]
            baseline = plan.complaints * company.weight / total_weight / plan.days
            length = rng.randint(3, 10)
            start = rng.randint(60, plan.days - length - 1)
            # a clear rise: max(8 complaints/day, 4× the daily baseline) on top of it
            per_day = max(8.0, 4 * baseline) * rng.uniform(1.0, 2.0) * plan.surge_scale
            extra = int(per_day * length)
            if extra > budget:
                continue
            budget -= extra
            sector_problems = vocab.SECTOR_PROBLEMS[company.sector]
            detail: dict[str, Any] = {}
            terms: tuple[str, ...]
            if kind == "runaway":
                problem, terms = "refund_difficult", vocab.RUNAWAY_TERMS
            elif kind == "defect":
                word, _ = rng.choice(vocab.DEFECT_PATTERNS)
                model = rng.choice(vocab.CAR_MODELS)
                problem, terms = "safety", (word,)
                detail = {"defect": word, "model": f"{company.brand} {model}"}
            elif kind == "fraud":
                platform = rng.choice(vocab.FRAUD_PLATFORM_STEMS) + rng.choice(
                    vocab.FRAUD_PLATFORM_SUFFIX
                )
                problem, terms = "fraud", (platform, "无法提现")
                detail = {"platform": platform}
            else:
                problem = rng.choice(sector_problems)
                terms = ()
            surges.append(Surge(kind, c, start, length, extra, problem, terms, detail))
        return surges

    # --- complaints ---------------------------------------------------------------------

    def rows(self) -> Iterator[Row]:
        """All complaints in submission order (the surge extras interleaved by day)."""
        plan = self.plan
        rng = self.rng
        extra_total = sum(s.extra for s in self.surges)
        base = max(0, plan.complaints - extra_total)
        # one day at a time so that the rows come out in time order (ids follow time)
        per_day = self._split(base)
        surge_days: dict[int, list[int]] = {}
        for si, s in enumerate(self.surges):
            for k in range(s.extra):
                surge_days.setdefault(s.start + k * s.length // s.extra, []).append(si)
        number = 0
        for day_index, n in enumerate(per_day):
            todo: list[int | None] = [None] * n + list(surge_days.get(day_index, []))
            rng.shuffle(todo)
            times = sorted(self._time_on(day_index) for _ in todo)
            for at, surge in zip(times, todo, strict=True):
                if at > plan.end:
                    at = plan.end - timedelta(seconds=rng.randrange(1, 3600))
                yield self._complaint(number, at, surge)
                number += 1

    def _split(self, total: int) -> list[int]:
        """``total`` spread over the days by their weights (largest remainders, exact sum)."""
        weight_sum = self._day_cum[-1]
        raw = [total * w / weight_sum for w in self.day_weights]
        counts = [int(x) for x in raw]
        short = total - sum(counts)
        for k in sorted(range(len(raw)), key=lambda k: counts[k] - raw[k])[:short]:
            counts[k] += 1
        return counts

    def _time_on(self, day_index: int) -> datetime:
        hour = bisect.bisect(self._hour_cum, self.rng.random() * self._hour_cum[-1])
        local = datetime.combine(self.start_day + timedelta(days=day_index), datetime.min.time())
        seconds = hour * 3600 + self.rng.randrange(3600)
        return (local + timedelta(seconds=seconds) - LOCAL).replace(tzinfo=UTC)

    def _complaint(self, number: int, at: datetime, surge_index: int | None) -> Row:
        rng = self.rng
        if surge_index is not None:
            surge: Surge | None = self.surges[surge_index]
            assert surge is not None
            ci = surge.company
        else:
            surge = None
            ci = bisect.bisect(self._company_cum, rng.random() * self._company_cum[-1])
        company = self.companies[ci]
        problem = surge.problem if surge else rng.choice(vocab.SECTOR_PROBLEMS[company.sector])
        problems = [problem]
        if rng.random() < 0.2:
            second = rng.choice(vocab.SECTOR_PROBLEMS[company.sector])
            if second != problem:
                problems.append(second)
        demands = [rng.choice(vocab.PROBLEM_DEMANDS[problem])]
        amount = self._amount()
        title, details, pii = self._text(company, problem, demands, amount, at, surge)
        region = self._region()
        status, fields, events, rating = self._lifecycle(at)
        return Row(
            number=number,
            consumer=rng.randrange(self.plan.consumers),
            company=ci,
            title=title,
            details=details,
            problem_types=problems,
            demands=demands,
            amount=amount,
            region=region,
            status=status,
            fields=fields,
            events=events,
            rating=rating,
            pii=pii,
            surge=surge_index,
        )

    def _amount(self) -> Decimal | None:
        if self.rng.random() < 0.15:
            return None
        value = min(9_999_999.0, math.exp(self.rng.gauss(math.log(300), 1.3)))
        return Decimal(f"{max(1.0, value):.2f}")

    def _region(self) -> str:
        p = self._region_keys[
            bisect.bisect(self._region_cum, self.rng.random() * self._region_cum[-1])
        ]
        return self.rng.choice(self._regions[p])

    def _text(
        self,
        company: CompanySpec,
        problem: str,
        demands: list[str],
        amount: Decimal | None,
        at: datetime,
        surge: Surge | None,
    ) -> tuple[str, str, list[dict[str, Any]]]:
        rng = self.rng
        local = at + LOCAL
        product = rng.choice(vocab.PRODUCTS[company.sector])
        slots = {
            "brand": company.brand,
            "product": product,
            "amount": f"{amount:.0f}" if amount is not None else str(rng.randint(30, 900)),
            "days": str(rng.randint(3, 40)),
            "times": str(rng.randint(2, 6)),
            "percent": str(rng.choice((20, 30, 50))),
            "month": str(max(1, local.month - rng.randint(0, 1))),
            "day": str(rng.randint(1, 28)),
            "platform": (surge.detail.get("platform", "") if surge else ""),
        }
        titles, story = vocab.PROBLEMS[problem]
        title = rng.choice(titles).format(**slots)
        parts = [rng.choice(vocab.OPENINGS).format(**slots)]
        parts += [s.format(**slots) for s in rng.sample(story, min(len(story), rng.randint(1, 3)))]
        if surge is not None:
            if surge.kind == "runaway":
                title = f"{company.brand}{rng.choice(('跑路', '突然关门', '停业不退费'))}"
                parts.insert(1, rng.choice(vocab.RUNAWAY_SENTENCES).format(**slots))
            elif surge.kind == "defect":
                word = surge.detail["defect"]
                sentence = next(s for w, s in vocab.DEFECT_PATTERNS if w == word)
                title = f"{surge.detail['model']}{word}"
                parts.insert(1, f"我的车是{surge.detail['model']}，{sentence}")
            elif surge.kind == "fraud":
                title = f"{surge.detail['platform']}无法提现，涉嫌诈骗"
                parts.insert(1, rng.choice(vocab.FRAUD_SENTENCES).format(**slots))
        parts.append(vocab.DEMAND_PHRASES.get(demands[0], ""))
        parts.append(rng.choice(vocab.CLOSINGS).format(**slots))
        details = "".join(parts)
        pii: list[dict[str, Any]] = []
        if rng.random() < self.plan.pii_share:
            kind, value, prefix = self._pii()
            insert = prefix + value + "。"
            cut = details.rfind("。", 0, len(details) - 1) + 1 or len(details)
            start = cut + len(prefix)
            details = details[:cut] + insert + details[cut:]
            pii.append({"field": "details", "type": kind, "start": start,
                        "end": start + len(value), "value": value})  # fmt: skip
        return title[:80], details, pii

    def _pii(self) -> tuple[str, str, str]:
        rng = self.rng
        kind = rng.choice(("mobile", "mobile", "id_card", "email", "name", "bank_card", "qq"))
        if kind == "mobile":
            digits = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if rng.random() < 0.3:
                digits = f"{digits[:3]} {digits[3:7]} {digits[7:]}"
            return kind, digits, rng.choice(("我的电话是", "联系电话：", "手机号"))
        if kind == "id_card":
            region = rng.choice(("110101", "310104", "440305", "510107", "330106"))
            birth = date(1960, 1, 1) + timedelta(days=rng.randrange(15_000))
            body = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
            return kind, body + _id_check(body), "身份证号"
        if kind == "email":
            user = "".join(
                rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=rng.randint(5, 10))
            )
            return (
                kind,
                f"{user}@{rng.choice(('qq.com', '163.com', '126.com', 'gmail.com'))}",
                "邮箱",
            )
        if kind == "name":
            name = rng.choice(vocab.SURNAMES) + "".join(
                rng.choices(vocab.GIVEN, k=rng.randint(1, 2))
            )
            return kind, name, rng.choice(("我叫", "收件人：", "联系人"))
        if kind == "bank_card":
            body = rng.choice(("622202", "621700", "622848", "623668")) + "".join(
                rng.choices("0123456789", k=9)
            )
            return kind, body + _luhn_digit(body), "银行卡号"
        qq = str(rng.randrange(10_000_000, 3_000_000_000))
        return kind, qq, "QQ号"

    # --- lifecycle ------------------------------------------------------------------------

    def _due(self, at: datetime, days: int) -> datetime:
        """``add_working_days`` with a per-date cache (same local time, n-th working day)."""
        local_day = (at + LOCAL).date()
        key = (local_day, days)
        delta = self._due_cache.get(key)
        if delta is None:
            d, counted = local_day, 0
            while counted < days:
                d += timedelta(days=1)
                if is_working_day(d):
                    counted += 1
            delta = self._due_cache[key] = (d - local_day).days
        return at + timedelta(days=delta)

    def _lifecycle(
        self, submitted: datetime
    ) -> tuple[str, dict[str, Any], list[tuple[Any, ...]], tuple[int, int, int] | None]:
        """Walk one complaint through the transition table until ``plan.end``."""
        rng = self.rng
        end = self.plan.end
        status = Status.PENDING_REVIEW
        fields: dict[str, Any] = {
            "created_at": submitted,
            "submitted_at": submitted,
            "updated_at": submitted,
            "visibility": "private",
            "review_due_at": self._due(submitted, REVIEW_DAYS),
        }
        events: list[tuple[Any, ...]] = [
            ("submitted", "", Actor.CONSUMER, "", Status.PENDING_REVIEW, submitted, "", {})
        ]
        rating: tuple[int, int, int] | None = None
        now = submitted

        def step(action: Action, target: Status, role: Actor, delay_hours: float,
                 message: str = "") -> bool:  # fmt: skip
            nonlocal status, now
            at = now + timedelta(hours=delay_hours)
            if at > end:
                return False
            events.append(("transition", action, role, status, target, at, message, {}))
            status, now = target, at
            fields["updated_at"] = at
            return True

        def hours(median: float, sigma: float = 1.0) -> float:
            return median * math.exp(rng.gauss(0, sigma))

        r = rng.random()
        if r < 0.02:
            step(Action.WITHDRAW, Status.WITHDRAWN, Actor.CONSUMER, hours(6))
            return status, fields, events, None
        if r < 0.08:
            if step(Action.REJECT, Status.REJECTED, Actor.MODERATOR, hours(12, 0.7)):
                fields["rejection_reason"] = rng.choice(
                    ("not_consumer_dispute", "insufficient", "no_company", "spam")
                )
            return status, fields, events, None
        if r < 0.09:
            if not step(Action.ACCEPT, Status.UNASSIGNED, Actor.MODERATOR, hours(12, 0.7)):
                return status, fields, events, None
            fields.update(accepted_at=now, visibility="public")
            if step(Action.CLOSE_UNASSIGNED, Status.CLOSED, Actor.SYSTEM, 90 * 24):
                fields["closed_at"] = now
            return status, fields, events, None
        if not step(Action.ACCEPT, Status.PROCESSING, Actor.MODERATOR, hours(12, 0.7)):
            return status, fields, events, None
        fields.update(accepted_at=now, assigned_at=now, visibility="public")
        fields["reply_due_at"] = self._due(now, REPLY_DAYS)
        replies_left = 2
        while True:  # status is PROCESSING here
            if rng.random() < 0.77 and replies_left:
                replies_left -= 1
                message = rng.choice(vocab.MERCHANT_REPLIES)
                if not step(Action.REPLY, Status.REPLIED, Actor.MERCHANT, hours(16, 1.0), message):
                    break
                fields.setdefault("first_reply_at", now)
                fields["last_reply_at"] = now
                fields["is_overdue"] = False
                if rng.random() < 0.1:
                    if step(Action.FOLLOW_UP, Status.PROCESSING, Actor.CONSUMER, hours(24)):
                        fields["assigned_at"] = now
                        fields["reply_due_at"] = self._due(now, REPLY_DAYS)
                        continue
                    break
                if rng.random() < 0.05:
                    step(Action.ESCALATE, Status.MEDIATION, Actor.CONSUMER, hours(48))
                    break
                if not step(Action.REQUEST_COMPLETION, Status.COMPLETION_REQUESTED,
                            Actor.MERCHANT, hours(6)):  # fmt: skip
                    break
                fields["completion_requested_at"] = now
                fields["confirm_due_at"] = now + timedelta(days=CONFIRM_DAYS)
                r = rng.random()
                if r < 0.70:
                    if step(Action.CONFIRM, Status.COMPLETED, Actor.CONSUMER, hours(8)):
                        fields["completed_at"] = now
                        fields["confirm_due_at"] = None
                        s = rng.choices((5, 4, 3, 2, 1), (55, 15, 8, 7, 15))[0]
                        rating = (
                            min(5, max(1, s + rng.choice((-1, 0, 0, 1)))),
                            min(5, max(1, s + rng.choice((-1, 0, 0, 1)))),
                            s,
                        )
                        payload = {"attitude": rating[0], "speed": rating[1], "satisfaction": s}
                        e = events[-1]
                        events[-1] = (*e[:7], payload)
                elif r < 0.76:
                    if step(Action.DISPUTE, Status.PROCESSING, Actor.CONSUMER, hours(30)):
                        fields["assigned_at"] = now
                        fields["reply_due_at"] = self._due(now, REPLY_DAYS)
                        fields["confirm_due_at"] = None
                        continue
                else:
                    due = fields["confirm_due_at"]
                    if due <= end:
                        step(Action.AUTO_COMPLETE, Status.AUTO_COMPLETED, Actor.SYSTEM,
                             (due - now).total_seconds() / 3600 + 3)  # fmt: skip
                        if status == Status.AUTO_COMPLETED:
                            fields["completed_at"] = now
                            fields["confirm_due_at"] = None
                break
            # no reply (any more): overdue, then mediation or closure
            due = fields["reply_due_at"]
            if due > end:
                break
            fields["is_overdue"] = True
            fields["overdue_marked_at"] = due + timedelta(hours=3)
            events.append(("overdue", "", Actor.SYSTEM, "", "", due + timedelta(hours=3), "",
                           {"reply_due_at": due.isoformat()}))  # fmt: skip
            now = due + timedelta(hours=3)
            fields["updated_at"] = now
            if rng.random() < 0.15:
                step(Action.ESCALATE, Status.MEDIATION, Actor.CONSUMER, hours(48))
                break
            close_at = self._due(due, CLOSE_AFTER_OVERDUE) + timedelta(hours=3)
            if close_at <= end and step(Action.CLOSE_OVERDUE, Status.CLOSED, Actor.SYSTEM,
                                        (close_at - now).total_seconds() / 3600):  # fmt: skip
                fields["closed_at"] = now
            break
        if status == Status.MEDIATION:
            if rng.random() < 0.5:
                if step(Action.MEDIATION_SUCCEEDED, Status.COMPLETED, Actor.MEDIATOR, hours(240)):
                    fields["completed_at"] = now
            elif step(Action.MEDIATION_FAILED, Status.CLOSED, Actor.MEDIATOR, hours(240)):
                fields["closed_at"] = now
        return status, fields, events, rating


def content_hash(company_id: int, title: str, details: str) -> str:
    """The duplicate guard of ``complaints.services.content_hash_for`` (kept in step by a test)."""
    from tousu.complaints.services import content_hash_for

    return content_hash_for(company_id, title, details)


def public_number(n: int, key: int) -> str:
    """``TS`` + 10 base32 characters from a keyed bijection of ``n`` over 50 bits (multiply by
    odd constants, xor with the key): unique within a run and not sequential-looking. Random
    numbers of later submissions that happen to collide are retried by the submission service."""
    mask = 2**50 - 1
    value = ((((n + 1) * 0x2545F4914F6CD) & mask) ^ (key & mask)) * 0x9E3779B97F4A7 & mask
    chars = []
    for _ in range(10):
        value, digit = divmod(value, 32)
        chars.append(ALPHABET[digit])
    return PREFIX + "".join(reversed(chars))
