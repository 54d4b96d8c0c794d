"""Detectors of personal data in complaint text: pure functions over compiled regexes.

``detect(text)`` returns the spans to redact in the *original* text. Detection runs on a
normalised copy (NFKC per character: full-width digits and letters become ASCII; Traditional
characters become Simplified one by one), and every normalised character remembers the original
character it came from, so spans map back exactly even where normalisation changes lengths.

Design after Microsoft Presidio's recognizers: pattern + validator (GB 11643 check digit, Luhn)
+ context words. Each span carries its rule name and a mask that keeps enough to recognise the
thing (``138****5678``, ``6222 **** **** 4562``, ``王**``); order and tracking numbers are not
masked but moved to the private view (replaced by a fixed note).

Not personal, never masked: 黑猫 complaint numbers (11 digits starting 17 without a phone word
before them), amounts, dates, prices, 400/800/95xxx hotlines, numbers that are already masked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# kinds (the ``kind`` of a Redaction; also the labels of the evaluation set)
MOBILE = "mobile"
LANDLINE = "landline"
ID_CARD = "id_card"
BANK_CARD = "bank_card"
EMAIL = "email"
QQ = "qq"
WECHAT = "wechat"
NAME = "name"
ADDRESS = "address"
PLATE = "plate"
ORDER_NUMBER = "order_number"
TRACKING_NUMBER = "tracking_number"

KINDS = (
    MOBILE,
    LANDLINE,
    ID_CARD,
    BANK_CARD,
    EMAIL,
    QQ,
    WECHAT,
    NAME,
    ADDRESS,
    PLATE,
    ORDER_NUMBER,
    TRACKING_NUMBER,
)
KIND_LABELS = {
    MOBILE: "手机号",
    LANDLINE: "固定电话",
    ID_CARD: "身份证号",
    BANK_CARD: "银行卡号",
    EMAIL: "电子邮箱",
    QQ: "QQ号",
    WECHAT: "微信号",
    NAME: "姓名",
    ADDRESS: "详细地址",
    PLATE: "车牌号",
    ORDER_NUMBER: "订单号",
    TRACKING_NUMBER: "运单号",
    "manual": "人工隐藏",
}
# moved to the private view rather than masked
PRIVATE_NOTE = "[仅投诉双方可见]"
# what a staff redaction of any text becomes
MANUAL_MASK = "***"

# lower wins when two candidate spans overlap
_PRIORITY = {
    EMAIL: 0,
    ORDER_NUMBER: 1,
    TRACKING_NUMBER: 1,
    ID_CARD: 2,
    BANK_CARD: 3,
    MOBILE: 4,
    LANDLINE: 5,
    QQ: 6,
    WECHAT: 6,
    PLATE: 7,
    ADDRESS: 8,  # a compound named like a person (银杏嘉园小区) is an address
    NAME: 9,
}


@dataclass(frozen=True)
class Span:
    """A piece of personal data: ``text[start:end]`` of the original text."""

    start: int
    end: int
    kind: str
    original: str
    mask: str


# --- normalisation with a per-character map -------------------------------------------------


@lru_cache(maxsize=1)
def _t2s_chars() -> dict[str, str]:
    """OpenCC's Traditional → Simplified character table (first candidate), one char to one."""
    import opencc

    folder = Path(opencc.__file__).resolve().parent / "dictionary"
    table: dict[str, str] = {}
    with (folder / "TSCharacters.txt").open(encoding="utf-8") as fh:
        for line in fh:
            key, _, values = line.rstrip("\n").partition("\t")
            value = values.split(" ")[0]
            if len(key) == 1 and len(value) == 1 and key != value:
                table[key] = value
    return table


def normalise(text: str) -> tuple[str, list[int]]:
    """The text to detect on, and for each of its characters the index of the original
    character it came from."""
    table = _t2s_chars()
    if text.isascii():
        return text, list(range(len(text)))
    out: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text):
        if ch < "\u3000":
            out.append(ch)
            index.append(i)
            continue
        simple = table.get(ch)
        if simple is not None:
            out.append(simple)
            index.append(i)
            continue
        if "\u4e00" <= ch <= "\u9fff":
            out.append(ch)
            index.append(i)
            continue
        norm = unicodedata.normalize("NFKC", ch)
        if norm == "\u3000" or ch == "\u3000":
            norm = " "
        for n in norm:
            out.append(table.get(n, n))
            index.append(i)
    return "".join(out), index


# --- validators -------------------------------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_checksum_ok(number: str) -> bool:
    """GB 11643: the 18th character is the check digit of the first 17."""
    if len(number) != 18 or not number[:17].isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == number[17].upper()


