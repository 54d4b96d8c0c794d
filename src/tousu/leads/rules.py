"""Recognising safety defects and illegal platforms in complaint text, and pulling out the
identifiers (phone numbers, web addresses, app names, accounts) that tie complaints together.

Rules, not a trained model: the categories are legal ones (缺陷汽车产品召回管理条例 and the
consumer-product recall rules define a safety defect as an unreasonable danger to life or
property; the police categories follow the criminal law), their wording is stable, and every
decision must be explainable to the authority receiving the lead. The rules run on the
normalised text (Traditional → Simplified, full-width → half-width), so 剎車失靈 and 刹车失灵 are
the same. Evaluation on real 车质网 complaints: docs/leads.md.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from tousu.common.text import normalize_text

# --- safety defects --------------------------------------------------------------------------

# (category, label, pattern): a match means a defect that can endanger people — loss of braking,
# steering or drive while moving, fire, explosion, electric shock, failing passive safety,
# structural breakage, tyre failure. Noise (异响), rust, smell, paint, fuel consumption and the
# like are quality problems, not safety defects, and never match on their own.
SAFETY_RULES: tuple[tuple[str, str, str], ...] = (
    (
        "brake",
        "制动失效",
        r"(刹车|制动|刹车系统|制动系统)(突然)?(失灵|失效|偏软|变软|发软)|刹不住|制动距离(长|过长|变长)|"
        r"(ABS|防侧滑|ESC|ESP|车身稳定)[^，,。；;]{0,6}?(故障|失灵|失效)",
    ),
    (
        "steering",
        "转向失效",
        r"(转向|方向(?!盘))(机|器|柱|助力|系统)?[^，,。；;异噪]{0,6}?"
        r"(失灵|失效|卡滞|卡顿|卡死|锁死|烧毁|沉重|不回位|松动|报警|故障)|方向机总成间隙|"
        r"方向盘(?!按键|多功能|调节|加热|[^，,。；;]{0,2}按键)[^，,。；;]{0,2}(失灵|失控|锁死|卡死)",
    ),
    (
        "power_loss",
        "行驶中失去动力",
        r"失去动力|动力(突然)?(中断|丧失|缺失)|失速|熄火(?!后)|无动力|加油不走|脱挡|跳挡|"
        r"(行驶|行车|高速)[^，,。；;]{0,6}?(熄火|无动力)",
    ),
    ("acceleration", "加速失控", r"暴冲|加速失控|自动加速|油门(踏板)?卡(滞|死|住)|刹车变油门"),
    ("fire", "起火自燃", r"自燃|起火|着火|燃烧|线束烧|烧蚀|冒火|火灾"),
    (
        "explosion",
        "爆炸",
        r"爆炸|炸裂|炸开|(?<![管线])爆裂(?!声)|(电池|充电宝)[^，,。；;]{0,4}鼓包",
    ),
    ("electric_shock", "漏电触电", r"漏电|触电|电到人|外壳带电"),
    (
        "passive_safety",
        "安全气囊/安全带失效",
        r"气囊[^，,。；;]{0,4}(故障|未弹|没弹|不弹|失效|误弹|自爆)|"
        r"安全带[^，,。；;]{0,4}(失效|断裂|无法锁|卡死|卡扣失灵)",
    ),
    (
        "structure",
        "结构断裂",
        r"断轴|(半轴|传动轴|摆臂|球头|转向节|控制臂|支臂|悬挂|车架|拉筋|大梁)[^，,。；;]{0,2}(断裂|断开|断了)|"
        r"(离合|油门|刹车|制动)踏板[^，,。；;]{0,2}(掉落|脱落|断裂|断了)",
    ),
    (
        "tyre",
        "轮胎缺陷",
        r"轮胎[^，,。；;]{0,6}?(开裂|裂纹|裂口|老化|起皮|鼓包|脱层)|爆胎|"
        r"(开裂|裂纹)[^，,。；;]{0,2}轮胎",
    ),
)

_SAFETY = [(cat, label, re.compile(p, re.I)) for cat, label, p in SAFETY_RULES]
# "熄火" after a start failure or as a design feature is not a loss of power while driving
_NOT_POWER_LOSS = re.compile(r"自动启停|启停功能|无法启动后熄火|熄火后无法启动")
_BATTERY_DRAIN = re.compile(r"亏电|电瓶|蓄电池|耗电")


@dataclass(frozen=True)
class DefectMatch:
    category: str
    label: str
    terms: tuple[str, ...] = field(default_factory=tuple)


def safety_defect(text: str) -> DefectMatch | None:
    """The first safety-defect category the text describes, with the words that matched."""
    norm = normalize_text(text or "")
    for category, label, pattern in _SAFETY:
        terms = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(norm)))
        if not terms:
            continue
        if (
            category == "power_loss"
            and _NOT_POWER_LOSS.search(norm)
            and all("熄火" in t for t in terms)
        ):
            continue
        if category == "electric_shock" and _BATTERY_DRAIN.search(norm):
            continue  # a car battery losing charge (亏电, "漏电") shocks nobody
        return DefectMatch(category, label, terms)
    return None


# --- illegal platforms -----------------------------------------------------------------------

PLATFORM_RULES: tuple[tuple[str, str, str], ...] = (
    # gambling and pyramid schemes first: their words are specific, and such platforms often
    # dress up as investments (a pyramid's "投资理财" with 入门费 and 下线 is a pyramid)
    (
        "gambling",
        "网络赌博",
        # 赌博 as a comparison (跟赌博一样, 变相赌博: blind boxes, gacha games) is no gambling site;
        # a 棋牌 game's top-up is not gambling unless points are cashed out (上分/下分/提现);
        # online lottery sales are illegal, a lottery shop is not
        r"网络赌博|网赌|赌球|赌场|赌资|博彩|菠菜(网|平台|网站)|百家乐|时时彩|六合彩|北京赛车|"
        r"真人视讯|(线上|网上|网络)娱乐城|"
        r"(?<!变相)(?<!像)(?<!跟)(?<!和)(?<!与)(?<!如同)(?<!堪比)赌博(?!一样|似的|没区别|差不多)|"
        r"(彩票|竞猜|购彩)[^。；;]{0,2}(app|平台|网站|软件|群)[^。；;]{0,12}?"
        r"(投注|下注|无法提现|不给提现|不能提现|出款)|"
        r"下注[^。；;]{0,12}?(出款|提现)|棋牌[^。；;]{0,8}?(上分|下分|提现|兑现)",
    ),
    (
        "pyramid",
        "传销",
        r"传销|拉人头|发展下线|入门费|层级返利|层层(返利|提成|分红)|动态收益|静态收益|团队计酬|"
        r"按推荐人数|(上线|下线)[^。；;]{0,8}?(提成|返利|分红|奖金)|"
        r"发展新?(会员|下级)[^。；;]{0,10}?(分红|返利|提成|奖金)|拉[^。；;]{0,8}?入伙|"
        r"(上课|培训|听课|开会)[^。；;]{0,4}?洗脑",
    ),
    (
        "fake_investment",
        "虚假投资理财",
        r"(投资|理财|炒股|炒币|虚拟币|数字货币|期货|外汇|区块链)[^。；;]{0,12}?"
        r"(无法提现|不能提现|提不了现|出金|跑路|骗|被套|平台关闭|冻结账户)|杀猪盘|荐股|带单老师|喊单",
    ),
    (
        "illegal_lending",
        "非法放贷与暴力催收",
        r"暴力催收|爆通讯录|砍头息|套路贷|高利贷|714高炮|高炮|"
        r"(催收)[^。；;]{0,10}?(辱骂|威胁|恐吓|骚扰(我的)?(家人|同事|通讯录|亲友))|"
        r"(年化|利率)[^。；;]{0,8}?(超过|高达)[^。；;]{0,4}?(36|[4-9]\d|\d{3,})%",
    ),
    (
        "fraud",
        "诈骗",
        r"诈骗|骗子|被骗|刷单返利|刷单|冒充(客服|公检法|警察|快递)|"
        r"注销校园贷|解除分期|屏幕共享[^。；;]{0,8}转账|验证码[^。；;]{0,6}被(盗|骗)",
    ),
)
_PLATFORM = [(cat, label, re.compile(p, re.I)) for cat, label, p in PLATFORM_RULES]


@dataclass(frozen=True)
class PlatformMatch:
    category: str
    label: str
    terms: tuple[str, ...]


def illegal_platform(text: str) -> PlatformMatch | None:
    norm = normalize_text(text or "")
    for category, label, pattern in _PLATFORM:
        terms = tuple(dict.fromkeys(m.group(0) for m in pattern.finditer(norm)))
        if terms:
            return PlatformMatch(category, label, terms)
    return None


# --- identifiers -----------------------------------------------------------------------------

_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1[3-9]\d(?:[\s-]?\d{4}){2})(?!\d)")
_URL = re.compile(
    r"(?:https?://)?((?:[a-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|vip|cc|io|app|co|me|info|club|site|online|shop|ltd|wang|tk)(?:\.[a-z]{2})?)\b",
    re.I,
)
_APP = re.compile(
    r"[「“\"《【]?([A-Za-z0-9\u4e00-\u9fff]{2,12}?)[」”\"》】]?\s*(?:APP|App|app|软件|平台)"
)
_APP_STOP = {
    "这个",
    "该",
    "这款",
    "一个",
    "下载",
    "官方",
    "手机",
    "他们",
    "对方",
    "此",
    "贷款",
    "网贷",
    "投资",
    "理财",
    "借款",
    "交易",
    "直播",
    "购物",
    "第三方",
    "正规",
    "一款",
    "电商",
}


def normalize_phone(raw: str) -> str:
    digits = re.sub(r"\D", "", normalize_text(raw or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def normalize_domain(raw: str) -> str:
    text = normalize_text(raw or "").strip().lower()
    text = re.sub(r"^[a-z]+://", "", text)
    text = text.split("/")[0].split("?")[0].split("#")[0].split(":")[0]
    return text[4:] if text.startswith("www.") else text


def normalize_app(raw: str) -> str:
    text = normalize_text(raw or "").strip().lower()
    return re.sub(r"(app|软件|平台)$", "", re.sub(r"[\s「」“”\"《》【】]", "", text))


def normalize_account(raw: str) -> str:
    return re.sub(r"[\s-]", "", normalize_text(raw or "")).lower()


NORMALIZERS = {
    "phone": normalize_phone,
    "domain": normalize_domain,
    "app": normalize_app,
    "account": normalize_account,
}


def indicators_in(text: str) -> list[tuple[str, str]]:
    """(kind, normalised value) pairs mentioned in the text, in order, without repeats."""
    norm = normalize_text(text or "")
    found: list[tuple[str, str]] = []
    for m in _PHONE.finditer(norm):
        found.append(("phone", normalize_phone(m.group(1))))
    for m in _URL.finditer(norm):
        found.append(("domain", normalize_domain(m.group(1))))
    for m in _APP.finditer(norm):
        name = normalize_app(m.group(1))
        if len(name) >= 2 and name not in _APP_STOP and not name.endswith(("的", "了", "在")):
            found.append(("app", name))
    return list(dict.fromkeys(found))


# --- product model ---------------------------------------------------------------------------

_MODEL_CODE = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{1,8}[- ]?\d{1,4}[A-Za-z]{0,4}"
    r"(?:\s?(?:PLUS|Pro|Max|Coupe|EV|PHEV|DM|L))?)(?![A-Za-z0-9])"
)


# issue codes of imported records (车质网 "典型问题代码：F100,H15") are not model names
_SOURCE_CODES = re.compile(r"问题代码[:：]?\s*[A-Za-z0-9,，\s]+")

# words that end a model name written right after the brand ("迈腾刹车失灵" → 迈腾)
_MODEL_STOPS = (
    "刹车",
    "制动",
    "发动机",
    "变速箱",
    "行驶",
    "车身",
    "车内",
    "高速",
    "转向",
    "方向",
    "轮胎",
    "新车",
    "出现",
    "存在",
    "起火",
    "自燃",
    "熄火",
    "失去",
    "爆炸",
    "漏电",
    "充电",
    "电池",
    "突然",
)


def product_model(text: str, *, brand_names: list[str], known_models: list[str]) -> str:
    """The model a defect complaint names: a known model of the company found in the text
    (longest first), else an alphanumeric model code (X7, CS75 PLUS, iPhone 13), else the
    words between the brand name and the first defect word."""
    norm = normalize_text(text or "")
    for model in sorted(known_models, key=len, reverse=True):
        if model and normalize_text(model).lower() in norm.lower():
            return model
    plain = _SOURCE_CODES.sub("", unicodedata.normalize("NFKC", text or ""))  # keeps the case
    m = _MODEL_CODE.search(plain)
    if m:
        return m.group(1).strip()
    for brand in sorted(brand_names, key=len, reverse=True):
        at = norm.find(normalize_text(brand)) if brand else -1
        if at >= 0:
            tail = norm[at + len(normalize_text(brand)) :]
            word = re.match(r"[\u4e00-\u9fff]{2,6}", tail)
            if word:
                name = word.group(0)
                cuts = [name.find(w) for w in _MODEL_STOPS if name.find(w) >= 2]
                return name[: min(cuts)] if cuts else name[:4]
    return ""
