"""Reads of companies for the public pages: one company, the directory, the typeahead.

Names typed by visitors are compared by key (``normalize_name``): spaces, width, case,
Traditional/Simplified script and punctuation do not count, so "快樂外賣" finds 快乐外卖.
A search matches the company name, its aliases and its brands anywhere in the key.
"""

from __future__ import annotations

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from tousu.common.errors import NotFound
from tousu.common.text import normalize_name

from .models import Brand, Company, CompanyAlias

# a longer query matches nothing anyway (names and keys are at most 120 characters)
QUERY_MAX_LENGTH = 120


def company_public_get(company_id: int) -> Company:
    """One company with its region (404 when there is none; see ``company_merged_into``)."""
    company = Company.objects.select_related("region").filter(pk=company_id).first()
    if company is None:
        raise NotFound("找不到该企业", code="company_not_found")
    return company


def company_brands(company: Company) -> list[Brand]:
    return list(company.brands.order_by("name_key", "id"))


def company_aliases(company: Company) -> list[str]:
    return list(company.aliases.order_by("id").values_list("alias", flat=True))


def companies_count() -> int:
    """Companies in the directory (confirmed by staff or created by staff)."""
    return Company.objects.filter(is_confirmed=True).count()


def search_key(query: str) -> str:
    """The key a typed query is matched with ("" when nothing searchable is left)."""
    return normalize_name((query or "")[:QUERY_MAX_LENGTH])


def _directory() -> QuerySet[Company]:
    return Company.objects.filter(is_confirmed=True).prefetch_related("brands")


def company_search(query: str, *, sector: str | None = None, limit: int = 50) -> list[Company]:
    """Companies whose name, alias or brand contains the query, best match first.

    Rank: exact name or alias, exact brand, name starting with the query, the rest; verified
    companies before others of the same rank. Empty when the query has no searchable character.
    """
    key = search_key(query)
    if not key:
        return []
    aliases = CompanyAlias.objects.filter(company=OuterRef("pk"))
    brands = Brand.objects.filter(company=OuterRef("pk"))
    match = (
        Q(name_key__contains=key)
        | Q(pk__in=CompanyAlias.objects.filter(alias_key__contains=key).values("company_id"))
        | Q(pk__in=Brand.objects.filter(name_key__contains=key).values("company_id"))
    )
    qs = _directory().filter(match)
    if sector:
        qs = qs.filter(sector=sector)
    qs = qs.annotate(
        rank=Case(
            When(name_key=key, then=Value(0)),
            When(Exists(aliases.filter(alias_key=key)), then=Value(0)),
            When(Exists(brands.filter(name_key=key)), then=Value(1)),
            When(name_key__startswith=key, then=Value(2)),
            default=Value(3),
            output_field=IntegerField(),
        )
    ).order_by("rank", "-is_verified", "id")
    return list(qs[:limit])


def company_directory_page(
    *, sector: str | None = None, after: int | None = None, size: int = 20
) -> tuple[list[Company], int | None]:
    """Browse the directory in id order, keyset-paged (``after=<id>``).

    Returns the companies and the cursor of the next page, None on the last.
    """
    qs = _directory()
    if sector:
        qs = qs.filter(sector=sector)
    if after is not None:
        qs = qs.filter(id__gt=after)
    rows = list(qs.order_by("id")[: size + 1])
    has_more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].pk if has_more and rows else None)
