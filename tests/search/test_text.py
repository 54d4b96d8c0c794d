"""The one text pipeline: normalisation, segmentation, user dictionary."""

from __future__ import annotations

import pytest

from tousu.companies.services import company_brand_get_or_create, company_create
from tousu.search import text
from tousu.search.query import parse
from tousu.search.text import company_name_words, segment, tokens


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


def test_registered_names_add_only_what_the_stock_dictionary_lacks() -> None:
    # stock words only: the name is cut the same way wherever it stands, nothing to add
    assert company_name_words("北京华瑞科技有限公司") == []
    # a run of single characters is the part to keep together
    assert company_name_words("锐族科技有限公司") == ["锐族"]
    assert company_name_words("北京三快在线科技有限公司") == ["三快"]
    # one unknown character joins the word before it, or after it when it comes first
    assert company_name_words("拼拼乐网络科技有限公司") == ["拼拼乐"]
    # a name of single characters stays whole; punctuation or length keeps a name out
    assert company_name_words("喵喵鲜生") == ["喵喵鲜生"]
    assert company_name_words("优品汇（上海）电子商务有限公司") == []
    assert company_name_words("京") == []


@pytest.mark.django_db
def test_brands_stay_whole_and_registered_names_are_found_in_sentences() -> None:
    text.dictionary_reload()
    company = company_create(name="锐族科技有限公司")
    company_brand_get_or_create(company=company, name="锐族优选")
    sentence = tokens("上个月在锐族科技有限公司的锐族优选旗舰店买的耳机坏了")
    assert "锐族优选" in sentence  # the brand whole, as complaints write it
    for name in ("锐族科技有限公司", "北京华瑞科技有限公司"):
        assert set(tokens(name)) <= set(tokens(f"我在{name}购买的商品一直没有发货"))
    # another process builds the same dictionary from the tables
    words = text.user_words()
    assert "锐族" in words and "锐族优选" in words
    assert "锐族科技有限公司" not in words
    text.dictionary_reload()
    assert "锐族优选" in tokens("锐族优选旗舰店")


@pytest.mark.django_db
def test_latin_and_digit_names_never_split_a_run_of_letters_and_digits() -> None:
    """A run of Latin letters and digits is one token; a name (or part of one) without a
    Chinese character joins no dictionary, so ``iphone15`` stays whole whatever the
    directory holds."""
    text.dictionary_reload()
    company = company_create(name="iPhone维修中心")
    company_create(name="15号便利店")
    for brand in ("iPhone", "15", "Apple"):
        company_brand_get_or_create(company=company, name=brand)
    assert "iphone15" in tokens("ＩＰＨＯＮＥ１５屏幕碎了")
    words = text.user_words()
    assert not {"iphone", "15", "apple"} & set(words)
    text.dictionary_reload()
    assert "iphone15" in tokens("买的iPhone15屏幕碎了")


def test_a_fresh_segmenter_loads_the_dictionary_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # the monotonic clock starts near 0 at boot: a new process must not wait for it
    monkeypatch.setattr(text, "user_words", lambda: ["喵喵鲜生"])
    monkeypatch.setattr(text.time, "monotonic", lambda: 1.0)
    segmenter = text._Segmenter()
    assert segmenter.get().cut_for_search("在喵喵鲜生买") == ["在", "喵喵鲜生", "买"]


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
