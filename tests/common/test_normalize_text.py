"""``normalize_text`` skips work that cannot change a text; the result is what the plain
definition gives: NFKC, invisible characters removed, Traditional → Simplified, lower case,
single spaces."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from tousu.common.text import _INVISIBLE, _t2s, normalize_text


def reference(text: str) -> str:
    """The definition, every step on every text (NFKC does what the width table does)."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _INVISIBLE.sub("", text)
    text = str(_t2s().convert(text))
    return re.sub(r"\s+", " ", text).strip().lower()


SAMPLES = [
    "",
    "   ",
    "ＩＰＨＯＮＥ１５　無法退款！！",  # full-width letters, digits, ideographic space, marks
    "外卖超时两小时，拒绝退款。客服态度很差？",  # Simplified with full-width punctuation
    "飯點外賣會員自動續費，反覆扣款",  # Traditional
    "退\u200b款\ufeff难\u00ad",  # invisible characters
    "ﬁle ① Ⅻ ㈱ ｶﾞ \u2126",  # compatibility forms only full NFKC changes
    "a\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2003\u2028\u2029\u3000b",  # every space
    "  Closed with explanation {$120.00}  XX/XX/2023  ",
    "İSTANBUL ẞ ΣΑΣ",  # lower() of letters that change length or context
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_as_the_definition(text: str) -> None:
    assert normalize_text(text) == reference(text)


def test_same_as_the_definition_on_random_mixtures() -> None:
    rng = random.Random(4)
    pool = (
        [chr(c) for c in range(0x20, 0x7F)]
        + [chr(c) for c in range(0xFF01, 0xFF60)]
        + list("\u3000\u200b\ufeff\u00ad\u2028\x85\xa0\t\n\x1c，。！？、；：（）【】")
        + list("飯點外賣會員自動續費反覆藉瞭沈乾隆退款霸王条款美团")
        + [chr(c) for c in (0x2126, 0x212B, 0xFB01, 0x2460, 0x00C5, 0x0130, 0x1E9E, 0x03A3)]
    )
    for _ in range(1000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert normalize_text(text) == reference(text), repr(text)