def luhn_ok(number: str) -> bool:
    if not number.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _valid_date(yyyymmdd: str) -> bool:
    import datetime

    try:
        datetime.date(int(yyyymmdd[:4]), int(yyyymmdd[4:6]), int(yyyymmdd[6:8]))
    except ValueError:
        return False
    return True


# --- masks ------------------------------------------------------------------------------------


def mask_keep(original: str, first: int, last: int) -> str:
    """Replace the letters and digits of ``original`` by ``*``, keeping the first ``first`` and
    the last ``last`` of them; separators (spaces, dashes) stay."""
    positions = [i for i, ch in enumerate(original) if unicodedata.normalize("NFKC", ch).isalnum()]
    keep = set(positions[:first]) | set(positions[len(positions) - last :] if last else [])
    return "".join(
        "*" if (i in positions and i not in keep) else ch for i, ch in enumerate(original)
    )


def _mask_for(kind: str, original: str, norm: str) -> str:
    if kind == MOBILE:
        return mask_keep(original, 3, 4)
    if kind == LANDLINE:
        return mask_keep(original, 0, 2)
    if kind == ID_CARD:
        return mask_keep(original, 3, 4 if len(norm.replace(" ", "")) == 18 else 3)
    if kind == BANK_CARD:
        return mask_keep(original, 4, 4)
    if kind in (QQ, WECHAT):
        return mask_keep(original, 2, 2)
    if kind == EMAIL:
        at = original.find("@") if "@" in original else original.find("＠")
        return original[:1] + "***" + original[at:]
    if kind == NAME:
        return original[:1] + "*" * (len(original) - 1)
    if kind == PLATE:
        return original[:2] + "*" * max(len(original) - 4, 1) + original[-2:]
    if kind == ADDRESS:
        return "****"
    return PRIVATE_NOTE


# --- patterns (all on the normalised text) ----------------------------------------------------

_D = r"(?<![\d*])"  # no digit or mask star before
_DA = r"(?![\d*])"  # nor after
_SEP = r"[ \-—]?"
_PHONE_WORDS = re.compile(
    r"(?:电话|手机|联系|致电|号码|拨打|打了|打|拨|来电|热线|tel|TEL|Tel|微信|短信|机主|电联|本人|我的)"
)
_COMPLAINT_WORDS = re.compile(r"(?:投诉编号|投诉单号|编号|黑猫|投诉号|单号|工单)")

