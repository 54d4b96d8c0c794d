"""Running a search: scope + words + filters → hits, total, facets, next cursor.

Plain SQL over ``search_searchdocument`` (alias ``d``) so that both backends share every
filter, sort and facet; only the word match and the relevance score come from the backend.
Facets follow the CFPB rule: each facet's counts ignore that facet's own filter.
"""

# SQL text here is assembled from code constants only; every user value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from tousu.common.errors import ValidationFailed
from tousu.companies.models import Company, Region, Sector
from tousu.complaints.models import Complaint, Demand, ProblemType
from tousu.complaints.selectors import NOT_YET_FOR_MERCHANTS
from tousu.complaints.states import Status

from .backends import BUCKET, DOC_TABLE, backend_for
from .documents import DEMAND_BITS, PROBLEM_BITS, amount_cents, public_text
from .query import Query, parse
from .snippets import snippet_html

# filters-only queries: the total is exact up to this many, then "超过 10,000"
TOTAL_CAP = 10_000
# Queries with words examine at most the most recently filed matches of the words (complaint
# id order, newest first; inside the date range's id bounds): first WINDOWS[0] of them, and
# WINDOWS[-1] when the first window holds too few results for the page. Within the window
# everything is exact (filters, sorts, bm25 ranking, counts, facets); beyond it the total and
# the facets are estimates scaled by the share of the id range the window covers (约), and
# results come from the window only (docs/search.md, ADR 0019).
WINDOWS = (5_000, 50_000)
# words with filters that at most this many complaints pass: the filters choose the rows
FILTERS_FIRST_MAX = 5_000
# filters-only facets are counted over at most this many most recent matching complaints
FACET_WINDOW = 2_000
# the index of the key and every filter column (search/models.py)
COVER_INDEX = "searchdoc_cover"
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000
SORTS = ("relevance", "newest", "amount")
COMPANY_FACET_SIZE = 10
_TZ_DAY_START = time(0, 0)
_REGION = re.compile(r"^\d{2,6}$")


@dataclass
class Scope:
    """Which complaints the caller may search: public ones, or (private included) those of
    some companies, or everything (``company_ids`` None and ``public_only`` False)."""

    public_only: bool = True
    company_ids: list[int] | None = None
    # the caller may read the private fields (order number, purchase date) of what it finds
    private_fields: bool = False


PUBLIC = Scope()


@dataclass
class Filters:
    company_ids: list[int] = field(default_factory=list)
    brand_ids: list[int] = field(default_factory=list)
    sectors: list[str] = field(default_factory=list)
    region: str = ""
    statuses: list[str] = field(default_factory=list)
    problem_types: list[str] = field(default_factory=list)
    demands: list[str] = field(default_factory=list)
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    has_reply: bool | None = None
    overdue: bool | None = None

    def validate(self) -> None:
        def bad(field_name: str, message: str) -> ValidationFailed:
            return ValidationFailed(message, code="invalid_filter", details={"field": field_name})

        for name, values, allowed in (
            ("sector", self.sectors, Sector.values),
            ("status", self.statuses, Status.values),
            ("problem_type", self.problem_types, ProblemType.values),
            ("demand", self.demands, Demand.values),
        ):
            unknown = [v for v in values if v not in allowed]
            if unknown:
                raise bad(name, f"未知的筛选值：{'、'.join(unknown)}")
        if self.region and not _REGION.match(self.region):
            raise bad("region", "地区应为 2–6 位行政区划代码")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise bad("date_from", "开始日期不能晚于结束日期")
        if (
            self.amount_min is not None
            and self.amount_max is not None
            and self.amount_min > self.amount_max
        ):
            raise bad("amount_min", "最低金额不能高于最高金额")


@dataclass
class Hit:
    complaint: Complaint
    title: str  # the public title (``public_text``), plain text
    snippet: str  # HTML: escaped text with <mark> around the matched words


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    selected: bool


@dataclass
class Result:
    hits: list[Hit]
    total: int
    total_exact: bool
    next_cursor: str | None
    facets: dict[str, list[FacetValue]]
    sort: str
    query: Query
    # relevance ranked only the most recent ``window`` matches (bm25 within them)
    relevance_capped: bool = False
    # ``total`` is an estimate (shown as 约 N), scaled from the window
    total_estimated: bool = False
    # facet counts are scaled from the most recent matches (shown as 约)
    facets_exact: bool = True
    # how many most recent matches were examined, when not all of them were
    window: int | None = None
    private_fields: bool = False


