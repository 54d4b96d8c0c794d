"""Reading a search request (API query string or the web page's GET form) into ``Filters``.

List filters may repeat (``status=a&status=b``) or be comma-separated (``status=a,b``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from tousu.common.errors import ValidationFailed

from .engine import PAGE_SIZE, Filters, parse_amount, parse_bool, parse_date

GetList = Callable[[str], list[str]]


@dataclass
class SearchRequest:
    q: str
    filters: Filters
    sort: str
    cursor: str | None
    size: int
    scope: str


def _values(get: GetList, key: str) -> list[str]:
    out: list[str] = []
    for raw in get(key):
        out += [v.strip() for v in raw.split(",") if v.strip()]
    return list(dict.fromkeys(out))


def _ints(get: GetList, key: str) -> list[int]:
    values = _values(get, key)
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ValidationFailed(
            "应为数字编号", code="invalid_filter", details={"field": key}
        ) from None


def _one(get: GetList, key: str) -> str:
    values = get(key)
    return values[-1].strip() if values else ""


def read(get: GetList) -> SearchRequest:
    size_raw = _one(get, "size")
    try:
        size = int(size_raw) if size_raw else PAGE_SIZE
    except ValueError:
        raise ValidationFailed(
            "size 应为数字", code="invalid_filter", details={"field": "size"}
        ) from None
    filters = Filters(
        company_ids=_ints(get, "company"),
        brand_ids=_ints(get, "brand"),
        sectors=_values(get, "sector"),
        region=_one(get, "region"),
        statuses=_values(get, "status"),
        problem_types=_values(get, "problem_type"),
        demands=_values(get, "demand"),
        date_from=parse_date(_one(get, "date_from"), "date_from"),
        date_to=parse_date(_one(get, "date_to"), "date_to"),
        amount_min=parse_amount(_one(get, "amount_min"), "amount_min"),
        amount_max=parse_amount(_one(get, "amount_max"), "amount_max"),
        has_reply=parse_bool(_one(get, "has_reply"), "has_reply"),
        overdue=parse_bool(_one(get, "overdue"), "overdue"),
    )
    return SearchRequest(
        q=_one(get, "q"),
        filters=filters,
        sort=_one(get, "sort") or "relevance",
        cursor=_one(get, "cursor") or None,
        size=size,
        scope=_one(get, "scope") or "public",
    )