MOBILE_RE = re.compile(
    r"(?:(?<![A-Za-z0-9_+])(?:\+|00)?86[ \-]?|"
    + _D
    + r")(1[3-9]\d"
    + r"(?:"
    + _SEP
    + r"\d){8})"
    + _DA
)
LANDLINE_RE = re.compile(
    r"(?<![\d*])(?:\(0(?:10|2\d|[3-9]\d{2})\) ?|0(?:10|2\d|[3-9]\d{2}) ?[\-—]? ?)"
    r"([2-8]\d{2,3}[ \-—]?\d{4})(?:(?:转|-|ext\.?)\d{1,5})?" + _DA
)
ID18_RE = re.compile(
    r"(?<![A-Za-z0-9_*])([1-9]\d{5} ?(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])"
    r"(?:0[1-9]|[12]\d|3[01]) ?\d{3}[\dXx])(?![A-Za-z0-9_*])"
)
ID15_RE = re.compile(
    r"(?<![A-Za-z0-9_*])([1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3})(?![A-Za-z0-9_*])"
)
_ID_WORDS = re.compile(r"(?:身份证|证件|身份号|公民身份)")
BANK_RE = re.compile(r"(?<![A-Za-z0-9_*])((?:\d{4}[ \-]){3,4}\d{1,4}|\d{16,19})(?![A-Za-z0-9_*])")
_BANK_WORDS = re.compile(r"(?:卡号|银行卡|信用卡|储蓄卡|借记卡|银行|卡|账号|帐号|账户|帐户)")
_BANK_PREFIX = re.compile(r"^(?:62|4\d|5[1-5]|3[47]|35)")
EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9_.%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})"
)
QQ_RE = re.compile(r"(?:QQ|qq|Qq|扣扣)(?:号码|号)?(?:是|为)?[:： ]*([1-9]\d{4,11})" + _DA)
WECHAT_RE = re.compile(
    r"(?:微信|VX|vx|Vx|wx|WX|weixin|v信|V信|薇信|威信)(?:号码|号|ID|id)?(?:是|为)?[:： ]*"
    r"([A-Za-z][A-Za-z0-9_-]{5,19}|1[3-9]\d{9})(?![A-Za-z0-9_*-])"
)
_NAME_MARKERS = (
    r"我叫|本人叫|我的名字叫|我的名字是|名字叫|姓名|名字|收件人|收货人|联系人|持卡人|开户名|户名|"
    r"寄件人|签收人|机主|购买人|购房人|申请人|投诉人|被投诉人|承租人|车主|患者|"
    r"法定代表人|法人代表|负责人|当事人"
)
# words that name a person only when a colon follows (代表：谭某某, but 代表大会)
_NAME_COLON_MARKERS = (
    r"法定代表人|法人代表|法人|举报人员|举报人|留言人|反映人|代表|当事人|户主|负责人|店主"
)
NAME_RE = re.compile(
    r"(?:(?:"
    + _NAME_MARKERS
    + r")(?:是|为|叫)?[:：，, ]*|(?:"
    + _NAME_COLON_MARKERS
    + r") ?[:：] ?)"
    r"([\u4e00-\u9fff·]{2,4})"
)
# more names listed after the first: 举报人：伍某某（电话）、陈某某、…
NAME_LIST_RE = re.compile(r"(?:[（(][^）)]{0,24}[）)])?[、，, ]([\u4e00-\u9fff]{2,4})")
# common single-character surnames (百家姓, the ~400 that cover nearly every person): a name after
# a marker must start with one, which keeps 我叫不出名字 or 姓名一栏 from being taken for names
_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕"
    "丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严"
    "覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚"
    "符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆"
    "农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋"
    "商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠荆乐冀郁胥南班储原栗燕楚鄢劳谌奚皮粟"
    "冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井祖漆巴丰支卿国狄平计索宣晋相初门云容敬来"
    "扈晁芮普阙浦戈伏鹿薄邸雍辜羊阿乌母裘亓修邰赫杭况那宿鲜印逯隆茹诸战慕危玉银亢嵇公哈湛宾戎勾"
    "茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭"
)
_COMPOUND_SURNAMES = [
    "欧阳",
    "司马",
    "上官",
    "诸葛",
    "东方",
    "皇甫",
    "尉迟",
    "公孙",
    "慕容",
    "长孙",
    "宇文",
    "司徒",
    "令狐",
    "夏侯",
    "轩辕",
    "端木",
    "独孤",
    "南宫",
    "西门",
]
# a name ends before these (what usually follows a name after a marker)
_NAME_STOP = set("电手身地性联的在于是今男女先，。、,.;；:：（(年月日住号家向和与及已也就都说因")
# characters that end a name when they would be its third (于帅一直…, 李明说…)
_NAME_STOP_LATE = set("一说称要把被让给对还又再曾将")
_NAME_STOP_WORDS: tuple[str, ...] = ("先生", "女士", "同学", "老师", "师傅", "经理", "客服")
# a surname with a title is not a name to hide (负责人王局长); found on the fresh held-out sample
_NAME_STOP_WORDS += (
    "局长",
    "书记",
    "主任",
    "科长",
    "县长",
    "市长",
    "院长",
    "所长",
    "处长",
    "部长",
    "镇长",
    "村长",
    "队长",
    "站长",
    "校长",
    "厂长",
    "总监",
    "医生",
)
# words after a marker that are not a name
_NOT_NAMES = set(
    [
        "本人",
        "自己",
        "应当",
        "应该",
        "平等",
        "同意",
        "需要",
        "必须",
        "可以",
        "我们",
        "他们",
        "她们",
        "对方",
        "商家",
        "客服",
        "平台",
        "公司",
        "某某",
        "未知",
        "不详",
        "不明",
        "无",
        "先生",
        "女士",
        "全部",
        "信息",
        "电话",
        "手机",
        "地址",
        "号码",
        "一栏",
        "一项",
        "栏目",
        "处",
        "填写",
        "正确",
        "错误",
        "写错",
        "写的",
        "签字",
        "签名",
        "相同",
        "一致",
        "不符",
        "不一致",
        "真实",
        "本店",
        "店家",
        "卖家",
        "买家",
        "快递",
        "物业",
        "业主",
        "委员",
        "委员会",
        "大会",
        "群里",
        "们的",
        "都是",
        "反映",
        "信息",
        "投诉",
    ]
)
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(
    r"(?<![A-Za-z0-9])(["
    + _PLATE_PROVINCES
    + r"][A-HJ-NP-Z][·• \-]?[A-HJ-NP-Z0-9]{4,5}[A-HJ-NP-Z0-9挂学警])(?![A-Za-z0-9])"
)
ORDER_RE = re.compile(
    r"(?:订单号码|订单编号|订单号|订单|交易单号|交易号|支付单号|商户单号|流水号|合同编号|合同号|保单号|"
    r"退款单号|售后单号|服务单号|工单号|(?<![递流运诉])单号)(?:是|为)?[:： ]*"
    r"([A-Za-z0-9][A-Za-z0-9\-]{5,39})(?![A-Za-z0-9_*-])"
)
TRACKING_RE = re.compile(
    r"(?:快递单号|运单号码|运单号|物流单号|快递号|运单|物流号)(?:是|为)?[:： ]*"
    r"([A-Za-z0-9][A-Za-z0-9\-]{7,29})(?![A-Za-z0-9_-])"
    r"|(?<![A-Za-z0-9])((?:SF|JD|JDV|YT|JT|ZTO|YD|DPK|EMS)\d{10,16})(?![A-Za-z0-9_])"
)
# address: an optional administrative chain, then a road / village / compound with a number
_HAN = (
    r"[^\W\d_A-Za-z"
    r"我你他她住在的是了到寄址从向往给为于和与及或把被让请您收货件人电话位号楼栋室个这那里]"
)
# a few characters between a village or road and its number (高岭村水塘331号), but not words that
# count things (小区共7栋)
_FILL = r"[^\W\d_A-Za-z共有约等第计合达近各每全几多]"
_ADMIN = (
    r"(?:" + _HAN + r"{1,7}?(?:省|自治区|特别行政区))?"
    r"(?:" + _HAN + r"{1,7}?(?:市|自治州|地区|盟))?"
    r"(?:" + _HAN + r"{1,7}?(?:区|县|旗))?"
)
_NUM = r"(?:\d{1,5}|[一二三四五六七八九十百零〇]{1,4})"
_STREET = (
    r"(?:" + _HAN + r"{1,8}?(?:街道|镇|乡))?"
    r"(?:(?![区市县省])(?:"
    + _HAN
    + r"{1,6}?(?:大道|大街|路(?![线费况灯网])|街|巷|弄|胡同|村|里|组|社区)|"
    + _HAN
    + r"{2,8}?(?:小区|花园|公寓|大厦|广场|家园|新村|苑|庭|府|城|公馆|湾|园|郡)))"
    r"(?:[" + "东西南北中" + r"]?段)?"
)
# a building number may carry a letter or be a range (A3栋, 5B栋, d10栋, 3-37栋)
_BNUM = r"(?:[A-Za-z]?\d{1,5}(?:-\d{1,5})?[A-Za-z]?|[一二三四五六七八九十百零〇]{1,4})"
# a part of a compound before the building (a区, 3期)
_BLOCK = r"(?:[A-Za-z]区|[A-Za-z\d]{1,3}期|[一二三四五六七八九十]{1,2}期)"
_UNIT = (
    r"(?:"
    + _BNUM
    + r"(?:号院|号楼|号(?![线令文])|弄|栋|幢|座|单元|层|楼|室|户|组|排)(?:之"
    + _NUM
    + r")?[ \-]?)"
)
ADDRESS_RE = re.compile(
    r"("
    + _ADMIN
    + r")("
    + _STREET
    + r"(?:"
    + _HAN
    + r"{0,10}?"
    + r"(?:街道|镇|乡|大道|大街|路|街|巷|弄|村|组|小区|花园|公寓|大厦|苑|园))?"
    r"(?:" + _FILL + r"{1,4}?(?=\d))?" + _BLOCK + r"?"
    r"[ ]?(?:" + _UNIT + r"){1,6}(?:" + _NUM + r"(?:-\d{1,4})?)?)"
)


