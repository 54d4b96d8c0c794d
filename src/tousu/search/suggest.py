"""Company typeahead keys: name, aliases, brands, their full pinyin and initials.

"meituan", "mt", "美团" and "美團" all reach 美团; companies are ranked by public complaint
volume. Keys are normalised like the directory's own search (``companies.selectors.search_key``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count

from tousu.common.text import normalize_name
from tousu.companies.models import Company
from tousu.companies.selectors import company_search, search_key

from .models import SearchDocument, SuggestKey, SuggestKind

SUGGEST_LIMIT = 10
_TOP = "\U0010ffff"


def _has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def keys_for(name: str, kind: SuggestKind) -> list[tuple[str, str]]:
    key = normalize_name(name)
    if not key:
        return []
    out = [(key[:240], str(kind))]
    if _has_han(key):
        # imported here: its phrase tables take ≈57 MB, and a web worker answering the
        # typeahead only reads keys built earlier (the per-worker memory budget is 300 MB)
        from pypinyin import Style, lazy_pinyin

        full = "".join(lazy_pinyin(key)).lower()
        initials = "".join(lazy_pinyin(key, style=Style.FIRST_LETTER)).lower()
        out += [(full[:240], SuggestKind.PINYIN), (initials[:240], SuggestKind.INITIALS)]
    return out


def _rows(company: Company, volume: int) -> list[SuggestKey]:
    names: list[tuple[str, SuggestKind]] = [(company.name, SuggestKind.NAME)]
    names += [(a.alias, SuggestKind.ALIAS) for a in company.aliases.all()]
    names += [(b.name, SuggestKind.BRAND) for b in company.brands.all()]
    rows: dict[str, SuggestKey] = {}
    for label, kind in names:
        for key, key_kind in keys_for(label, kind):
            rows.setdefault(
                key,
                SuggestKey(company=company, key=key, kind=key_kind, label=label, volume=volume),
            )
    return list(rows.values())


def public_volume(company_id: int) -> int:
    return SearchDocument.objects.filter(company_id=company_id, is_public=True).count()


def refresh_company(company_id: int) -> None:
    company = Company.objects.filter(pk=company_id).prefetch_related("aliases", "brands").first()
    with transaction.atomic():
        SuggestKey.objects.filter(company_id=company_id).delete()
        if company is not None:
            SuggestKey.objects.bulk_create(_rows(company, public_volume(company_id)))


def add_new_companies(companies: list[Company]) -> None:
    """``refresh_company`` for companies just created without aliases or brands (so without
    complaints and suggestion keys): the rows of their names at volume 0, in one insert."""
    rows: list[SuggestKey] = []
    for company in companies:
        keys: dict[str, SuggestKey] = {}
        for key, key_kind in keys_for(company.name, SuggestKind.NAME):
            keys.setdefault(
                key,
                SuggestKey(company=company, key=key, kind=key_kind, label=company.name, volume=0),
            )
        rows += keys.values()
    SuggestKey.objects.bulk_create(rows, batch_size=1000)


def rebuild_all(batch: int = 2000) -> int:
    volumes = dict(
        SearchDocument.objects.filter(is_public=True)
        .values("company_id")
        .annotate(n=Count("complaint_id"))
        .values_list("company_id", "n")
    )
    SuggestKey.objects.all().delete()
    written = 0
    qs = Company.objects.order_by("pk").prefetch_related("aliases", "brands")
    last = 0
    while True:
        companies = list(qs.filter(pk__gt=last)[:batch])
        if not companies:
            return written
        rows = [r for c in companies for r in _rows(c, volumes.get(c.pk, 0))]
        SuggestKey.objects.bulk_create(rows, batch_size=1000)
        written += len(rows)
        last = companies[-1].pk


@dataclass
class Suggestion:
    company: Company
    matched: str
    volume: int


def company_suggest(query: str, *, limit: int = SUGGEST_LIMIT) -> list[Suggestion]:
    """Companies a typed prefix can mean, most complained-about first (one query); when no
    key starts with it, the directory's infix search ("外卖" → 快乐外卖有限公司)."""
    key = search_key(query)
    if not key:
        return []
    rows = (
        SuggestKey.objects.filter(key__gte=key, key__lt=key + _TOP, company__is_confirmed=True)
        .select_related("company")
        .order_by("-volume", "company_id", "kind")[: limit * 6]
    )
    out: dict[int, Suggestion] = {}
    for row in rows:
        if row.company_id not in out and len(out) < limit:
            out[row.company_id] = Suggestion(row.company, row.label, row.volume)
    if out:
        return list(out.values())
    return [Suggestion(c, c.name, 0) for c in company_search(query, limit=limit)]
