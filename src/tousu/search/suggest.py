"""Company typeahead keys: name, aliases, brands, their full pinyin and initials.

"meituan", "mt", "美团" and "美團" all reach 美团; companies are ranked by public complaint
volume. Keys are normalised like the directory's own search (``companies.selectors.search_key``).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count

from tousu.common.text import normalize_name
from tousu.companies.models import Brand, Company, CompanyAlias
from tousu.companies.selectors import company_search, search_key

from .models import SearchDocument, SuggestKey, SuggestKind

SUGGEST_LIMIT = 10
_TOP = "\U0010ffff"


def _has_han(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" or "\u3400" <= c <= "\u4dbf" for c in text)


def _pinyin_keys(key: str) -> tuple[str, str]:
    """(full pinyin, initials) of ``key`` from one ``lazy_pinyin`` pass: each Han character
    gives one syllable (its initial is the syllable's first letter, as ``Style.FIRST_LETTER``
    gives) and each other run comes back as it was. pypinyin's own test of what is Han is used
    to line the items up with the characters; if they do not line up, a second pass asks
    pypinyin for the initials (the typeahead key build took two passes per name: ≈ 0.44 ms)."""
    # imported here: its phrase tables take ≈57 MB, and a web worker answering the
    # typeahead only reads keys built earlier (the per-worker memory budget is 300 MB)
    from pypinyin import Style, lazy_pinyin
    from pypinyin.constants import RE_HANS

    items = lazy_pinyin(key)
    initials: list[str] = []
    pos = 0
    for item in items:
        if pos < len(key) and RE_HANS.match(key[pos]):
            initials.append(item[:1])
            pos += 1
        elif key.startswith(item, pos):
            initials.append(item)
            pos += len(item)
        else:
            break
    if pos != len(key) or len(initials) != len(items):
        initials = lazy_pinyin(key, style=Style.FIRST_LETTER)
    return "".join(items).lower(), "".join(initials).lower()


def keys_for(name: str, kind: SuggestKind) -> list[tuple[str, str]]:
    key = normalize_name(name)
    if not key:
        return []
    out = [(key[:240], str(kind))]
    if _has_han(key):
        full, initials = _pinyin_keys(key)
        out += [(full[:240], SuggestKind.PINYIN), (initials[:240], SuggestKind.INITIALS)]
    return out


def _keys(names: list[tuple[str, SuggestKind]]) -> dict[str, tuple[str, str]]:
    """key → (kind, label) for a company's names. The first name giving a key labels it: the
    company's name, then aliases, then brands, each kind in text order, so that a key two names
    share (途安 and 途昂 both give "ta") gets the same label whatever order the rows were made
    in (an import and a replay of it, the bulk build and a company's refresh)."""
    order = {SuggestKind.NAME: 0, SuggestKind.ALIAS: 1, SuggestKind.BRAND: 2}
    keys: dict[str, tuple[str, str]] = {}
    for label, kind in sorted(names, key=lambda n: (order.get(n[1], 3), n[0])):
        for key, key_kind in keys_for(label, kind):
            keys.setdefault(key, (key_kind, label))
    return keys


def _rows(company: Company, volume: int) -> list[SuggestKey]:
    names: list[tuple[str, SuggestKind]] = [(company.name, SuggestKind.NAME)]
    names += [(a.alias, SuggestKind.ALIAS) for a in company.aliases.all()]
    names += [(b.name, SuggestKind.BRAND) for b in company.brands.all()]
    return [
        SuggestKey(company=company, key=key, kind=kind, label=label, volume=volume)
        for key, (kind, label) in _keys(names).items()
    ]


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


def rebuild_all(batch: int = 5000) -> int:
    """Every company's keys again, in bulk: names read as plain values and rows written with
    one prepared ``INSERT`` per batch (model instances and ``bulk_create`` took about as long
    as the pinyin at 50,000 companies; docs/benchmarks.md)."""
    volumes = dict(
        SearchDocument.objects.filter(is_public=True)
        .values("company_id")
        .annotate(n=Count("complaint_id"))
        .values_list("company_id", "n")
    )
    SuggestKey.objects.all().delete()
    table = connection.ops.quote_name(SuggestKey._meta.db_table)
    insert = (
        f"INSERT INTO {table} (company_id, {connection.ops.quote_name('key')}, kind, label, "  # noqa: S608
        f"volume) VALUES (%s, %s, %s, %s, %s)"
    )
    written = 0
    last = 0
    while True:
        companies = list(
            Company.objects.filter(pk__gt=last).order_by("pk").values_list("pk", "name")[:batch]
        )
        if not companies:
            return written
        first, last = companies[0][0], companies[-1][0]
        names: dict[int, list[tuple[str, SuggestKind]]] = {
            pk: [(name, SuggestKind.NAME)] for pk, name in companies
        }
        for pk, alias in CompanyAlias.objects.filter(
            company_id__gte=first, company_id__lte=last
        ).order_by("pk").values_list("company_id", "alias"):
            names[pk].append((alias, SuggestKind.ALIAS))
        for pk, brand in Brand.objects.filter(
            company_id__gte=first, company_id__lte=last
        ).order_by("pk").values_list("company_id", "name"):
            names[pk].append((brand, SuggestKind.BRAND))
        rows = [
            (pk, key, str(kind), label, volumes.get(pk, 0))
            for pk, labels in names.items()
            for key, (kind, label) in _keys(labels).items()
        ]
        with connection.cursor() as cursor:
            cursor.executemany(insert, rows)
        written += len(rows)


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