_GROUP_ONLY = re.compile(r"^(?!.*[号栋幢室楼座户]).*组" + _NUM + r"?$")


# --- detection --------------------------------------------------------------------------------


def _context(norm: str, start: int, width: int = 12) -> str:
    return norm[max(0, start - width) : start]


def _candidates(norm: str) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    add = found.append
    has_digit = any(c.isdigit() for c in norm)
    if "@" in norm:
        for m in EMAIL_RE.finditer(norm):
            add((m.start(1), m.end(1), EMAIL))
    if has_digit:
        for m in ORDER_RE.finditer(norm):
            value = m.group(1)
            if sum(c.isdigit() for c in value) >= 5:
                add((m.start(1), m.end(1), ORDER_NUMBER))
        for m in TRACKING_RE.finditer(norm):
            g = 1 if m.group(1) else 2
            if sum(c.isdigit() for c in m.group(g)) >= 8:
                add((m.start(g), m.end(g), TRACKING_NUMBER))
        for m in ID18_RE.finditer(norm):
            if id_checksum_ok(m.group(1).replace(" ", "")):
                add((m.start(1), m.end(1), ID_CARD))
        for m in ID15_RE.finditer(norm):
            if _ID_WORDS.search(_context(norm, m.start(1), 15)) and _valid_date(
                "19" + m.group(1)[6:12]
            ):
                add((m.start(1), m.end(1), ID_CARD))
        for m in BANK_RE.finditer(norm):
            digits = re.sub(r"[ \-—]", "", m.group(1))
            if not 16 <= len(digits) <= 19 or not luhn_ok(digits):
                continue
            spaced = digits != m.group(1)
            if (
                spaced
                or (_BANK_PREFIX.match(digits) and len(digits) in (16, 19))
                or _BANK_WORDS.search(_context(norm, m.start(1), 10))
            ):
                add((m.start(1), m.end(1), BANK_CARD))
        for m in MOBILE_RE.finditer(norm):
            digits = re.sub(r"[ \-—]", "", m.group(1))
            if digits.startswith("17") and m.start(0) == m.start(1):
                # 黑猫 complaint numbers are 11 digits starting 17: a phone only after a phone word
                before = _context(norm, m.start(1), 10)
                if _COMPLAINT_WORDS.search(before) or not _PHONE_WORDS.search(before):
                    continue
            add((m.start(1), m.end(1), MOBILE))
        for m in LANDLINE_RE.finditer(norm):
            add((m.start(1), m.end(1), LANDLINE))
        for m in QQ_RE.finditer(norm):
            add((m.start(1), m.end(1), QQ))
        for m in PLATE_RE.finditer(norm):
            tail = m.group(1)[2:]
            if sum(c.isdigit() for c in tail) >= 3:
                add((m.start(1), m.end(1), PLATE))
        for m in ADDRESS_RE.finditer(norm):
            # a village group alone (大冲村四组) is hundreds of homes, not an address
            if m.end(2) > m.start(2) and not _GROUP_ONLY.search(m.group(2)):
                add((m.start(2), m.end(2), ADDRESS))
    for m in WECHAT_RE.finditer(norm):
        add((m.start(1), m.end(1), WECHAT))
    for m in NAME_RE.finditer(norm):
        name = _trim_name(m.group(1))
        if not name:
            continue
        add((m.start(1), m.start(1) + len(name), NAME))
        pos = m.start(1) + len(name)
        while (more := NAME_LIST_RE.match(norm, pos)) is not None:
            listed = _trim_name(more.group(1))
            if not listed:
                break
            add((more.start(1), more.start(1) + len(listed), NAME))
            pos = more.start(1) + len(listed)
    return found


