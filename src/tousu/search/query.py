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


def _term(text: str, *, phrase: bool) -> Term | None:
    toks = tokens(text)
    if not toks:
        return None
    if not phrase:
        toks = list(dict.fromkeys(toks))
    return Term(tuple(toks), phrase=phrase and len(toks) > 1)


def parse(raw: str) -> Query:
    text = unicodedata.normalize("NFKC", (raw or "")[:QUERY_MAX_LENGTH]).translate(_QUOTES)
    query = Query()
    pending_or = False
    count = 0
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
        count += 1
        if negated:
            query.exclude.append(term)
            pending_or = False
        elif pending_or:
            query.groups[-1].append(term)
            pending_or = False
        else:
            query.groups.append([term])
    return query