def region_prefix(code: str) -> str:
    """GB/T 2260 codes nest by pairs: 440000 covers 44xxxx, 440300 covers 4403xx."""
    code = code.strip()
    while len(code) > 2 and code.endswith("00"):
        code = code[:-2]
    return code


def _day_ts(d: date) -> int:
    from django.utils import timezone

    return int(
        datetime.combine(d, _TZ_DAY_START, tzinfo=timezone.get_current_timezone()).timestamp()
    )


def _in(column: str, values: list[Any]) -> tuple[str, list[Any]]:
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def _bits(column: str, values: list[str], bits: dict[str, int]) -> tuple[str, list[Any]]:
    m = 0
    for v in values:
        m |= bits[v]
    return f"({column} & %s) <> 0", [m]


class _Sql:
    """The WHERE conditions by facet name ("" = always applies). The words themselves are
    not among them: they choose the window of matches (``_window``) the conditions apply in;
    excluded words are a condition."""

    def __init__(self, query: Query, filters: Filters, scope: Scope) -> None:
        self.backend = backend_for(connection)
        self.has_words = bool(query.groups)
        self.conds: list[tuple[str, str, list[Any]]] = []
        if scope.public_only:
            self.add("", "d.is_public = %s", [True])
        if scope.company_ids is not None:
            if scope.company_ids:
                self.add("", *_in("d.company_id", scope.company_ids))
                self.add(
                    "",
                    "d.status NOT IN ({})".format(", ".join(["%s"] * len(NOT_YET_FOR_MERCHANTS))),
                    [str(s) for s in NOT_YET_FOR_MERCHANTS],
                )
            else:
                self.add("", "1=0", [])
        if query.exclude:
            self.add("", *self.backend.exclude(query))
        f = filters
        if f.company_ids:
            self.add("company", *_in("d.company_id", f.company_ids))
        if f.brand_ids:
            self.add("company", *_in("d.brand_id", f.brand_ids))
        if f.sectors:
            self.add("sector", *_in("d.sector", f.sectors))
        if f.region:
            self.add("region", "d.region_code LIKE %s", [region_prefix(f.region) + "%"])
        if f.statuses:
            self.add("status", *_in("d.status", f.statuses))
        if f.problem_types:
            self.add("problem_type", *_bits("d.problem_mask", f.problem_types, PROBLEM_BITS))
        if f.demands:
            self.add("demand", *_bits("d.demand_mask", f.demands, DEMAND_BITS))
        if f.date_from:
            self.add("date", "d.submitted_ts >= %s", [_day_ts(f.date_from)])
        if f.date_to:
            self.add("date", "d.submitted_ts < %s", [_day_ts(f.date_to + timedelta(days=1))])
        if f.amount_min is not None:
            self.add("amount", "d.amount_cents >= %s", [amount_cents(f.amount_min)])
        if f.amount_max is not None:
            self.add("amount", "d.amount_cents <= %s", [amount_cents(f.amount_max)])
        if f.has_reply is not None:
            self.add("has_reply", "d.has_reply = %s", [f.has_reply])
        if f.overdue is not None:
            self.add("overdue", "d.is_overdue = %s", [f.overdue])

    def add(self, facet: str, sql: str, params: list[Any]) -> None:
        self.conds.append((facet, sql, params))

    def where(
        self, *, ignore: str = "", extra: list[tuple[str, list[Any]] | None] | None = None
    ) -> tuple[str, list[Any]]:
        parts: list[str] = []
        params: list[Any] = []
        for facet, sql, p in self.conds:
            if ignore and facet == ignore:
                continue
            parts.append(sql)
            params += p
        for more in extra or []:
            if more:
                parts.append(more[0])
                params += more[1]
        return " AND ".join(parts) or "1=1", params


