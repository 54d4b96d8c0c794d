"""Synthetic complaints with realistic shapes and written ground truth (no database access).

``Generator`` makes companies and surges (one seeded ``random.Random``), then the complaints by
columns, a chunk of whole days at a time (``Generator.chunks``): every attribute of a chunk is a
numpy array drawn at once from a seeded ``numpy.random.Generator``, the lifecycles are walked in
lock step (one array operation per step for all complaints that take it), the texts are patterns
filled column-wise (``datagen.texts``). The loader (``tousu.datagen.load``) turns the columns into
rows. The same ``--seed`` and sizes give the same data (docs/adr/0024-columnar-bulk-data.md).

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
import hashlib
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np

from tousu.common.calendar import is_working_day
from tousu.common.ids import ALPHABET, PREFIX
from tousu.common.text import normalize_text
from tousu.complaints.states import Action, Actor, Status

from . import texts, vocab

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
SURGE_GAP = 4  # days between injected surges, as long as they fit


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
        self.companies = self._make_companies()
        self._company_cum = list(itertools.accumulate(c.weight for c in self.companies))
        self.day_weights = self._make_day_weights()
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
            # apart from the other surges (a margin of a few days on each side) while there is
            # room: each one is then found on its own days, whatever the seed, and its words
            # are not mixed with another surge's
            for _ in range(30):
                start = rng.randint(60, plan.days - length - 1)
                if all(start + length + SURGE_GAP <= o.start or o.start + o.length + SURGE_GAP
                       <= start for o in surges):  # fmt: skip
                    break
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

    # --- complaints, by columns -----------------------------------------------------------

    def _setup_columns(self) -> None:
        """Arrays and phrase patterns shared by every chunk (built once, on first use)."""
        if hasattr(self, "_np"):
            return
        plan = self.plan
        self._np = np.random.default_rng([plan.seed, 0x7D5])
        weights = np.array([c.weight for c in self.companies])
        self._company_cdf = np.cumsum(weights / weights.sum())
        codes, region_weights = [], []
        for p in self._region_keys:
            counties = self._regions[p]
            codes += counties
            region_weights += [PROVINCE_POPULATION[p] / len(counties)] * len(counties)
        self.region_codes = np.array(codes, dtype=object)
        rw = np.array(region_weights)
        self._region_cdf = np.cumsum(rw / rw.sum())
        hw = np.array(HOUR_WEIGHTS, dtype=float)
        self._hour_cdf = np.cumsum(hw / hw.sum())
        self._start_epoch = (
            int(datetime.combine(self.start_day, datetime.min.time(), tzinfo=UTC).timestamp())
            - 8 * 3600
        )  # local midnight of the first day, in UTC seconds
        self._end = int(plan.end.timestamp())
        self._calendar = _DueTable(self.start_day - timedelta(days=3),
                                   (plan.end + LOCAL).date() + timedelta(days=90))  # fmt: skip
        self._texts = _TextPools(self)

    def _per_day(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Base complaints per day, and the surge extras as (day, surge) pairs."""
        extra_total = sum(s.extra for s in self.surges)
        base = max(0, self.plan.complaints - extra_total)
        w = np.array(self.day_weights)
        raw = base * w / w.sum()
        counts = np.floor(raw).astype(np.int64)
        short = base - int(counts.sum())
        if short:
            order = np.argsort(counts - raw, kind="stable")[:short]
            counts[order] += 1
        s_day, s_idx = [], []
        for si, s in enumerate(self.surges):
            k = np.arange(s.extra)
            s_day.append(s.start + k * s.length // s.extra)
            s_idx.append(np.full(s.extra, si))
        surge_day = np.concatenate(s_day) if s_day else np.zeros(0, np.int64)
        surge_idx = np.concatenate(s_idx) if s_idx else np.zeros(0, np.int64)
        return counts, surge_day.astype(np.int64), surge_idx.astype(np.int64)

    def chunks(self, size: int = 50_000) -> Iterator[Chunk]:
        """All complaints in submission order, about ``size`` at a time (whole days)."""
        self._setup_columns()
        per_day, surge_day, surge_idx = self._per_day()
        order = np.argsort(surge_day, kind="stable")
        surge_day, surge_idx = surge_day[order], surge_idx[order]
        surge_per_day = np.bincount(surge_day, minlength=len(per_day))[: len(per_day)]
        totals = per_day + surge_per_day
        number, first_day, acc = 0, 0, 0
        for d in range(len(per_day)):
            acc += int(totals[d])
            if acc >= size or d == len(per_day) - 1:
                if acc:
                    days = np.arange(first_day, d + 1)
                    lo, hi = np.searchsorted(surge_day, [first_day, d + 1])
                    yield self._chunk(number, days, per_day[days], surge_day[lo:hi],
                                      surge_idx[lo:hi])  # fmt: skip
                    number += acc
                first_day, acc = d + 1, 0

    def _chunk(self, number: int, days: np.ndarray, base_counts: np.ndarray,
               surge_day: np.ndarray, surge_idx: np.ndarray) -> Chunk:  # fmt: skip
        rng = self._np
        base_day = np.repeat(days, base_counts)
        day = np.concatenate([base_day, surge_day])
        surge = np.concatenate([np.full(len(base_day), -1), surge_idx])
        n = len(day)
        hour = np.searchsorted(self._hour_cdf, rng.random(n), side="right")
        at = self._start_epoch + day * 86400 + hour * 3600 + rng.integers(0, 3600, n)
        late = at > self._end
        at[late] = self._end - rng.integers(1, 3600, int(late.sum()))
        order = np.argsort(at, kind="stable")
        at, surge = at[order], surge[order]
        is_surge = surge >= 0
        surge_company = np.array([s.company for s in self.surges] or [0])
        company = np.where(
            is_surge,
            surge_company[np.maximum(surge, 0)],
            np.minimum(np.searchsorted(self._company_cdf, rng.random(n), side="right"),
                       len(self.companies) - 1),
        )  # fmt: skip
        region = np.minimum(np.searchsorted(self._region_cdf, rng.random(n), side="right"),
                            len(self.region_codes) - 1)  # fmt: skip
        consumer = rng.integers(0, self.plan.consumers, n)
        amount = np.minimum(9_999_999.0, np.exp(rng.normal(math.log(300), 1.3, n)))
        amount = np.round(np.maximum(1.0, amount), 2)
        amount[rng.random(n) < 0.15] = np.nan
        chunk = Chunk(
            start=number, company=company, consumer=consumer, submitted=at, surge=surge,
            region=region, amount=amount,
        )  # fmt: skip
        self._texts.fill(chunk, rng)
        _walk(chunk, self._calendar, self._end, rng)
        return chunk

    def rows(self) -> Iterator[tuple[str, str, int, float | None]]:
        """(title, status, company index, amount) of every complaint: a small view for tests."""
        for c in self.chunks():
            status = [STATUSES[s] for s in c.status_codes]
            amounts = [None if math.isnan(a) else a for a in c.amount.tolist()]
            yield from zip(c.title, status, c.company.tolist(), amounts, strict=True)


# --- chunks of complaints --------------------------------------------------------------------

STATUSES = tuple(s.value for s in Status)
ST = {s: i for i, s in enumerate(STATUSES)}
ACTIONS = ("", *(a.value for a in Action))
AC = {a: i for i, a in enumerate(ACTIONS)}
ROLES = tuple(a.value for a in Actor)
RO = {a: i for i, a in enumerate(ROLES)}
KIND_SUBMITTED, KIND_TRANSITION, KIND_OVERDUE = 0, 1, 2
EVENT_KINDS = ("submitted", "transition", "overdue")
REJECTION_REASONS = ("not_consumer_dispute", "insufficient", "no_company", "spam")
TIME_FIELDS = (
    "updated_at", "review_due_at", "accepted_at", "assigned_at", "reply_due_at",
    "first_reply_at", "last_reply_at", "completion_requested_at", "confirm_due_at",
    "completed_at", "closed_at", "overdue_marked_at",
)  # fmt: skip
NO_TIME = -1
DAY = 86400
HOUR = 3600


@dataclass
class Chunk:
    """A run of complaints as columns (index i = complaint ``start + i`` of this run)."""

    start: int
    company: np.ndarray  # index into Generator.companies
    consumer: np.ndarray  # index into the consumers
    submitted: np.ndarray  # UTC epoch seconds
    surge: np.ndarray  # index into Generator.surges, -1: none
    region: np.ndarray  # index into Generator.region_codes
    amount: np.ndarray  # yuan, NaN: none
    problem: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    problem2: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: none
    demand: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    title: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    title_norm: list[str] = field(default_factory=list)  # normalize_text(title)
    details_norm: list[str] = field(default_factory=list)
    pii: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (index, truth)
    # lifecycle
    status_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    times: dict[str, np.ndarray] = field(default_factory=dict)  # TIME_FIELDS, NO_TIME: null
    is_overdue: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    public: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    rejection: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: none
    # events, ordered by complaint then time (the loader numbers them in this order)
    ev_complaint: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_action: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_role: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_from: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: ""
    ev_to: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: ""
    ev_at: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ev_message: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: ""
    ev_rating: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # -1: none
    ev_due: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # overdue events

    def __len__(self) -> int:
        return len(self.submitted)


def rating_of(code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(attitude, speed, satisfaction) of a rating code (0..124)."""
    return code // 25 + 1, code // 5 % 5 + 1, code % 5 + 1


class _DueTable:
    """``add_working_days`` for whole arrays: per local date, how many calendar days to the n-th
    working day (same local time of day)."""

    def __init__(self, first: date, last: date) -> None:
        self.first = (first - date(1970, 1, 1)).days
        n = (last - first).days + 1
        working = np.array([is_working_day(first + timedelta(days=k)) for k in range(n + 80)])
        self.offsets: dict[int, np.ndarray] = {}
        positions = np.flatnonzero(working)
        for days in (REVIEW_DAYS, REPLY_DAYS, CLOSE_AFTER_OVERDUE):
            # the index of the days-th working day strictly after each day
            nxt = np.searchsorted(positions, np.arange(n), side="right") + days - 1
            nxt = np.minimum(nxt, len(positions) - 1)
            self.offsets[days] = positions[nxt] - np.arange(n)

    def add(self, at: np.ndarray, days: int) -> np.ndarray:
        local_day = (at + 8 * HOUR) // DAY - self.first
        local_day = np.clip(local_day, 0, len(self.offsets[days]) - 1)
        return at + self.offsets[days][local_day] * DAY


class _Events:
    """Events appended step by step for subsets of a chunk; sorted by complaint at the end."""

    def __init__(self) -> None:
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.seq = 0

    def add(self, idx: np.ndarray, kind: int, action: int, role: int, src: np.ndarray | int,
            dst: int, at: np.ndarray, message: np.ndarray | int = -1,
            rating: np.ndarray | int = -1, due: np.ndarray | int = NO_TIME) -> None:  # fmt: skip
        m = len(idx)
        if not m:
            return
        self.seq += 1

        def col(v: np.ndarray | int) -> np.ndarray:
            return v if isinstance(v, np.ndarray) else np.full(m, v, dtype=np.int64)

        self.parts.append(
            (idx, np.full(m, self.seq), col(kind), col(action), col(role), col(src), col(dst),
             at, col(message), col(rating), col(due))
        )  # fmt: skip

    def into(self, chunk: Chunk) -> None:
        cols = [np.concatenate([p[k] for p in self.parts]) for k in range(11)]
        order = np.lexsort((cols[1], cols[0]))
        (chunk.ev_complaint, _, chunk.ev_kind, chunk.ev_action, chunk.ev_role, chunk.ev_from,
         chunk.ev_to, chunk.ev_at, chunk.ev_message, chunk.ev_rating,
         chunk.ev_due) = (c[order] for c in cols)  # fmt: skip


def _walk(chunk: Chunk, calendar: _DueTable, end: int, rng: np.random.Generator) -> None:
    """Every complaint of the chunk through the transition table of ``complaints.states``, in
    lock step: each step is one array operation over the complaints that take it. Same rules
    and shares as the walk of one complaint: ≈2% withdrawn, ≈6% rejected, ≈1% never assigned;
    of the accepted ≈77% replied per round (at most two replies), then follow-up, mediation,
    completion request → confirmation with a J-shaped rating, dispute or auto-completion; no
    reply → overdue mark, then mediation or closure. A step that would fall after ``end`` is not
    taken: the complaint stays where it is, as it would be at that moment."""
    n = len(chunk)
    sub = chunk.submitted
    status = np.full(n, ST["pending_review"])
    now = sub.copy()
    t = {name: np.full(n, NO_TIME, dtype=np.int64) for name in TIME_FIELDS}
    t["updated_at"] = sub.copy()
    t["review_due_at"] = calendar.add(sub, REVIEW_DAYS)
    is_overdue = np.zeros(n, bool)
    public = np.zeros(n, bool)
    rejection = np.full(n, -1)
    replies_left = np.full(n, 2)
    ev = _Events()
    all_ = np.arange(n)
    ev.add(all_, KIND_SUBMITTED, 0, RO["consumer"], -1, ST["pending_review"], sub)

    def hours(m: int, median: float, sigma: float = 1.0) -> np.ndarray:
        return np.rint(median * HOUR * np.exp(rng.normal(0.0, sigma, m))).astype(np.int64)

    def step(
        idx: np.ndarray, action: str, target: str, role: str, delay: np.ndarray,
        message: np.ndarray | int = -1, rating: np.ndarray | int = -1,
    ) -> np.ndarray:  # fmt: skip
        at = now[idx] + delay
        ok = at <= end
        done = idx[ok]
        if isinstance(message, np.ndarray):
            message = message[ok]
        if isinstance(rating, np.ndarray):
            rating = rating[ok]
        ev.add(done, KIND_TRANSITION, AC[action], RO[role], status[done], ST[target], at[ok],
               message, rating)  # fmt: skip
        status[done] = ST[target]
        now[done] = at[ok]
        t["updated_at"][done] = at[ok]
        return done

    def due(at: np.ndarray, days: int) -> np.ndarray:
        return calendar.add(at, days)

    r = rng.random(n)
    withdraw = all_[r < 0.02]
    step(withdraw, "withdraw", "withdrawn", "consumer", hours(len(withdraw), 6))
    reject = all_[(r >= 0.02) & (r < 0.08)]
    done = step(reject, "reject", "rejected", "moderator", hours(len(reject), 12, 0.7))
    rejection[done] = rng.integers(0, len(REJECTION_REASONS), len(done))
    unassigned = all_[(r >= 0.08) & (r < 0.09)]
    done = step(unassigned, "accept", "unassigned", "moderator", hours(len(unassigned), 12, 0.7))
    t["accepted_at"][done] = now[done]
    public[done] = True
    done = step(done, "close_unassigned", "closed", "system", np.full(len(done), 90 * DAY))
    t["closed_at"][done] = now[done]
    accept = all_[r >= 0.09]
    loop = step(accept, "accept", "processing", "moderator", hours(len(accept), 12, 0.7))
    t["accepted_at"][loop] = now[loop]
    t["assigned_at"][loop] = now[loop]
    public[loop] = True
    t["reply_due_at"][loop] = due(now[loop], REPLY_DAYS)
    mediation: list[np.ndarray] = []
    while len(loop):  # every complaint in `loop` is processing
        m = len(loop)
        replies = (rng.random(m) < 0.77) & (replies_left[loop] > 0)
        reply, silent = loop[replies], loop[~replies]
        again: list[np.ndarray] = []
        messages = rng.integers(0, len(vocab.MERCHANT_REPLIES), len(reply))
        done = step(reply, "reply", "replied", "merchant", hours(len(reply), 16), messages)
        first = done[t["first_reply_at"][done] == NO_TIME]
        t["first_reply_at"][first] = now[first]
        t["last_reply_at"][done] = now[done]
        is_overdue[done] = False
        replies_left[done] -= 1
        r = rng.random(len(done))
        follow = step(done[r < 0.1], "follow_up", "processing", "consumer",
                      hours(int((r < 0.1).sum()), 24))  # fmt: skip
        t["assigned_at"][follow] = now[follow]
        t["reply_due_at"][follow] = due(now[follow], REPLY_DAYS)
        again.append(follow)
        rest = done[r >= 0.1]
        r = rng.random(len(rest))
        esc = rest[r < 0.05]
        mediation.append(step(esc, "escalate", "mediation", "consumer", hours(len(esc), 48)))
        ask = rest[r >= 0.05]
        ask = step(ask, "request_completion", "completion_requested", "merchant",
                   hours(len(ask), 6))  # fmt: skip
        t["completion_requested_at"][ask] = now[ask]
        t["confirm_due_at"][ask] = now[ask] + CONFIRM_DAYS * DAY
        r = rng.random(len(ask))
        confirm = ask[r < 0.70]
        k = len(confirm)
        s = rng.choice(np.array([5, 4, 3, 2, 1]), k, p=np.array([55, 15, 8, 7, 15]) / 100)
        wobble = np.array([-1, 0, 0, 1])
        attitude = np.clip(s + wobble[rng.integers(0, 4, k)], 1, 5)
        speed = np.clip(s + wobble[rng.integers(0, 4, k)], 1, 5)
        code = (attitude - 1) * 25 + (speed - 1) * 5 + (s - 1)
        confirmed = step(confirm, "confirm", "completed", "consumer", hours(k, 8), rating=code)
        t["completed_at"][confirmed] = now[confirmed]
        t["confirm_due_at"][confirmed] = NO_TIME
        dispute = ask[(r >= 0.70) & (r < 0.76)]
        dispute = step(dispute, "dispute", "processing", "consumer", hours(len(dispute), 30))
        t["assigned_at"][dispute] = now[dispute]
        t["reply_due_at"][dispute] = due(now[dispute], REPLY_DAYS)
        t["confirm_due_at"][dispute] = NO_TIME
        again.append(dispute)
        auto = ask[r >= 0.76]
        auto = auto[t["confirm_due_at"][auto] <= end]
        auto = step(auto, "auto_complete", "auto_completed", "system",
                    t["confirm_due_at"][auto] + 3 * HOUR - now[auto])  # fmt: skip
        t["completed_at"][auto] = now[auto]
        t["confirm_due_at"][auto] = NO_TIME
        # no reply (any more): overdue when the deadline passed, then mediation or closure
        marked_at = t["reply_due_at"][silent] + 3 * HOUR
        late = silent[marked_at <= end]
        marked_at = marked_at[marked_at <= end]
        is_overdue[late] = True
        t["overdue_marked_at"][late] = marked_at
        ev.add(late, KIND_OVERDUE, 0, RO["system"], -1, -1, marked_at,
               due=t["reply_due_at"][late])  # fmt: skip
        now[late] = marked_at
        t["updated_at"][late] = marked_at
        r = rng.random(len(late))
        esc = late[r < 0.15]
        mediation.append(step(esc, "escalate", "mediation", "consumer", hours(len(esc), 48)))
        close = late[r >= 0.15]
        close_at = due(t["reply_due_at"][close], CLOSE_AFTER_OVERDUE) + 3 * HOUR
        close = close[close_at <= end]
        closed = step(close, "close_overdue", "closed", "system",
                      close_at[close_at <= end] - now[close])  # fmt: skip
        t["closed_at"][closed] = now[closed]
        loop = np.concatenate(again)
    med = np.concatenate(mediation) if mediation else np.zeros(0, np.int64)
    r = rng.random(len(med))
    won = step(med[r < 0.5], "mediation_succeeded", "completed", "mediator",
               hours(int((r < 0.5).sum()), 240))  # fmt: skip
    t["completed_at"][won] = now[won]
    lost = step(med[r >= 0.5], "mediation_failed", "closed", "mediator",
                hours(int((r >= 0.5).sum()), 240))  # fmt: skip
    t["closed_at"][lost] = now[lost]
    chunk.status_codes, chunk.times, chunk.is_overdue = status, t, is_overdue
    chunk.public, chunk.rejection = public, rejection
    ev.into(chunk)


# --- texts ---------------------------------------------------------------------------------------


def _pii(rng: random.Random) -> tuple[str, str, str]:
    """(type, value, the words before it) of one piece of personal data."""
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
        user = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=rng.randint(5, 10)))
        return kind, f"{user}@{rng.choice(('qq.com', '163.com', '126.com', 'gmail.com'))}", "邮箱"
    if kind == "name":
        name = rng.choice(vocab.SURNAMES) + "".join(rng.choices(vocab.GIVEN, k=rng.randint(1, 2)))
        return kind, name, rng.choice(("我叫", "收件人：", "联系人"))
    if kind == "bank_card":
        body = rng.choice(("622202", "621700", "622848", "623668")) + "".join(
            rng.choices("0123456789", k=9)
        )
        return kind, body + _luhn_digit(body), "银行卡号"
    return kind, str(rng.randrange(10_000_000, 3_000_000_000)), "QQ号"


def _table(rows: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Ragged lists → (matrix padded with 0, lengths), for ``m[i, floor(u * n[i])]`` picks."""
    width = max(1, *(len(r) for r in rows))
    m = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        m[i, : len(r)] = r
    return m, np.array([len(r) for r in rows], dtype=np.int64)


def _pick(m: np.ndarray, n: np.ndarray, row: np.ndarray, u: np.ndarray) -> np.ndarray:
    return m[row, np.minimum((u * n[row]).astype(np.int64), np.maximum(n[row] - 1, 0))]


SURGE_KINDS = ("plain", "runaway", "defect", "fraud")


class _TextPools:
    """Every phrase pattern parsed once; ``fill`` writes a chunk's problems and texts."""

    def __init__(self, gen: Generator) -> None:
        sectors = list(vocab.SECTOR_SUFFIX)
        self.sector_of = np.array([sectors.index(c.sector) for c in gen.companies])
        brands = [c.brand for c in gen.companies]
        self.brand = np.array(brands, dtype=object)
        self.brand_norm = np.array(texts.normalized(brands), dtype=object)
        self.problems = list(vocab.PROBLEMS)
        self.demands = list(vocab.DEMAND_PHRASES)
        P = {p: i for i, p in enumerate(self.problems)}
        D = {d: i for i, d in enumerate(self.demands)}
        self.sector_problems = _table([[P[p] for p in vocab.SECTOR_PROBLEMS[s]] for s in sectors])
        self.problem_demands = _table(
            [[D[d] for d in vocab.PROBLEM_DEMANDS[p]] for p in self.problems]
        )
        products = [list(vocab.PRODUCTS[s]) for s in sectors]
        flat = [p for ps in products for p in ps]
        self.product = np.array(flat, dtype=object)
        self.product_norm = np.array(texts.normalized(flat), dtype=object)
        offsets = np.cumsum([0] + [len(ps) for ps in products])
        self.sector_products = _table(
            [list(range(offsets[i], offsets[i + 1])) for i in range(len(sectors))]
        )
        self.num = np.array([str(i) for i in range(100)], dtype=object)
        # stories: 1–3 different sentences of the problem, in any order
        stories: list[str] = []
        self.story_tables = []
        for k in (1, 2, 3):
            rows = []
            for p in self.problems:
                story = vocab.PROBLEMS[p][1]
                combos = list(itertools.permutations(range(len(story)), min(k, len(story))))
                rows.append(list(range(len(stories), len(stories) + len(combos))))
                stories += ["".join(story[i] for i in c) for c in combos]
            self.story_tables.append(_table(rows))
        self.stories = texts.TemplateSet(stories)
        titles: list[str] = []
        rows = []
        for p in self.problems:
            rows.append(list(range(len(titles), len(titles) + len(vocab.PROBLEMS[p][0]))))
            titles += vocab.PROBLEMS[p][0]
        self.problem_titles = _table(rows)
        self.runaway_title = len(titles)
        titles += list(vocab.RUNAWAY_TITLES)
        self.defect_title = len(titles)
        titles += ["{model}" + word for word, _ in vocab.DEFECT_PATTERNS]
        self.fraud_title = len(titles)
        titles.append("{platform}无法提现，涉嫌诈骗")
        self.titles = texts.TemplateSet(titles)
        sentences: list[str] = [""]
        self.runaway_sentence = len(sentences)
        sentences += list(vocab.RUNAWAY_SENTENCES)
        self.fraud_sentence = len(sentences)
        sentences += list(vocab.FRAUD_SENTENCES)
        self.defect_sentence = len(sentences)
        sentences += ["我的车是{model}，" + s for _, s in vocab.DEFECT_PATTERNS]
        self.surge_sentences = texts.TemplateSet(sentences)
        self.openings = texts.TemplateSet(vocab.OPENINGS)
        self.demand_phrases = texts.TemplateSet([vocab.DEMAND_PHRASES[d] for d in self.demands])
        self.closings = texts.TemplateSet(vocab.CLOSINGS)
        # per surge (one more row for "no surge")
        surges = gen.surges
        words = [w for w, _ in vocab.DEFECT_PATTERNS]
        self.surge_kind = np.array([SURGE_KINDS.index(s.kind) for s in surges] + [-1])
        self.surge_problem = np.array([P[s.problem] for s in surges] + [0])
        self.surge_word = np.array(
            [words.index(s.detail["defect"]) if s.kind == "defect" else 0 for s in surges] + [0]
        )
        platforms = [s.detail.get("platform", "") for s in surges] + [""]
        models = [s.detail.get("model", "") for s in surges] + [""]
        self.platform = np.array(platforms, dtype=object)
        self.platform_norm = np.array(texts.normalized(platforms), dtype=object)
        self.model = np.array(models, dtype=object)
        self.model_norm = np.array(texts.normalized(models), dtype=object)
        self.pii_share = gen.plan.pii_share

    def fill(self, c: Chunk, rng: np.random.Generator) -> None:
        n = len(c)
        sector = self.sector_of[c.company]
        surge = np.where(c.surge >= 0, c.surge, len(self.surge_kind) - 1)
        kind = self.surge_kind[surge]
        problem = _pick(*self.sector_problems, sector, rng.random(n))
        problem = np.where(kind >= 0, self.surge_problem[surge], problem)
        second = _pick(*self.sector_problems, sector, rng.random(n))
        c.problem = problem
        c.problem2 = np.where((rng.random(n) < 0.2) & (second != problem), second, -1)
        c.demand = _pick(*self.problem_demands, problem, rng.random(n))
        # slot values
        amount = np.where(np.isnan(c.amount), rng.integers(30, 901, n), np.rint(c.amount))
        amount_text = np.array(list(map(str, amount.astype(np.int64).tolist())), dtype=object)
        local_month = (
            (c.submitted + 8 * HOUR).astype("datetime64[s]").astype("datetime64[M]").astype(int)
            % 12 + 1
        )  # fmt: skip
        month = np.maximum(1, local_month - rng.integers(0, 2, n))
        product = _pick(*self.sector_products, sector, rng.random(n))
        common = {
            "amount": amount_text,
            "days": self.num[rng.integers(3, 41, n)],
            "times": self.num[rng.integers(2, 7, n)],
            "percent": self.num[np.array([20, 30, 50])[rng.integers(0, 3, n)]],
            "month": self.num[month],
            "day": self.num[rng.integers(1, 29, n)],
        }
        values = texts.slot_matrix(n, {
            **common, "brand": self.brand[c.company], "product": self.product[product],
            "platform": self.platform[surge], "model": self.model[surge],
        })  # fmt: skip
        values_norm = texts.slot_matrix(n, {
            **common, "brand": self.brand_norm[c.company],
            "product": self.product_norm[product], "platform": self.platform_norm[surge],
            "model": self.model_norm[surge],
        })  # fmt: skip
        # pattern choices
        title = _pick(*self.problem_titles, problem, rng.random(n))
        title = np.where(kind == 1, self.runaway_title + rng.integers(0, 3, n), title)
        title = np.where(kind == 2, self.defect_title + self.surge_word[surge], title)
        title = np.where(kind == 3, self.fraud_title, title)
        sentence = np.zeros(n, dtype=np.int64)
        sentence = np.where(kind == 1, self.runaway_sentence + rng.integers(0, 4, n), sentence)
        sentence = np.where(kind == 3, self.fraud_sentence + rng.integers(0, 4, n), sentence)
        sentence = np.where(kind == 2, self.defect_sentence + self.surge_word[surge], sentence)
        k = rng.integers(0, 3, n)
        u = rng.random(n)
        story = np.zeros(n, dtype=np.int64)
        for j, table in enumerate(self.story_tables):
            sel = k == j
            story[sel] = _pick(*table, problem[sel], u[sel])
        parts = [
            self.openings.columns(rng.integers(0, self.openings.count, n), values, values_norm),
            self.surge_sentences.columns(sentence, values, values_norm),
            self.stories.columns(story, values, values_norm),
            self.demand_phrases.columns(c.demand, values, values_norm),
        ]
        closing = self.closings.columns(rng.integers(0, self.closings.count, n), values,
                                        values_norm)  # fmt: skip
        # personal data in a share of the texts, just before the closing sentence
        pii = np.full(n, "", dtype=object)
        pii_norm = np.full(n, "", dtype=object)
        with_pii = np.flatnonzero(rng.random(n) < self.pii_share)
        prng = random.Random(int(rng.integers(0, 2**62)))  # noqa: S311 (reproducible data)
        found = []
        for i in with_pii.tolist():
            kind_, value, prefix = _pii(prng)
            pii[i] = prefix + value + "。"
            pii_norm[i] = normalize_text(pii[i])
            found.append((i, kind_, value, prefix))
        cols = [col for p in parts for col in p[0]] + [pii] + closing[0]
        cols_norm = [col for p in parts for col in p[1]] + [pii_norm] + closing[1]
        c.details = texts.join(cols)
        c.details_norm = texts.join(cols_norm)
        title_cols, title_norm_cols = self.titles.columns(title, values, values_norm)
        c.title, c.title_norm = texts.join(title_cols), texts.join(title_norm_cols)
        for i in np.flatnonzero(np.fromiter(map(len, c.title), np.int64, n) > 80).tolist():
            c.title[i] = c.title[i][:80]
            c.title_norm[i] = normalize_text(c.title[i])
        if found:
            closing_text = texts.join(closing[0])
            for i, kind_, value, prefix in found:
                start = len(c.details[i]) - len(closing_text[i]) - len(pii[i]) + len(prefix)
                c.pii.append((i, {"field": "details", "type": kind_, "start": start,
                                  "end": start + len(value), "value": value}))  # fmt: skip


def public_numbers(first: int, count: int, key: int) -> list[str]:
    """``public_number(n, key)`` for ``n`` in ``first … first + count - 1``, with numpy (the
    products wrap modulo 2**64, whose low 50 bits are the exact ones)."""
    mask = np.uint64(2**50 - 1)
    n = np.arange(first + 1, first + count + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        value = ((n * np.uint64(0x2545F4914F6CD)) & mask) ^ (np.uint64(key) & mask)
        value = (value * np.uint64(0x9E3779B97F4A7)) & mask
    digits = np.empty((count, 10), dtype=np.uint32)
    alphabet = np.frombuffer(ALPHABET.encode("utf-32-le"), dtype=np.uint32)
    for k in range(10):
        digits[:, 9 - k] = alphabet[(value & np.uint64(31)).astype(np.int64)]
        value >>= np.uint64(5)
    body = digits.view("<U10").ravel()
    return np.char.add(PREFIX, body).tolist()


def content_hash(company_id: int, title: str, details: str) -> str:
    """The duplicate guard of ``complaints.services.content_hash_for`` (kept in step by a test)."""
    from tousu.complaints.services import content_hash_for

    return content_hash_for(company_id, title, details)


def content_hashes(
    company_ids: list[int], titles_norm: list[str], details_norm: list[str]
) -> list[str]:
    """``content_hash_for`` of many complaints whose texts are normalised already."""
    sha = hashlib.sha256
    return [
        sha(f"{c}\n{t}\n{d}".encode()).hexdigest()
        for c, t, d in zip(company_ids, titles_norm, details_norm, strict=True)
    ]


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
