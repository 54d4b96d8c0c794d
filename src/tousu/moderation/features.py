"""Text features shared by the training script and the runtime models.

One function turns a complaint text into feature strings: segmented words (rjieba, after the
shared normalisation: full-width → half-width, Traditional → Simplified, lower case) and
character 1–3-grams. Digit runs become ``0`` so amounts, dates and order numbers do not each
make their own feature. Each feature string is hashed (CRC-32, stable across processes and
machines, unlike ``hash()``) into a fixed number of buckets; the trained linear models are
weight matrices over those buckets, so training (scikit-learn) and runtime (numpy) agree by
construction.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable
from functools import lru_cache

import rjieba

from tousu.common.text import normalize_text

_DIGITS = re.compile(r"\d+")
# characters that carry no signal as character n-grams
_NOISE = re.compile(r"[\s,.;:!?'\"()\[\]{}<>、，。；：！？“”‘’（）【】《》…—\-_/\\|*#~=+]+")
# the TipDM messages anonymise places as "A市", "A2区", "K8县", "西地省"; the complaints do not.
# Both sides get the same treatment so the model cannot learn the anonymisation instead of the
# content (see docs/moderation.md, "Training data").
_ANON_PLACE = re.compile(r"[a-z]\d{0,2}(?:市|区|县)|西地省")


@lru_cache(maxsize=256)
def normalised_text(text: str) -> str:
    """``normalize_text``, remembered: one submission normalises the same text several times
    (features, length rule, problem phrases, shingles, numbers)."""
    return normalize_text(text)


@lru_cache(maxsize=256)
def normalise(text: str) -> str:
    text = normalised_text(text)
    text = _ANON_PLACE.sub(" ", text)
    return _DIGITS.sub("0", text)


def words(norm: str) -> list[str]:
    return [w for w in rjieba.cut(norm) if w.strip() and not _NOISE.fullmatch(w)]


def feature_strings(text: str) -> list[str]:
    """Distinct feature strings of ``text`` (order of first appearance)."""
    norm = normalise(text)
    feats: dict[str, None] = {}
    for w in words(norm):
        feats["w:" + w] = None
    compact = _NOISE.sub("", norm)
    n = len(compact)
    for size in (1, 2, 3):
        for i in range(n - size + 1):
            feats["c:" + compact[i : i + size]] = None
    return list(feats)


def bucket(feature: str, dim: int) -> int:
    return zlib.crc32(feature.encode("utf-8")) % dim


def hashed(features: Iterable[str], dim: int) -> dict[int, str]:
    """Bucket → one feature string that fell into it (for explanations)."""
    out: dict[int, str] = {}
    for f in features:
        out.setdefault(bucket(f, dim), f)
    return out
