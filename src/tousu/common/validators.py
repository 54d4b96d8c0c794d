"""Checksummed identifiers: 统一社会信用代码 (GB 32100-2015)."""

from __future__ import annotations

import unicodedata

from .errors import ValidationFailed

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return the normalized code or raise ``ValidationFailed`` naming the problem."""
    code = unicodedata.normalize("NFKC", raw or "").strip().upper().replace(" ", "")
    field = {"field": "uscc"}
    if len(code) != 18:
        raise ValidationFailed(
            f"统一社会信用代码应为18位，您输入了{len(code)}位", code="uscc_length", details=field
        )
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise ValidationFailed(
            f"统一社会信用代码含有不允许的字符：{'、'.join(bad)}（不使用 I、O、S、V、Z）",
            code="uscc_charset",
            details={**field, "characters": bad},
        )
    if not code[2:8].isdigit():
        raise ValidationFailed(
            "统一社会信用代码第3–8位应为行政区划代码（数字）", code="uscc_region", details=field
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationFailed(
            f"统一社会信用代码校验位错误：最后一位应为 {expected}，而不是 {code[17]}",
            code="uscc_checksum",
            details={**field, "expected": expected},
        )
    return code