def _fetch(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _bad_cursor() -> ValidationFailed:
    return ValidationFailed(
        "翻页参数无效，请从第一页重新开始", code="invalid_cursor", details={"field": "cursor"}
    )


def _parse_cursor(cursor: str | None, sort: str) -> list[int] | None:
    if not cursor:
        return None
    kind, _, rest = cursor.partition(".")
    try:
        values = [int(v) for v in rest.split(".")]
    except ValueError:
        raise _bad_cursor() from None
    if kind != sort[0] or len(values) != (1 if sort == "relevance" else 2):
        raise _bad_cursor()
    if sort == "relevance" and not 0 <= values[0] <= MAX_OFFSET:
        raise _bad_cursor()
    return values


@dataclass
class _Window:
    """Where the rows of a query come from: ``sql`` is a FROM clause giving ``d`` (and ``w``
    with a ``score`` for relevance); ``scanned`` matches were examined, all of them when
    ``complete``; ``share`` is the part of all matches they stand for (1.0 when complete)."""

    sql: str
    params: list[Any]
    complete: bool = True
    share: float = 1.0
    scanned: int = 0
    passing: int = 0
    # a condition every query over the window adds (the words, on the filters-first plan)
    extra: tuple[str, list[Any]] | None = None
    # the relevance order (best first) and its parameters
    score: tuple[str, list[Any]] = ("", [])
    # the window holds only matches in the filtered sectors (PostgreSQL, ADR 0030): the
    # sector facet, which ignores its own filter, needs a window of its own
    narrowed: bool = False


def _id_bounds(filters: Filters) -> tuple[int | None, int | None, int, int]:
    """Complaint-id bounds of the date range, from the range's first and last complaint by
    submission time (two index probes; an exact MIN/MAX of ids over a long range scans it:
    0.5–1 s at 1M). Exact when ids follow submission order, as filing does; imported
    histories filed later with older dates can fall outside (docs/search.md). Also the id
    span the bounds cover, for estimates."""
    (lo_all,) = _fetch(f"SELECT MIN(complaint_id) FROM {DOC_TABLE}", [])[0]
    (hi_all,) = _fetch(f"SELECT MAX(complaint_id) FROM {DOC_TABLE}", [])[0]
    if lo_all is None:
        return 1, 0, 1, 0  # no documents: an empty window
    lo = hi = None
    if filters.date_from:
        row = _fetch(
            f"SELECT complaint_id FROM {DOC_TABLE} WHERE submitted_ts >= %s "
            f"ORDER BY submitted_ts, complaint_id LIMIT 1",
            [_day_ts(filters.date_from)],
        )
        if not row:
            return 1, 0, 1, 0
        lo = int(row[0][0])
    if filters.date_to:
        row = _fetch(
            f"SELECT complaint_id FROM {DOC_TABLE} WHERE submitted_ts < %s "
            f"ORDER BY submitted_ts DESC, complaint_id DESC LIMIT 1",
            [_day_ts(filters.date_to + timedelta(days=1))],
        )
        if not row:
            return 1, 0, 1, 0
        hi = int(row[0][0])
    if lo is not None and hi is not None and hi < lo:
        lo, hi = hi, lo
    return lo, hi, lo if lo is not None else int(lo_all), hi if hi is not None else int(hi_all)


def _cover(sql: _Sql) -> str:
    """How a window's ids join the documents: on SQLite through the covering index, named (the
    planner picks the key's unique index when the statistics don't say better, and then reads
    each wide row: ≈60 bytes per match instead of 1–2 KB); PostgreSQL chooses by itself."""
    return f" INDEXED BY {COVER_INDEX}" if sql.backend.vendor == "sqlite" else ""


def _token_match(query: Query, vendor: str, column: str = "") -> tuple[str, list[Any]]:
    """The words as a condition on the stored token text (space-separated tokens of letters
    and digits): the same matches as the full-text index over the same token stream, checked
    row by row. Used when the filters are selective: their indexes choose the rows, this
    checks them (neither FTS5 nor GIN tests one row cheaply). ``column="title"``: the words in
    the title only (a ranking signal)."""
    find = "instr({}, %s) > 0" if vendor == "sqlite" else "strpos({}, %s) > 0"
    title = "(' ' || d.title_tokens || ' ')"
    body = "(' ' || d.body_tokens || ' ')"
    both = title if column == "title" else "(' ' || d.title_tokens || ' ' || d.body_tokens || ' ')"
    groups: list[str] = []
    params: list[Any] = []
    for group in query.groups:
        terms: list[str] = []
        for term in group:
            if term.phrase:
                needle = " " + " ".join(term.tokens) + " "
                if column == "title":
                    terms.append(find.format(title))
                    params.append(needle)
                else:
                    terms.append(f"({find.format(title)} OR {find.format(body)})")
                    params += [needle, needle]
            else:
                terms.append("(" + " AND ".join(find.format(both) for _t in term.tokens) + ")")
                params += [f" {t} " for t in term.tokens]
        groups.append("(" + " OR ".join(terms) + ")")
    return " AND ".join(groups), params


def _filtered_rows(sql: _Sql) -> int:
    """How many complaints pass the filters alone, counted up to ``FILTERS_FIRST_MAX + 1``."""
    where, params = sql.where()
    (n,) = _fetch(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {DOC_TABLE} d WHERE {where} LIMIT %s) t",
        [*params, FILTERS_FIRST_MAX + 1],
    )[0]
    return int(n)


