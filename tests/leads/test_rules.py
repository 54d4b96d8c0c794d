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


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("在一个叫“金沙娱乐”的网站上玩百家乐，充值三万元，赢了之后不给提现", "gambling"),
        ("朋友拉我进群玩时时彩，平台显示中奖两万却一直无法提现，说账号异常", "gambling"),
        ("网上赌球输了二十多万，对方网站现在打不开了", "gambling"),
        ("被网友带去一个线上娱乐城下注，前几次能出款，后来充值五万全部冻结", "gambling"),
        ("“好运棋牌”App充值上分后不给下分，客服把我拉黑了", "gambling"),
        ("在境外博彩网站充值后账号被封", "gambling"),
        ("下载了一个彩票App，说跟着导师投注稳赚，结果本金全部输光无法提现", "gambling"),
        ("在網上賭博平台充值後無法提現", "gambling"),  # Traditional
        ("被朋友拉进一个平台，交了3980元入门费，说发展下线就能拿提成，现在平台关了", "pyramid"),
        ("要求先买3980元产品成为会员，再拉人加入，上线拿下线的提成", "pyramid"),
        ("对方以招聘为名把我骗到外地，收走手机，每天上课洗脑让我拉亲戚朋友入伙", "pyramid"),
        ("公司宣传做市场推广，按推荐人数层层返利，要购买产品才能升级代理", "pyramid"),
        ("以“互助养老”名义收取会员费，靠发展新会员给老会员分红，现在资金链断了", "pyramid"),
        # a pyramid dressed as an investment is filed as a pyramid
        ("以投资理财为名收取入门费、发展下线，现在平台跑路了", "pyramid"),
    ],
)
def test_gambling_and_pyramid_schemes_are_recognised(text: str, category: str) -> None:
    match = illegal_platform(text)
    assert match is not None and match.category == category, (text, match)
    assert match.terms


@pytest.mark.parametrize(
    "text",
    [
        "抽卡游戏概率太低，充了两千块什么都没抽到，跟赌博一样",
        "盲盒就是变相赌博，商家还不给退款",
        "欢乐斗地主棋牌游戏充值648元后账号被封，客服不处理",
        "体育彩票店老板拖着不给兑奖",
        "客服态度太差，我一赌气就把会员退了",
        "拼多多砍一刀要拉人助力，拉了十几个好友还是没砍成",
        "邀请好友注册得现金红包，邀请了五个人奖励却没到账",
        "安利直销的蛋白粉质量有问题，要求退货",
        "健身房会员卡推销员一直让我介绍朋友办卡",
        "基金定投亏损，银行理财经理没说清楚风险，要求赔偿",
    ],
)
def test_gambling_and_pyramid_look_alikes_are_not_illegal_platforms(text: str) -> None:
    assert illegal_platform(text) is None, text
