"""Full-text search of complaints and the company typeahead (see docs/search.md)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Schema

from tousu.search import engine
from tousu.search.params import read
from tousu.search.selectors import search_scope
from tousu.search.suggest import company_suggest

from .core import optional_key, optional_user, public_cached, router
from .schemas import ErrorOut


class SearchCompanyOut(Schema):
    id: int
    name: str


class SearchPrivateOut(Schema):
    order_number: str
    purchase_date: date | None


class SearchHitOut(Schema):
    public_number: str
    title: str
    snippet_html: str
    company: SearchCompanyOut
    brand: str | None
    status: str
    status_label: str
    submitted_at: datetime
    amount: Decimal | None
    is_public: bool
    # only with scope=inbox (the merchant's, a company key's or staff's search), else null
    private: SearchPrivateOut | None = None


class FacetValueOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class SearchOut(Schema):
    items: list[SearchHitOut]
    total: int
    total_exact: bool
    next_cursor: str | None
    sort: str
    relevance_capped: bool
    total_estimated: bool
    facets_exact: bool
    window: int | None
    facets: dict[str, list[FacetValueOut]]


class SuggestOut(Schema):
    id: int
    name: str
    matched: str
    sector: str
    is_verified: bool
    complaints: int


def result_dict(result: engine.Result) -> dict[str, Any]:
    items = []
    for hit in result.hits:
        c = hit.complaint
        items.append(
            {
                "public_number": c.public_number,
                "title": hit.title,
                "snippet_html": hit.snippet,
                "company": {"id": c.company_id, "name": c.company.name},
                "brand": c.brand.name if c.brand_id and c.brand else None,
                "status": c.status,
                "status_label": c.get_status_display(),
                "submitted_at": c.submitted_at,
                "amount": c.amount,
                "is_public": c.is_public,
                "private": (
                    {"order_number": c.order_number, "purchase_date": c.purchase_date}
                    if result.private_fields
                    else None
                ),
            }
        )
    return {
        "items": items,
        "total": result.total,
        "total_exact": result.total_exact,
        "next_cursor": result.next_cursor,
        "sort": result.sort,
        "relevance_capped": result.relevance_capped,
        "total_estimated": result.total_estimated,
        "facets_exact": result.facets_exact,
        "window": result.window,
        "facets": {name: [vars(v) for v in values] for name, values in result.facets.items()},
    }


@router.get(
    "/complaints/search",
    response={200: SearchOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    tags=["search"],
)
def search_complaints(
    request: HttpRequest,
    q: str = "",
    company: str | None = None,
    brand: str | None = None,
    sector: str | None = None,
    region: str | None = None,
    status: str | None = None,
    problem_type: str | None = None,
    demand: str | None = None,
    date_from: str | None = None,
    date_to: str | None = None,
    amount_min: str | None = None,
    amount_max: str | None = None,
    has_reply: str | None = None,
    overdue: str | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
    size: int = engine.PAGE_SIZE,
    facets: bool = True,
    scope: str = "public",
) -> dict[str, Any]:
    """Search complaints: words (all must match), "quoted phrases", `OR`, `-exclusion`; an
    empty `q` lists by filters only. List filters take comma-separated codes. `sort`:
    relevance | newest | amount. Words matching more than 5,000 complaints are read from the
    most recently filed matches (`window` of them, up to 50,000): `relevance_capped` says
    relevance ranked only those, `total_estimated` that `total` is an estimate (约), and
    `facets_exact` false that facet counts are scaled estimates. Facet counts ignore their own
    filter. Without words `total` is exact up to 10,000 (`total_exact`). `scope=inbox`: a
    merchant's own companies incl. private complaints; staff: everything; a company API key
    (`Bearer tsm_…` or `X-Api-Key`, scope `read`): its own company's complaints. With
    `scope=inbox` each item carries `private` (order number, purchase date). Anonymous
    callers get public results from the page cache (``X-Page-Cache``, a weak ``ETag``)."""
    from tousu.pagecache import cache as page_cache

    # public results show public complaints, their companies' and brands' names: every change
    # to one of those bumps the lists' version (docs/adr/0028-public-page-cache.md)
    return public_cached(
        request,
        "api-search",
        search_complaints,
        lambda: _search(request, facets),
        lambda: [page_cache.LISTS],
    )


def _search(request: HttpRequest, facets: bool) -> dict[str, Any]:
    req = read(request.GET.getlist)
    key = optional_key(request)
    user = None if key is not None else optional_user(request)
    result = engine.search(
        req.q,
        filters=req.filters,
        scope=search_scope(user, req.scope, key=key),
        sort=req.sort,
        cursor=req.cursor,
        size=req.size,
        facets=facets,
    )
    return result_dict(result)


@router.get("/companies/suggest", response=list[SuggestOut], tags=["search"])
def suggest_companies(request: HttpRequest, q: str = "", limit: int = 10) -> list[dict[str, Any]]:
    """Company typeahead: name, alias, brand, full pinyin or initials ("meituan", "mt"),
    Traditional or Simplified; most complained-about first."""
    limit = max(1, min(limit, 20))
    return [
        {
            "id": s.company.pk,
            "name": s.company.name,
            "matched": s.matched,
            "sector": s.company.sector,
            "is_verified": s.company.is_verified,
            "complaints": s.volume,
        }
        for s in company_suggest(q[:120], limit=limit)
    ]