def _windows(
    sql: _Sql, query: Query, filters: Filters, *, score: bool, narrow: bool = False
) -> Iterator[_Window]:
    """The windows of the words' most recently filed matches, smallest first. Each is
    measured on the full-text index alone (how many matches it holds, its lowest id: whether
    it is all of them, and the share of the id range it covers); how many of its matches pass
    the filters (``passing``) is left to the query that reads it (``COUNT(*) OVER ()`` in
    ``search``'s page query), so a window is joined to the documents once, not twice."""
    lo, hi, span_lo, span_hi = _id_bounds(filters)
    if sql.backend.vendor == "postgresql":
        sectors = list(filters.sectors) if narrow else []
        yield from _id_windows(sql, query, lo, hi, span_lo, span_hi, score=score, sectors=sectors)
        return
    for limit in WINDOWS:
        # one more than the window: a window holding every match is known to be complete
        sub, sub_params = sql.backend.window(query, lo=lo, hi=hi, limit=limit + 1, score=score)
        scanned, lowest = _fetch(f"SELECT COUNT(*), MIN(w.id) FROM ({sub}) w", sub_params)[0]
        complete = scanned <= limit
        share = 1.0
        if not complete:
            share = (span_hi - int(lowest) + 1) / max(span_hi - span_lo + 1, 1)
        yield _Window(
            f"({sub}) w JOIN {DOC_TABLE} d{_cover(sql)} ON d.complaint_id = w.id",
            sub_params,
            complete,
            share,
            int(scanned),
            score=("w.score", []),
        )
        if complete:
            return


