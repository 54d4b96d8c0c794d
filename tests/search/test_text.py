"""The one text pipeline: normalisation, segmentation, user dictionary."""

from __future__ import annotations

import pytest

from tousu.companies.services import company_create
from tousu.search.query import parse
from tousu.search.text import segment, tokens


def test_normalises_width_case_and_script() -> None:
    assert tokens("ＩＰＨＯＮＥ１５ 無法退款") == tokens("iphone15 无法退款")
    assert "iphone15" in tokens("ＩＰＨＯＮＥ１５")


def test_search_mode_yields_parts_and_whole_of_vocabulary() -> None:
    toks = tokens("商家拒绝退货退款还有霸王条款")
    for word in ("退货", "退款", "退货退款", "霸王条款"):
        assert word in toks


def test_punctuation_never_becomes_a_token() -> None:
    assert segment("退款！！，。 ...  “霸王”") == "退款 霸王"


@pytest.mark.django_db
def test_company_names_join_the_dictionary_when_companies_change() -> None:
    assert "喵喵鲜生" not in tokens("我在喵喵鲜生买了水果")
    company_create(name="喵喵鲜生")
    assert "喵喵鲜生" in tokens("我在喵喵鲜生买了水果")


def test_query_language() -> None:
    q = parse('退款 OR 退費 "自动续费" -美团', expand=False)
    assert [[t.tokens for t in g] for g in q.groups] == [
        [("退款",), ("退费",)],
        [("自动", "续费", "自动续费")],
    ]
    assert q.groups[1][0].phrase
    assert [t.tokens for t in q.exclude] == [("美团",)]
    assert parse("  ，。 ").is_empty


def test_synonym_expansion_is_an_or_group() -> None:
    q = parse('退款 "自动续费" 制动')
    assert [[t.tokens for t in g] for g in q.groups] == [
        [("退款",), ("退钱",)],
        [("自动", "续费", "自动续费")],  # quoted: exactly these words
        [("制动",), ("刹车",)],
    ]
