"""Text normalisation shared by company matching, search and duplicate checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from opencc import OpenCC

# invisible characters that copy-and-paste brings along: zero-width spaces and joiners, word
# joiner, soft hyphen, direction marks and embeddings, BOM; and control characters other than
# whitespace
_INVISIBLE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\x00-\x08\x0e-\x1f\x7f]"
)
# trade-mark signs are not part of a name (and NFKC would turn ™ into the letters "TM")
_MARKS = re.compile("[®©™℠]")
# punctuation that does tell names apart (H&M is not HM); every other punctuation mark is dropped
# from a name key: brackets, quotes, dots, middle dots, dashes, slashes, commas …
_NAME_KEEP_PUNCT = frozenset("&#@%")
_HALF = {**{chr(c): chr(c - 0xFEE0) for c in range(0xFF01, 0xFF5F)}, "\u3000": " "}
_WIDE = re.compile("[\uff01-\uff5e\u3000]")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


@lru_cache(maxsize=1)
def _t2s_triggers() -> frozenset[str]:
    """Every character that can make OpenCC's t2s change a text: the characters it converts and,
    in phrases it converts as a whole (反覆 → 反复), the characters that change. A text without
    any of them comes out of t2s unchanged, so ``to_simplified`` returns it without running the
    (pure Python, slow) converter: most input is Simplified already."""
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    triggers: set[str] = set()
    for name in ("TSCharacters.txt", "TSPhrases.txt"):
        with (folder / name).open(encoding="utf-8") as fh:
            for line in fh:
                key, _, values = line.rstrip("\n").partition("\t")
                value = values.split(" ")[0]
                if key == value:
                    continue
                if len(key) == len(value):
                    triggers.update(k for k, v in zip(key, value, strict=True) if k != v)
                else:
                    triggers.update(key)
    return frozenset(triggers)


def to_simplified(text: str) -> str:
    if _t2s_triggers().isdisjoint(text):  # a set operation in C: most text is Simplified
        return text
    return str(_t2s().convert(text))


def normalize_text(text: str) -> str:
    """NFKC (full-width → half-width), Traditional → Simplified, lower-case, single spaces.

    Invisible characters (zero-width spaces, BOM, direction marks, control characters) are
    removed.
    """
    # full-width ASCII and the ideographic space first (what NFKC does to them), so the full
    # NFKC pass runs only when something else still needs it. Chinese text holds a few distinct
    # full-width marks (，。！): one str.replace each, in C; str.translate with a table looked
    # every character up in a dict (half of this function's time on Chinese text)
    text = text or ""
    for wide in set(_WIDE.findall(text)):
        text = text.replace(wide, _HALF[wide])
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _INVISIBLE.search(text):
        text = _INVISIBLE.sub("", text)
    text = to_simplified(text)
    # split() and \s are the same whitespace (str.isspace): runs become one space, ends go
    return " ".join(text.split()).lower()


def normalize_name(name: str) -> str:
    """A key under which names differing in spaces, width, case, script or punctuation are equal.

    Conservative on purpose: words are never dropped, so 美团 and 美团有限公司 (possibly different
    legal entities) keep different keys; aliases link such names to one company.
    """
    text = normalize_text(_MARKS.sub("", name or ""))
    return "".join(
        c
        for c in text
        if not c.isspace()
        and (not unicodedata.category(c).startswith("P") or c in _NAME_KEEP_PUNCT)
    )


def site_text(text: object) -> str:
    """Render a (lazily) translated string in the site language, whatever the request's
    language is: for text that is stored or sent (events, notifications), which must read the
    same for everyone later."""
    from django.conf import settings
    from django.utils import translation

    with translation.override(settings.LANGUAGE_CODE):
        return str(text)
