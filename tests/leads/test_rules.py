"""The recognition rules on their own: safety defects vs quality problems, illegal platforms,
identifiers, models; Traditional script behaves like Simplified."""

from __future__ import annotations

import pytest

from tousu.leads.rules import (
    illegal_platform,
    indicators_in,
    normalize_domain,
    normalize_phone,
    product_model,
    safety_defect,
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("高速行驶中突然熄火，差点追尾", "power_loss"),
        ("下坡时刹车失灵，撞上护栏", "brake"),
        ("下坡時剎車失靈，撞上護欄", "brake"),  # Traditional
        ("停在小区车库里发生自燃", "fire"),
        ("上摆臂断裂导致方向失控", "structure"),
        ("行驶中转向助力故障方向盘很沉", "steering"),
        ("新买的充电宝充电时爆炸，床单烧了", "explosion"),
        ("热水器漏电，洗澡时被电到", "electric_shock"),
        ("韩泰轮胎开裂影响行车安全", "tyre"),
        ("碰撞后安全气囊未弹出", "passive_safety"),
        ("行驶中传动轴断裂", "structure"),
    ],
)
def test_safety_defects_are_recognised(text: str, category: str) -> None:
    match = safety_defect(text)
    assert match is not None and match.category == category, (text, match)
    assert match.terms


@pytest.mark.parametrize(
    "text",
    [
        "阿特兹B柱异响严重希望厂家处理",
        "车内异味影响身体健康",
        "车门生锈 油耗高",
        "多功能方向盘按键失灵",
        "熄火后油箱异响",
        "钥匙亏电，4S店不检测是否漏电",
        "变速箱油管爆裂漏油",
        "转向异响存在安全隐患",
        "刹车片异常磨损，4S店不保修",
    ],
)
def test_quality_problems_are_not_safety_defects(text: str) -> None:
    assert safety_defect(text) is None, text


def test_illegal_platforms_and_identifiers() -> None:
    text = "在“鑫汇通”APP投资理财，现在无法提现，客服电话 138-0013-8000，网址 www.xhtcf.top/login"
    match = illegal_platform(text)
    assert match is not None and match.category == "fake_investment"
    assert indicators_in(text) == [
        ("phone", "13800138000"),
        ("domain", "xhtcf.top"),
        ("app", "鑫汇通"),
    ]
    assert illegal_platform("借款后遭暴力催收，爆通讯录辱骂家人").category == "illegal_lending"  # type: ignore[union-attr]
    assert illegal_platform("快递延误三天，客服不回复") is None
    assert illegal_platform("外卖超时拒绝退款") is None


def test_identifier_normalisation() -> None:
    assert normalize_phone("+86 138 0013 8000") == "13800138000"
    assert normalize_phone("１３８００１３８０００") == "13800138000"  # full width
    assert normalize_domain("HTTPS://WWW.Example.COM:8080/a?b=1") == "example.com"


def test_product_model() -> None:
    assert (
        product_model(
            "吉利星越L行驶中熄火", brand_names=["吉利汽车"], known_models=["星越L", "星越"]
        )
        == "星越L"
    )
    assert (
        product_model("长安CS75 PLUS刹车失灵", brand_names=["长安汽车"], known_models=[])
        == "CS75 PLUS"
    )
    assert (
        product_model("一汽大众迈腾刹车失灵", brand_names=["一汽大众"], known_models=[]) == "迈腾"
    )
