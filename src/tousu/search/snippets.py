"""Highlighted snippets: the public text around the first match, HTML-escaped, with <mark>.

Matching happens on a per-character normalised copy of the text (NFKC, lower-case,
Traditional → Simplified), so a Traditional or full-width original is highlighted where the
normalised query tokens occur, and the original characters are shown.
"""

from __future__ import annotations

import unicodedata

from django.utils.html import escape

from tousu.common.text import to_simplified

SNIPPET_CHARS = 120
BEFORE = 30


def _aligned(text: str) -> str:
    """A copy of ``text`` with one normalised character per original character (a character
    whose normal form is longer or empty keeps itself)."""
    chars = []
    for c in text:
        n = unicodedata.normalize("NFKC", c).lower()
        chars.append(n if len(n) == 1 else c.lower() if len(c.lower()) == 1 else c)
    flat = "".join(chars)
    simple = to_simplified(flat)
    return simple if len(simple) == len(flat) else flat


def snippet_html(text: str, words: list[str], *, size: int = SNIPPET_CHARS) -> str:
    text = " ".join((text or "").split())
    if not text:
        return ""
    norm = _aligned(text)
    marks = [False] * len(text)
    first = len(text)
    for word in sorted(set(words), key=len, reverse=True):
        if not word:
            continue
        start = norm.find(word)
        while start != -1:
            first = min(first, start)
            for i in range(start, start + len(word)):
                marks[i] = True
            start = norm.find(word, start + len(word))
    if first == len(text):
        first = 0
    begin = max(0, first - BEFORE) if len(text) > size else 0
    end = min(len(text), begin + size)
    out: list[str] = ["…" if begin else ""]
    i = begin
    while i < end:
        j = i
        while j < end and marks[j] == marks[i]:
            j += 1
        piece = escape(text[i:j])
        out.append(f"<mark>{piece}</mark>" if marks[i] else str(piece))
        i = j
    if end < len(text):
        out.append("…")
    return "".join(out)