class _PgMatches:
    """PostgreSQL: the words' matches in ``[lo, hi]``, newest first, read slice by slice
    (ADR 0030). A slice is a run of id blocks ANDed with the words inside the GIN index, so
    only the slice's matches cost a heap read; its width follows the density the slices so
    far showed. When the rest of the range is expected to hold few matches, it is read in
    one query without blocks (the word's own posting list is then the smaller side)."""

    FIRST = 3  # the first slice: ids per wanted match (a frequent word needs one slice)
    MAX_BLOCKS = 64  # blocks in one query: GIN walks each block's ids
    SPARSE = 1.5  # the rest is expected to hold at most this many times the wanted matches

    def __init__(
        self, sql: _Sql, query: Query, lo: int, hi: int, sectors: list[str] | None = None
    ) -> None:
        self.sql, self.query, self.sectors = sql, query, sectors or None
        self.floor, self.top = lo, hi  # the next slice ends at ``top`` (inclusive)
        self.ids: list[int] = []
        self.covered = 0  # ids looked at so far (from ``hi`` down)

    @property
    def exhausted(self) -> bool:
        return self.top < self.floor

    def take(self, n: int) -> list[int]:
        """The ``n`` newest matches (fewer when the range holds fewer)."""
        while len(self.ids) < n and not self.exhausted:
            self._read(n - len(self.ids))
        return self.ids[:n]

    def _read(self, want: int) -> None:
        rest = self.top - self.floor + 1
        blocks: range | None
        if self.covered == 0:
            width = want * self.FIRST
        else:
            density = len(self.ids) / self.covered
            # few left: read them all (without blocks unless the rest is short)
            few = density * rest <= self.SPARSE * want
            width = rest if few else int(want / density * 1.25) + 1
        width = min(width, rest)
        lo = self.top - width + 1
        blocks = range(lo // BUCKET, self.top // BUCKET + 1)
        if len(blocks) > self.MAX_BLOCKS:
            if width == rest:
                blocks = None  # the whole rest: the words' own posting lists
            else:
                lo = (self.top // BUCKET - self.MAX_BLOCKS + 1) * BUCKET
                lo = max(lo, self.floor)
                blocks = range(lo // BUCKET, self.top // BUCKET + 1)
        sub, params = self.sql.backend.window(
            self.query,
            lo=lo,
            hi=self.top,
            limit=want,
            score=False,
            blocks=blocks,
            sectors=self.sectors,
        )
        got = [int(row[0]) for row in _fetch(sub, params)]
        self.ids += got
        # a full answer may have left older matches in the slice: go on below the last one
        bottom = got[-1] if len(got) >= want else lo
        self.covered += self.top - bottom + 1
        self.top = bottom - 1


def _id_windows(
    sql: _Sql,
    query: Query,
    lo: int | None,
    hi: int | None,
    span_lo: int,
    span_hi: int,
    *,
    score: bool,
    sectors: list[str] | None = None,
) -> Iterator[_Window]:
    """PostgreSQL's windows. A GIN match does not stream in id order (the bitmap holds every
    match and the heap row of each is read to learn its id: ≈350 ms for 38,000 matches at
    1M), so the window's ids are read slice by slice (``_PgMatches``) and passed to the
    queries over it as an array."""
    score_sql, score_params = "0", list[Any]()
    if score:
        _join, score_sql, score_params = sql.backend.relevance(query)
    matches = _PgMatches(
        sql, query, span_lo if lo is None else lo, span_hi if hi is None else hi, sectors
    )
    for limit in WINDOWS:
        # one more than the window: a window holding every match is known to be complete
        part = matches.take(limit + 1)
        complete = len(part) <= limit
        share = 1.0
        if not complete:
            share = (span_hi - part[-1] + 1) / max(span_hi - span_lo + 1, 1)
        yield _Window(
            f"unnest(%s::bigint[]) AS w(id) JOIN {DOC_TABLE} d ON d.complaint_id = w.id",
            [part],
            complete,
            share,
            len(part),
            score=(score_sql, score_params),
            narrowed=bool(sectors),
        )
        if complete:
            return


def _filters_first(sql: _Sql, query: Query, *, score: bool) -> _Window:
    cond, cond_params = _token_match(query, sql.backend.vendor)
    score_sql = ""
    score_params: list[Any] = []
    if score:
        if sql.backend.vendor == "postgresql":
            _join, score_sql, score_params = sql.backend.relevance(query)
        else:
            # no bm25 outside an FTS5 scan: the words in the title first, then newest
            title_cond, title_params = _token_match(query, "sqlite", "title")
            # (one value, lowest first: title matches, each part newest first)
            score_sql = f"(CASE WHEN {title_cond} THEN 0 ELSE 1 END) * 10000000000 - d.submitted_ts"
            score_params = title_params
    return _Window(
        f"{DOC_TABLE} d",
        [],
        extra=(cond, cond_params),
        score=(score_sql, score_params),
    )


def _filters_window(sql: _Sql) -> _Window:
    """Filters only: the most recent ``FACET_WINDOW`` complaints passing the conditions every
    facet applies (scope, date, amount, company), for the facet counts."""
    base = [(c, p) for facet, c, p in sql.conds if facet in ("", "date", "amount")]
    where = " AND ".join(c for c, _p in base) or "1=1"
    params = [x for _c, p in base for x in p]
    # walk the key backwards (SQLite would otherwise pick the is_public index and sort every
    # public complaint by id) in the covering index: its entries hold every filter column in
    # ≈60 bytes, the table's rows the token text too (a rare sector read 1M of those: 0.5 s)
    sqlite = sql.backend.vendor == "sqlite"
    hint = f" INDEXED BY {COVER_INDEX}" if sqlite else ""
    key = "d.complaint_id"
    # (a literal LIMIT, as in the backends' windows: a bound one misleads SQLite's planner)
    sub = (
        f"SELECT {key} AS id FROM {DOC_TABLE} d{hint} WHERE {where} "
        f"ORDER BY {key} DESC LIMIT {FACET_WINDOW}"
    )
    frm = f"({sub}) w JOIN {DOC_TABLE} d{_cover(sql)} ON d.complaint_id = w.id"
    sub_params = list(params)
    scanned, lowest, _highest = _fetch(
        f"SELECT COUNT(*), MIN(w.id), MAX(w.id) FROM ({sub}) w", sub_params
    )[0]
    if scanned < FACET_WINDOW:
        return _Window(frm, sub_params, True, 1.0, int(scanned))
    # the share of all passing complaints: by the id span, as for words
    (lo,) = _fetch(
        f"SELECT {key} FROM {DOC_TABLE} d{hint} WHERE {where} ORDER BY {key} LIMIT 1", params
    )[0]
    share = (int(_highest) - int(lowest) + 1) / max(int(_highest) - int(lo) + 1, 1)
    return _Window(frm, sub_params, False, share, int(scanned))


def search(
    q: str = "",
    *,
    filters: Filters | None = None,
    scope: Scope = PUBLIC,
    sort: str = "relevance",
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    facets: bool = True,
) -> Result:
    filters = filters or Filters()
    filters.validate()
    if sort not in SORTS:
        raise ValidationFailed("未知的排序方式", code="invalid_sort", details={"field": "sort"})
    size = max(1, min(size, MAX_PAGE_SIZE))
    query = parse(q)
    if sort == "relevance" and not query.groups:
        sort = "newest"  # nothing to rank by
    after = _parse_cursor(cursor, sort)
    sql = _Sql(query, filters, scope)

    offset = after[0] if after and sort == "relevance" else 0
    need = offset + size + 1

    def keyset(ts: str, amount: str, key: str) -> tuple[str, list[Any]] | None:
        """The cursor's condition (newest, amount) over the given column expressions."""
        if not after or sort == "relevance":
            return None
        col = ts if sort == "newest" else amount
        return f"({col} < %s OR ({col} = %s AND {key} < %s))", [after[0], after[0], after[1]]

    def ordering(ts: str, amount: str, key: str, score: str) -> str:
        first = {"newest": ts, "amount": amount}.get(sort)
        return f"{first} DESC, {key} DESC" if first else f"{score}, {key} DESC"

    def page(window: _Window | None) -> list[tuple[Any, ...]]:
        """The page's rows; for a window, each row also carries how many of the window's rows
        pass the filters (the cursor aside): its ``passing``, counted in the same pass."""
        amount = "COALESCE(d.amount_cents, -1)"
        if window is None:  # filters only: the page streams from an index, nothing counted
            where, params = sql.where(extra=[keyset("d.submitted_ts", amount, "d.complaint_id")])
            by = ordering("d.submitted_ts", amount, "d.complaint_id", "")
            return _fetch(
                f"SELECT d.complaint_id, d.submitted_ts, {amount}, 0 FROM {DOC_TABLE} d "
                f"WHERE {where} ORDER BY {by} LIMIT %s OFFSET %s",
                [*params, size + 1, offset],
            )
        where, params = sql.where(extra=[window.extra])
        score, score_params = window.score if sort == "relevance" else ("0", [])
        cond, cond_params = keyset("p.ts", "p.amount", "p.id") or ("1=1", [])
        found = _fetch(
            f"SELECT p.id, p.ts, p.amount, p.passing FROM ("
            f"SELECT d.complaint_id AS id, d.submitted_ts AS ts, {amount} AS amount, "
            f"{score} AS score, COUNT(*) OVER () AS passing "
            f"FROM {window.sql} WHERE {where}) p "
            f"WHERE {cond} ORDER BY {ordering('p.ts', 'p.amount', 'p.id', 'p.score')} "
            f"LIMIT %s OFFSET %s",
            [*score_params, *window.params, *params, *cond_params, size + 1, offset],
        )
        if found:
            window.passing = int(found[0][3])
        elif offset == 0 and cond_params == []:
            window.passing = 0
        else:  # past the last row
            (window.passing,) = _fetch(
                f"SELECT COUNT(*) FROM {window.sql} WHERE {where}", [*window.params, *params]
            )[0]
        return found

    window: _Window | None = None
    if query.groups:
        windows = _windows(sql, query, filters, score=sort == "relevance", narrow=True)
        for i, window in enumerate(windows):
            rows = page(window)
            if window.complete or window.passing >= need:
                break
            if i == 0 and _filtered_rows(sql) <= FILTERS_FIRST_MAX:
                window = _filters_first(sql, query, score=sort == "relevance")
                rows = page(window)
                break
        assert window is not None
        if window.complete:
            total, total_exact, estimated = window.passing, True, False
        else:
            total = round(window.passing / max(window.share, 1e-9))
            total_exact, estimated = False, True
    else:
        where, params = sql.where()
        (count,) = _fetch(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM {DOC_TABLE} d WHERE {where} LIMIT %s) t",
            [*params, TOTAL_CAP + 1],
        )[0]
        total, total_exact, estimated = min(count, TOTAL_CAP), count <= TOTAL_CAP, False
        rows = page(None)
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        if sort == "relevance":
            if offset + size <= MAX_OFFSET:
                next_cursor = f"r.{offset + size}"
        elif sort == "newest":
            next_cursor = f"n.{last[1]}.{last[0]}"
        else:
            next_cursor = f"a.{last[2]}.{last[0]}"

    ids = [r[0] for r in rows]
    by_id = Complaint.objects.select_related("company", "brand").in_bulk(ids)
    tokens = query.highlight_tokens()
    hits = []
    for pk in ids:
        complaint = by_id.get(pk)
        if complaint is None:
            continue
        title, details = public_text(complaint)
        hits.append(Hit(complaint, title, snippet_html(details, tokens)))
    facet_values: dict[str, list[FacetValue]] = {}
    facets_exact = True
    if facets:
        if window is None:
            facet_window = _filters_window(sql)
        elif window.extra is not None or window.narrowed:
            # the filters-first plan (or a window of the filtered sectors only): facets ignore
            # their own filter, so they need the words' matches beyond the filters: the most
            # recent ones
            facet_window = next(_windows(sql, query, filters, score=False))
        else:
            facet_window = window
        facet_values = _facets(sql, filters, facet_window)
        facets_exact = facet_window.complete
    capped = window is not None and not window.complete
    return Result(
        hits=hits,
        total=total,
        total_exact=total_exact,
        next_cursor=next_cursor,
        facets=facet_values,
        sort=sort,
        query=query,
        relevance_capped=capped and sort == "relevance",
        total_estimated=estimated,
        facets_exact=facets_exact,
        window=window.scanned if capped and window else None,
        private_fields=scope.private_fields,
    )


# facets counted in the one grouped pass, with the column each groups by
_GROUPED = (
    ("status", "d.status"),
    ("sector", "d.sector"),
    ("problem_type", "d.problem_mask"),
    ("demand", "d.demand_mask"),
    ("has_reply", "d.has_reply"),
    ("overdue", "d.is_overdue"),
    ("region", "SUBSTR(d.region_code, 1, 2)"),
)
_GROUPED_NAMES = frozenset(name for name, _col in _GROUPED)


def _grouped_counts(sql: _Sql, window: _Window) -> dict[str, Counter[Any]]:
    """Counts per value of every facet but the company, in one query over the window.

    Each facet ignores its own filter: a row counts for facet F when it passes every filter
    except possibly F's. The query returns the rows that fail at most one facet filter,
    grouped by the facet columns and by which filters they pass; Python then adds each group
    to the facets it counts for."""
    facet_names = [name for name, _col in _GROUPED]
    filtered: dict[str, list[tuple[str, list[Any]]]] = {}
    base: list[tuple[str, list[Any]]] = []
    for facet, cond, p in sql.conds:
        if facet in facet_names:
            filtered.setdefault(facet, []).append((cond, p))
        else:
            base.append((cond, p))  # scope, exclusions, date, amount, company: always applied
    flags: list[tuple[str, str, list[Any]]] = []
    for facet, conds in filtered.items():
        expr = " AND ".join(c for c, _p in conds)
        flags.append(
            (facet, f"(CASE WHEN {expr} THEN 1 ELSE 0 END)", [x for _c, p in conds for x in p])
        )
    cols = [col for _name, col in _GROUPED]
    select = ", ".join(cols + [e for _f, e, _p in flags]) + ", COUNT(*)"
    if window.extra:
        base.append(window.extra)
    where = " AND ".join(c for c, _p in base) or "1=1"
    params: list[Any] = [x for _f, _e, p in flags for x in p]
    params += window.params
    params += [x for _c, p in base for x in p]
    if len(flags) > 1:
        where += " AND (" + " + ".join(e for _f, e, _p in flags) + f") >= {len(flags) - 1}"
        params += [x for _f, _e, p in flags for x in p]
    # by position: the flag expressions carry parameters
    group = ", ".join(str(i + 1) for i in range(len(cols) + len(flags)))
    rows = _fetch(f"SELECT {select} FROM {window.sql} WHERE {where} GROUP BY {group}", params)
    counts: dict[str, Counter[Any]] = {name: Counter() for name in facet_names}
    n_cols = len(cols)
    for row in rows:
        values, oks, n = row[:n_cols], row[n_cols:-1], row[-1]
        failed = [flags[i][0] for i, ok in enumerate(oks) if not ok]
        targets = facet_names if not failed else failed if len(failed) == 1 else []
        for name in targets:
            counts[name][values[facet_names.index(name)]] += n
    return counts


def _scaled(n: int, window: _Window) -> int:
    return n if window.complete else round(n / max(window.share, 1e-9))


def _facets(sql: _Sql, f: Filters, window: _Window) -> dict[str, list[FacetValue]]:
    counts = _grouped_counts(sql, window)
    for counter in counts.values():
        for key in counter:
            counter[key] = _scaled(counter[key], window)
    out: dict[str, list[FacetValue]] = {}
    for name, choices, selected in (
        ("status", Status.choices, f.statuses),
        ("sector", Sector.choices, f.sectors),
    ):
        labels = dict(choices)
        out[name] = sorted(
            (
                FacetValue(str(v), str(labels.get(v, v)), n, v in selected)
                for v, n in counts[name].items()
            ),
            key=lambda x: -x.count,
        )
    for name, bits, choices, selected in (
        ("problem_type", PROBLEM_BITS, ProblemType.choices, f.problem_types),
        ("demand", DEMAND_BITS, Demand.choices, f.demands),
    ):
        labels = dict(choices)
        per_value: Counter[str] = Counter()
        for mask, n in counts[name].items():
            for value, bit in bits.items():
                if int(mask) & bit:
                    per_value[value] += n
        out[name] = sorted(
            (FacetValue(v, str(labels[v]), n, v in selected) for v, n in per_value.items()),
            key=lambda x: -x.count,
        )
    for name, current in (("has_reply", f.has_reply), ("overdue", f.overdue)):
        out[name] = [
            FacetValue("true" if v else "false", _("是") if v else _("否"), n, current is bool(v))
            for v, n in sorted(counts[name].items(), key=lambda r: not r[0])
        ]
    regions = [(p, n) for p, n in counts["region"].most_common() if p]
    names = dict(
        Region.objects.filter(code__in=[f"{p}0000" for p, _n in regions]).values_list(
            "code", "name"
        )
    )
    selected_prefix = region_prefix(f.region)[:2] if f.region else ""
    out["region"] = [
        FacetValue(p, names.get(f"{p}0000", p), n, p == selected_prefix) for p, n in regions
    ]
    where, params = sql.where(ignore="company", extra=[window.extra])
    top = _fetch(
        f"SELECT d.company_id, COUNT(*) FROM {window.sql} WHERE {where} "
        f"GROUP BY d.company_id ORDER BY COUNT(*) DESC, d.company_id LIMIT %s",
        [*window.params, *params, COMPANY_FACET_SIZE],
    )
    companies = Company.objects.in_bulk([c for c, _n in top])
    out["company"] = [
        FacetValue(
            str(c),
            companies[c].name if c in companies else str(c),
            _scaled(n, window),
            c in f.company_ids,
        )
        for c, n in top
    ]
    return out


def parse_date(raw: str | None, field_name: str) -> date | None:
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise ValidationFailed(
            "日期格式应为 YYYY-MM-DD", code="invalid_filter", details={"field": field_name}
        ) from None


def parse_amount(raw: str | None, field_name: str) -> Decimal | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = Decimal(str(raw).strip())
    except ArithmeticError:
        value = Decimal("NaN")
    if not value.is_finite() or value < 0 or value > Decimal("10000000000"):
        raise ValidationFailed(
            "金额应为不小于 0 的数字", code="invalid_filter", details={"field": field_name}
        )
    return value


def parse_bool(raw: str | None, field_name: str) -> bool | None:
    if raw is None or raw == "":
        return None
    if raw in ("true", "1", "yes"):
        return True
    if raw in ("false", "0", "no"):
        return False
    raise ValidationFailed(
        "应为 true 或 false", code="invalid_filter", details={"field": field_name}
    )


__all__ = ["PUBLIC", "UTC", "Filters", "Result", "Scope", "search"]
