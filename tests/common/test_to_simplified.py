"""``to_simplified`` skips OpenCC for text it cannot change, and only for such text."""

from __future__ import annotations

import pytest

from tousu.common.text import _t2s, _t2s_triggers, to_simplified

SAMPLES = [
    "飯點外賣會員自動續費",  # Traditional characters
    "反覆催收，藉口很多，我不瞭解",  # phrase entries: 覆 藉 瞭 change only inside phrases
    "沈默的客服，牴觸退款",
    "外卖超时两小时拒绝退款，客服态度很差",  # Simplified: unchanged
    "Closed with explanation {$120.00} XX/XX/2023",
    "",
    "乾隆年间的茶叶",  # a phrase that keeps 乾
]


@pytest.mark.parametrize("text", SAMPLES)
def test_same_result_as_opencc(text: str) -> None:
    assert to_simplified(text) == _t2s().convert(text)


def test_the_triggers_cover_characters_and_phrase_only_changes() -> None:
    triggers = _t2s_triggers()
    assert {"飯", "覆", "藉", "瞭", "沈"} <= triggers
    assert not {"外", "卖", "退", "款", "A"} & triggers
    assert to_simplified("反覆") == "反复"
