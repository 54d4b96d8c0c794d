"""Text normalisation shared by company matching, search and duplicate checks."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    return str(_t2s().convert(text))


def normalize_text(text: str) -> str:
    """NFKC (full-width → half-width), Traditional → Simplified, lower-case, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = to_simplified(text)
    return _SPACES.sub(" ", text).strip().lower()


def normalize_name(name: str) -> str:
    """A key under which names differing in spaces, width, case or script are the same."""
    text = normalize_text(name)
    text = text.replace("(", "").replace(")", "")
    return _SPACES.sub("", text)
