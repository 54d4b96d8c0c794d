"""统一社会信用代码 (GB 32100-2015): the checksum and the errors a person sees."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tousu.common.errors import ValidationFailed
from tousu.common.validators import USCC_CHARSET, uscc_check_char, validate_uscc

# Written out from the standard, independently of the code under test: 31 characters (the Latin
# letters without I, O, S, V, Z) and the weights 3^i mod 31.
CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [pow(3, i, 31) for i in range(17)]


def reference_check_char(first17: str) -> str:
    total = sum(CHARSET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


PUBLISHED = [
    "91110108551385082Q",  # 小米科技有限责任公司 (published on its licence and website)
    "91330100716105852F",
]


def _error(raw: str) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        validate_uscc(raw)
    return info.value


def test_charset_and_weights_match_the_standard() -> None:
    assert CHARSET == USCC_CHARSET
    assert not set("IOSVZ") & set(USCC_CHARSET)
    assert reference_check_char("91110108551385082") == "Q"


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_valid(code: str) -> None:
    assert reference_check_char(code[:17]) == code[17]
    assert validate_uscc(code) == code


@pytest.mark.parametrize(
    "body",
    ["91440300MA5DC1234", "12100000400000624", "52110000500000000", "93310115MA1H7XXYY"],
)
def test_computed_codes_are_valid(body: str) -> None:
    code = body + reference_check_char(body)
    assert validate_uscc(code) == code


def test_input_is_normalised() -> None:
    assert validate_uscc(" 91110108 5513 85082q ") == "91110108551385082Q"
    full_width = "９１１１０１０８５５１３８５０８２Ｑ"
    assert validate_uscc(full_width) == "91110108551385082Q"


@pytest.mark.parametrize(("raw", "length"), [("", 0), ("9111010855138508", 16), ("9" * 19, 19)])
def test_wrong_length(raw: str, length: int) -> None:
    err = _error(raw)
    assert err.code == "uscc_length"
    assert "18位" in err.message and f"{length}位" in err.message
    assert err.details["field"] == "uscc"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_letters_not_in_the_charset(letter: str) -> None:
    raw = "91110108551385082" + letter
    err = _error(raw)
    assert err.code == "uscc_charset"
    assert f"不允许的字符：{letter}" in err.message
    assert err.details["characters"] == [letter]


def test_several_bad_characters_are_all_named() -> None:
    err = _error("9111010855138O8-2Z")
    assert err.code == "uscc_charset"
    assert err.details["characters"] == ["-", "O", "Z"]
    assert "-、O、Z" in err.message


def test_region_part_must_be_digits() -> None:
    body = "911A0108551385082"
    err = _error(body + reference_check_char(body))
    assert err.code == "uscc_region"
    assert "行政区划代码" in err.message


def test_bad_check_character_names_the_expected_one() -> None:
    err = _error("91110108551385082R")
    assert err.code == "uscc_checksum"
    assert err.details["expected"] == "Q"
    assert "校验位错误" in err.message and "应为 Q" in err.message and "不是 R" in err.message


def test_each_problem_has_its_own_code() -> None:
    codes = {
        _error("123").code,
        _error("91110108551385082I").code,
        _error("911A0108551385082Q").code,
        _error("91110108551385082R").code,
    }
    assert codes == {"uscc_length", "uscc_charset", "uscc_region", "uscc_checksum"}


@given(
    st.text(alphabet=CHARSET[:2] + "Y", min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=CHARSET, min_size=9, max_size=9),
)
def test_any_well_formed_code_with_its_check_char_is_valid(
    head: str, region: str, org: str
) -> None:
    body = head + region + org
    assert uscc_check_char(body) == reference_check_char(body)
    code = body + reference_check_char(body)
    assert validate_uscc(code) == code
    # changing the check character is always caught
    wrong = CHARSET[(CHARSET.index(code[17]) + 1) % 31]
    with pytest.raises(ValidationFailed) as info:
        validate_uscc(body + wrong)
    assert info.value.code == "uscc_checksum"
