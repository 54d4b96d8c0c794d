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

from .backends import DOC_TABLE, backend_for
from .documents import DEMAND_BITS, PROBLEM_BITS, amount_cents, public_text
from .query import Query, parse
from .snippets import snippet_html

TOTAL_CAP = 10_000
# above this many matches "relevance" lists newest first (Result.relevance_capped)
RELEVANCE_CAP = 5_000
# up to this many matches a page is found from the full-text match outwards (SQLite plan)
WORDS_FIRST_MAX = 2_000
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
    relevance_capped: bool = False


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
    """The WHERE conditions by facet name ("" = always applies)."""

    def __init__(self, query: Query, filters: Filters, scope: Scope) -> None:
        self.backend = backend_for(connection)
        self.has_words = bool(query.groups)
        self.conds: list[tuple[str, str, list[Any]]] = []
        if scope.public_only:
            # "{PUB}": see where(words_first=…)
            self.add("", "{PUB}d.is_public = %s", [True])
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
        if not query.is_empty:
            self.add("", *self.backend.match(query))
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
        self,
        *,
        ignore: str = "",
        extra: tuple[str, list[Any]] | None = None,
        words_first: bool = True,
    ) -> tuple[str, list[Any]]:
        """``words_first``: on SQLite, keep the planner off the ``is_public`` index (unary
        plus) so that the full-text match drives the query: right for counts and facets, and
        for pages of words with few matches; a page of a frequent word is faster walking the
        date index and probing the matches (``WORDS_FIRST_MAX``)."""
        plus = "+" if words_first and self.has_words and self.backend.vendor == "sqlite" else ""
        parts: list[str] = []
        params: list[Any] = []
        for facet, sql, p in self.conds:
            if ignore and facet == ignore:
                continue
            parts.append(sql.replace("{PUB}", plus))
            params += p
        if extra:
            parts.append(extra[0])
            params += extra[1]
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
    sql = _Sql(query, filters, scope)
    where, params = sql.where()
    (count,) = _fetch(
        f"SELECT COUNT(*) FROM (SELECT 1 FROM {DOC_TABLE} d WHERE {where} LIMIT %s) t",
        [*params, TOTAL_CAP + 1],
    )[0]
    total_exact = count <= TOTAL_CAP
    relevance_capped = sort == "relevance" and count > RELEVANCE_CAP
    if relevance_capped:
        # ranking every match of a frequent word does not scale (bm25 / ts_rank over all
        # matches): too many matches are listed newest first instead, and the page says so
        sort = "newest"
    after = _parse_cursor(cursor, sort)

    frm = f"{DOC_TABLE} d"
    page_params: list[Any] = []
    extra: tuple[str, list[Any]] | None = None
    offset = 0
    if sort == "relevance":
        join, score, score_params = sql.backend.relevance(query)
        if join:
            frm += join
            page_params += score_params
            order = f"{score}, d.complaint_id DESC"
            order_params: list[Any] = []
        else:
            order = f"{score}, d.complaint_id DESC"
            order_params = score_params
        offset = after[0] if after else 0
    elif sort == "newest":
        order, order_params = "d.submitted_ts DESC, d.complaint_id DESC", []
        if after:
            extra = (
                "(d.submitted_ts < %s OR (d.submitted_ts = %s AND d.complaint_id < %s))",
                [after[0], after[0], after[1]],
            )
    else:
        order, order_params = "COALESCE(d.amount_cents, -1) DESC, d.complaint_id DESC", []
        if after:
            extra = (
                "(COALESCE(d.amount_cents, -1) < %s OR "
                "(COALESCE(d.amount_cents, -1) = %s AND d.complaint_id < %s))",
                [after[0], after[0], after[1]],
            )
    where, params = sql.where(extra=extra, words_first=count <= WORDS_FIRST_MAX)
    rows = _fetch(
        f"SELECT d.complaint_id, d.submitted_ts, COALESCE(d.amount_cents, -1) FROM {frm} "
        f"WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
        page_params + params + order_params + [size + 1, offset],
    )
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
    return Result(
        hits=hits,
        total=min(count, TOTAL_CAP),
        total_exact=total_exact,
        next_cursor=next_cursor,
        facets=_facets(sql, filters) if facets else {},
        sort=sort,
        query=query,
        relevance_capped=relevance_capped,
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


def _grouped_counts(sql: _Sql) -> dict[str, Counter[Any]]:
    """Counts per value of every facet but the company, in one query.

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
            base.append((cond, p))  # scope, words, date, amount, company: always applied
    plus = "+" if sql.has_words and sql.backend.vendor == "sqlite" else ""
    flags: list[tuple[str, str, list[Any]]] = []
    for facet, conds in filtered.items():
        expr = " AND ".join(c for c, _p in conds)
        flags.append(
            (facet, f"(CASE WHEN {expr} THEN 1 ELSE 0 END)", [x for _c, p in conds for x in p])
        )
    cols = [col for _name, col in _GROUPED]
    select = ", ".join(cols + [e for _f, e, _p in flags]) + ", COUNT(*)"
    where = " AND ".join(c.replace("{PUB}", plus) for c, _p in base) or "1=1"
    params: list[Any] = [x for _f, _e, p in flags for x in p]
    params += [x for _c, p in base for x in p]
    if len(flags) > 1:
        where += " AND (" + " + ".join(e for _f, e, _p in flags) + f") >= {len(flags) - 1}"
        params += [x for _f, _e, p in flags for x in p]
    # by position: the flag expressions carry parameters
    group = ", ".join(str(i + 1) for i in range(len(cols) + len(flags)))
    rows = _fetch(f"SELECT {select} FROM {DOC_TABLE} d WHERE {where} GROUP BY {group}", params)
    counts: dict[str, Counter[Any]] = {name: Counter() for name in facet_names}
    n_cols = len(cols)
    for row in rows:
        values, oks, n = row[:n_cols], row[n_cols:-1], row[-1]
        failed = [flags[i][0] for i, ok in enumerate(oks) if not ok]
        targets = facet_names if not failed else failed if len(failed) == 1 else []
        for name in targets:
            counts[name][values[facet_names.index(name)]] += n
    return counts


def _facets(sql: _Sql, f: Filters) -> dict[str, list[FacetValue]]:
    counts = _grouped_counts(sql)
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
    where, params = sql.where(ignore="company")
    top = _fetch(
        f"SELECT d.company_id, COUNT(*) FROM {DOC_TABLE} d WHERE {where} "
        f"GROUP BY d.company_id ORDER BY COUNT(*) DESC, d.company_id LIMIT %s",
        [*params, COMPANY_FACET_SIZE],
    )
    companies = Company.objects.in_bulk([c for c, _n in top])
    out["company"] = [
        FacetValue(str(c), companies[c].name if c in companies else str(c), n, c in f.company_ids)
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
