"""The query language: words (all must match), "quoted phrases", OR between words, -exclusion.

``退款 "自动续费"`` → both; ``退款 OR 退费`` → either; ``美团 -外卖`` → 美团 without 外卖. Each
word or phrase is cut by the same pipeline as the documents (``tousu.search.text.tokens``): a
word matches when all its tokens are in the complaint, a phrase when they are in a row.
An empty query (or one with nothing searchable) means "filters only".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .text import tokens

# Query-time synonyms: true equivalents of complaint vocabulary only (a word and its other
# spellings or plain-language forms), each set searched as one OR group. Kept small and
# curated: an entry here changes what every search finds (docs/search.md, ADR 0019).
SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("退款", "退钱"),
    ("退费", "退钱"),
    ("欺诈", "诈骗", "骗钱"),
    ("七天无理由", "7天无理由"),
    ("刹车", "制动"),
    ("漏油", "渗油"),
    ("自动续费", "自动扣费", "连续包月"),
    ("贷款", "借款"),
)

QUERY_MAX_LENGTH = 200
MAX_TERMS = 12

# NFKC turns full-width quotes and minus into ASCII; Chinese quotes are mapped here
_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "『": '"', "』": '"'})
_LEXEME = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]
    phrase: bool = False


@dataclass
class Query:
    # AND of groups; each group is an OR of terms
    groups: list[list[Term]] = field(default_factory=list)
    exclude: list[Term] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.exclude

    def highlight_tokens(self) -> list[str]:
        seen: dict[str, None] = {}
        for group in self.groups:
            for term in group:
                for t in term.tokens:
                    seen.setdefault(t, None)
        return list(seen)


def _synonym_map() -> dict[tuple[str, ...], list[tuple[str, ...]]]:
    """Each word's token tuple → the token tuples of its synonyms (a word in two sets gets
    both)."""
    out: dict[tuple[str, ...], list[tuple[str, ...]]] = {}
    for group in SYNONYMS:
        cut = [tuple(dict.fromkeys(tokens(w))) for w in group]
        for i, key in enumerate(cut):
            for j, other in enumerate(cut):
                if i != j and other and other not in out.setdefault(key, []):
                    out[key].append(other)
    return out


_SYNONYM_CACHE: dict[str, dict[tuple[str, ...], list[tuple[str, ...]]]] = {}


def synonyms_of(term: Term) -> list[Term]:
    """The terms a word also stands for (not for phrases: quotes mean exactly these words)."""
    if term.phrase:
        return []
    table = _SYNONYM_CACHE.get("map")
    if table is None:
        table = _SYNONYM_CACHE["map"] = _synonym_map()
    return [Term(t) for t in table.get(term.tokens, [])]


def _term(text: str, *, phrase: bool) -> Term | None:
    toks = tokens(text)
    if not toks:
        return None
    if not phrase:
        toks = list(dict.fromkeys(toks))
    return Term(tuple(toks), phrase=phrase and len(toks) > 1)


def parse(raw: str, *, expand: bool = True) -> Query:
    text = unicodedata.normalize("NFKC", (raw or "")[:QUERY_MAX_LENGTH]).translate(_QUOTES)
    query = Query()
    pending_or = False
    count = 0
    quoted_terms: list[Term] = []  # "quoted" means exactly these words: never expanded
    for m in _LEXEME.finditer(text):
        negated, quoted, word = m.group(1), m.group(2), m.group(3)
        if word is not None:
            if word in ("OR", "|"):
                pending_or = bool(query.groups)
                continue
            if word.startswith("-") and len(word) > 1:
                negated, word = "-", word[1:]
            term = _term(word, phrase=False)
        else:
            term = _term(quoted or "", phrase=True)
        if term is None or count >= MAX_TERMS:
            continue
        if quoted is not None:
            quoted_terms.append(term)
        count += 1
        if negated:
            query.exclude.append(term)
            pending_or = False
        elif pending_or:
            query.groups[-1].append(term)
            pending_or = False
        else:
            query.groups.append([term])
    if expand:
        for group in query.groups:
            for term in list(group):
                if any(term is q for q in quoted_terms):
                    continue
                group += [t for t in synonyms_of(term) if t not in group]
    return query