def _trim_name(raw: str) -> str:
    limit = 4 if raw[:2] in _COMPOUND_SURNAMES else 3
    name = raw[:limit]
    for word in _NAME_STOP_WORDS:
        cut = name.find(word)
        if cut >= 0:
            name = name[:cut]
    for i, ch in enumerate(name):
        if (i >= 1 and ch in _NAME_STOP) or (i >= 2 and ch in _NAME_STOP_LATE):
            name = name[:i]
            break
    if len(name) < 2 or name in _NOT_NAMES or name[:2] in _NOT_NAMES:
        return ""
    if name[0] not in _SURNAMES and name[:2] not in _COMPOUND_SURNAMES:
        return ""
    return name


def _resolve(cands: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    chosen: list[tuple[int, int, str]] = []
    for s, e, kind in sorted(cands, key=lambda c: (_PRIORITY[c[2]], c[0] - c[1], c[0])):
        if all(e <= cs or s >= ce for cs, ce, _ in chosen):
            chosen.append((s, e, kind))
    chosen.sort()
    return chosen


def detect(text: str) -> list[Span]:
    """The personal data in ``text``, as non-overlapping spans of the original, in order."""
    if not text:
        return []
    norm, index = normalise(text)
    spans: list[Span] = []
    for s, e, kind in _resolve(_candidates(norm)):
        start, end = index[s], index[e - 1] + 1
        original = text[start:end]
        spans.append(Span(start, end, kind, original, _mask_for(kind, original, norm[s:e])))
    return spans


def apply(text: str, spans: list[tuple[int, int, str]]) -> str:
    """``text`` with each ``(start, end, replacement)`` applied (spans must not overlap)."""
    out: list[str] = []
    pos = 0
    for start, end, replacement in sorted(spans):
        if start < pos:
            continue
        out.append(text[pos:start])
        out.append(replacement)
        pos = end
    out.append(text[pos:])
    return "".join(out)


def redact(text: str) -> str:
    """The public copy of ``text`` with every detected span masked."""
    return apply(text, [(s.start, s.end, s.mask) for s in detect(text)])
