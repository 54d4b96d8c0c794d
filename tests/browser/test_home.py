from __future__ import annotations

from typing import Any


def test_home_page_renders_in_chinese_with_the_safety_notice(page: Any) -> None:
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "本平台免费" in page.inner_text("footer")
