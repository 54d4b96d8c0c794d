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
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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
# a local number without its area code, right after a phone word (电话：7893112, 拨打7710052或者
# 7179355); 7–8 digits starting 2–8, so no hotline (12345, 96119, 400…) and no mobile
LOCAL_RE = re.compile(
    r"(?:电话|拨打|致电|热线|座机)(?:号码|号)?(?:是|为)?[:：（( ]{0,2}"
    r"(?<![\d*])([2-8]\d{6,7})(?![\d*])"
    r"(?:(?:或者|或|、|，|,|和)([2-8]\d{6,7})(?![\d*]))?"
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
# after a name found without a marker only 、 lists more (not a comma: 精装，宣传…)
NAME_LIST_AFTER_ROLE_RE = re.compile(r"(?:[（(][^）)]{0,24}[）)])?、([\u4e00-\u9fff]{2,4})")
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
    "茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉植衡富尧闭呙"
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
# (月 is not one: it is common in given names, 文月英, and dates are written with digits)
_NAME_STOP = set("电手身地性联的在于是今男女先，。、,.;；:：（(年日住号家向和与及已也就都说因")
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- names without a marker word (issue 5): a role or kinship word right before the name
# (我父亲向仍荣, 包工头文宇叶, 教师段萍素, 村书记吕林松) or a title right after it (周晖书记,
# 顾花副局长, 邓意天同志). The name must start with a common surname and its other characters
# must not be function words or the characters of institutions (局, 委, 村 …).
_ROLE_WORDS = _words(
    "父亲 母亲 我爸 我妈 爸爸 妈妈 丈夫 妻子 老公 老婆 前夫 前妻 儿子 女儿 姐夫 妹夫 姐姐 哥哥 "
    "弟弟 妹妹 嫂子 爷爷 奶奶 外公 外婆 岳父 岳母 公公 婆婆 叔叔 舅舅 侄子 外甥 亲戚 "
    "村民 市民 包工头 工头 老板 老板娘 董事长 总经理 副总 经理 店长 "
    "村支书 支书 村书记 村主任 村长 组长 会计 出纳 专干 村干部 干部 "
    "镇长 乡长 县长 局长 所长 站长 队长 科长 处长 主任 院长 校长 园长 厂长 行长 "
    "教师 老师 班主任 医生 护士 律师 民警 警官 辅警 教练 裁判 同学 同事 朋友 邻居 房东 "
    "租户 员工 职工 工人 司机 师傅 经办人 工作人员 业务员 销售员 置业顾问 中介 介绍人 担保人 "
    "借款人 出借人 被告人 被告 原告 嫌疑人 受害人 死者 股东 法人是 负责人是 "
    "人大代表 委员 承包人 施工员 书记 副局长 副镇长 副县长 副主任 副院长 副校长 领导"
)


def _trie_pattern(words: frozenset[str]) -> str:
    """One regular expression for many words, as a trie (one branch per first character): far
    cheaper for the regex engine than a flat alternation of a hundred words."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return build(trie)


ROLE_NAME_RE = re.compile("(" + _trie_pattern(_ROLE_WORDS) + r")[:：（(]?([\u4e00-\u9fff]{2,3})")
_TITLES = _words(
    "书记 局长 镇长 乡长 县长 市长 区长 主任 院长 校长 所长 队长 科长 处长 厅长 行长 "
    "总经理 经理 村长 大队长 中队长 支队长"
)
TITLE_RE = re.compile(
    _trie_pattern(_TITLES | {"副" + t for t in _TITLES} | _words("同志 老师 医生 律师 警官 师傅"))
)
# a character before a name that is a word of its own (向周晖书记, 请邓意天同志), not a surname
_BEFORE_NAME = set("向和与给对把被让请找是为由在跟及将叫问称经从于的了等致")
# characters that are never part of a given name: function words, places, institutions, titles
_NOT_GIVEN = set(
    "的了是在和与及或把被让给向对从于为也都就还又再很更最不没无有这那些个们我你他她它您其某该此"
    "每各市县区镇乡村省局厅处科室所站队部委办院校厂店司公会街路号楼栋元年月日时分秒记任师"
    "员工人家里上下中前后左右内外门口们说讲称要想去来到过被让叫问打找给拿帮做干办看等能会可已"
    "着吧吗呢啊呀哦嘛啦吧副总、，。；：！？（）"
    # from the real data: words that follow a role word (村民权益, 出借人强烈, 教师节, 律师费)
    "益访产证课烈示告查量屋舍节费约尽整玩调视架区噪补户城案班项目领伤交组批住物当两位跟词忽标"
    "姓未"
)


# two-character words that start with a surname character and follow a role word
_COMMON_AFTER_ROLE = _words(
    "党委 党支 支部 支书 国家 全体 全部 方面 安全 安排 时间 信息 文件 金额 高度 高层 关于 关系 "
    "包括 通知 严重 尤其 于是 由于 应当 应该 许多 常年 常住 马上 方便 程序 车辆 车位 房子 管理 "
    "明白 明确 明显 代表 委员 公司 公安 平台 朋友 同事 同学 居民 市民 村民 江边 万元 和谐 计划 "
    "楼里 楼上 楼下 楼道 楼顶 楼房 楼盘 陆续 解决 解释 强制 强行 毕业 毕竟 曾经 成功 成为 "
    "连续 连忙 多次 单位 单独 宁愿 向上 向下 左右 占用 经常 相关 相应 相信 相互 支付 支持 "
    "余额 余下 付款 付费 戴上 冷静 夏天 秋天 冬天 白天 晚上 查询 查看 查处 查明 要求 邢台 "
    "黄色 白色 蓝色 红色 金色 能否 能够 柏油 古镇 古城 华为 苏宁 京东 苏州 杭州 温州 广州 "
    "沈阳 南京 南昌 南宁 长沙 武汉 成都 重庆 福州 厦门 贵阳 昆明 郑州 济南 合肥 太原 西安 "
    "兰州 银川 海口 哈尔滨 石家庄 乌鲁 上海 天津 北京 深圳 东莞 佛山 珠海 中山 惠州 江门 "
    "宁波 台州 金华 嘉兴 湖州 绍兴 丽水 衢州 舒服 舒适 和平 平安 平时 平常 平等 时候 时时 "
    "安装 安置 安心 安排 方案 方式 方法 向前 陈述 盛世 盛情 庞大 景区 景点 经过 经理 施工 "
    "施行 吉利 龙湖 万科 保利 碧桂 恒大 华润 金地 招商 雅居 融创 旭辉 阳光 卓越 富力 "
    "申请 申报 申诉 汤圆 包装 包装盒 费用 项目 乔迁 宋体 林地 林场 江湖 齐全 齐心 "
    "甘心 甘愿 谈话 谈判 党员 党组 祝福 贺电 邓小 毛泽 周恩 马克 孙中 任何 任意 任职 "
    "黄牛 利益 利用 钱财 周旋 宿舍 房屋 司机 任课 相约 强烈 满心 宁静 幸福 车拥 来往 包含 "
    "应尽"
)
_PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
PLATE_RE = re.compile(
    r"(?<![A-Za-z0-9])(["
    + _PLATE_PROVINCES
    + r"][A-HJ-NP-Za-hj-np-z][·• \-]?[A-HJ-NP-Za-hj-np-z0-9]{4,5}[A-HJ-NP-Za-hj-np-z0-9挂学警])"
    r"(?![A-Za-z0-9])"
)
ORDER_RE = re.compile(
    r"(?:订单号码|订单编号|订单号|订单|定单号|定单|交易单号|交易号|支付单号|商户单号|流水号|合同编号|合同号|保单号|"
    r"退款单号|售后单号|服务单号|工单号|(?<![递流运诉])单号)(?:是|为)?[:： ]*"
    r"([A-Za-z0-9][A-Za-z0-9\-]{5,39})(?![A-Za-z0-9_*-])"
)
ORDER_MORE_RE = re.compile(r"(?:和|、|及|,|，)([A-Za-z0-9][A-Za-z0-9\-]{5,39})(?![A-Za-z0-9_*-])")
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


# addresses with no road or compound word (issue 5): a building with a room or unit number
# (荷塘月色6栋1504, 1栋2304, 3栋2单元), a numbered house after a town or village
# (林城镇黄泥井269号), a numbered house on a road section (万丽家一段318号)
ADDRESS_ROOM_RE = re.compile(
    _BLOCK + r"?" + _BNUM + r"(?:栋|幢|号楼|座)[ \-]?"
    r"(?:\d{1,2}单元[ \-]?(?:\d{3,4}(?:室|房|号)?)?|\d{3,4}(?:室|房|号)?)"
    r"(?![\d.年月多户余平㎡mM])"  # not 8栋600多户, 3栋105m2, 2单元2018年
)
_COMPOUND_STOP = set("且对把被给从向往和与及或这那些各每该其紧贴靠临近旁边等所们还有")
# what names no particular compound (小区7栋业主)
_GENERIC_COMPOUND = _words("小区 社区 本小区 该小区 新区 老区 片区")
ADDRESS_BUILDING_RE = re.compile(
    _BLOCK + r"?" + _BNUM + r"(?:栋|幢|号楼)"
    r"(?=的?(?:业主|住户|居民|住宅|公寓|商铺|门面|房子|房屋|户型|[一二两三四]居室))"
)
ADDRESS_HOUSE_RE = re.compile(
    r"(?:镇|乡|村|街道)(" + _HAN + r"{2,5}?\d{1,4}号)(?![线令文\d])"
    r"|([一二三四五六七八九十东西南北中]段\d{1,4}号)(?![线令文\d])"
)
_HAN_CHAR = re.compile(_HAN)
_BUILDING_WORD = re.compile(r"栋|幢|座|号楼")
# a unit word after a number: without one no street address can match (a cheap test first)
_UNIT_HINT = re.compile(
    r"[\dA-Za-z一二三四五六七八九十百零〇](?:号|弄|栋|幢|座|单元|层|楼|室|户|组|排)"
)


def _han_before(norm: str, pos: int, most: int) -> int:
    """How many of the characters before ``pos`` (at most ``most``) may be part of a place
    name (``_HAN``)."""
    n = 0
    while n < most and pos - n > 0 and _HAN_CHAR.match(norm[pos - n - 1]):
        n += 1
    return n


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
                # a second one listed after it (订单号50778795174和59671095217)
                more = ORDER_MORE_RE.match(norm, m.end(1))
                if more and len(more.group(1)) >= len(value) - 2:
                    add((more.start(1), more.end(1), ORDER_NUMBER))
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
        for m in LOCAL_RE.finditer(norm):
            add((m.start(1), m.end(1), LANDLINE))
            if m.group(2):
                add((m.start(2), m.end(2), LANDLINE))
        for m in QQ_RE.finditer(norm):
            add((m.start(1), m.end(1), QQ))
        for m in PLATE_RE.finditer(norm):
            tail = m.group(1)[2:]
            if sum(c.isdigit() for c in tail) >= 3:
                add((m.start(1), m.end(1), PLATE))
        for unit in _BUILDING_WORD.finditer(norm):
            # the regex runs only around a building word (cheap on long texts)
            lo = max(0, unit.start() - 16)
            for m in ADDRESS_ROOM_RE.finditer(norm, lo, unit.end() + 16):
                n = _han_before(norm, m.start(), 8)  # the compound's name (荷塘月色6栋1504)
                start = m.start() - (n if n >= 2 else 0)
                while norm[start] in "省市县区镇":  # the end of the district (A3区钰龙佳园…)
                    start += 1
                add((start, m.end(), ADDRESS))
            # a named compound's building that someone lives in or owns, with no room number
            # (中粮鸿云10栋业主, 光蓝雍景阁2栋的业主, 金科时代三期2栋的公寓)
            for m in ADDRESS_BUILDING_RE.finditer(norm, lo, unit.end() + 8):
                n = _han_before(norm, m.start(), 8)
                # the compound's name stops at a function word (且紧贴21栋, 对小区7栋)
                while n and norm[m.start() - n] in _COMPOUND_STOP:
                    n -= 1
                compound = norm[m.start() - n : m.start()]
                if n < 2 or compound in _GENERIC_COMPOUND:
                    continue
                if any(ch in _COMPOUND_STOP for ch in compound):
                    continue
                start = m.start() - n
                while norm[start] in "省市县区镇":
                    start += 1
                add((start, m.end(), ADDRESS))
        if "号" in norm:
            for m in ADDRESS_HOUSE_RE.finditer(norm):
                if m.group(1):
                    add((m.start(1), m.end(1), ADDRESS))
                elif (n := _han_before(norm, m.start(2), 6)) >= 2:  # 万丽家一段318号
                    add((m.start(2) - n, m.end(2), ADDRESS))
        for m in ADDRESS_RE.finditer(norm) if _UNIT_HINT.search(norm) else ():
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
    names_no_marker(norm, add)
    return found


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def _given_ok(name: str) -> bool:
    return all(ch not in _NOT_GIVEN for ch in name[1:])


@lru_cache(maxsize=4096)
def _is_word(word: str) -> bool:
    """A word of the jieba dictionary that is not a person's name (宣传, 尚未, 国际 — but not
    王平 or 周旋, which the dictionary tags as names): what starts with a surname character
    after a role word without being a name."""
    import rjieba

    if not rjieba.has_word(word):
        return False
    tags = rjieba.tag(word)
    return not (len(tags) == 1 and tags[0][1].startswith("nr"))


@lru_cache(maxsize=4096)
def _is_common_word(word: str) -> bool:
    """A dictionary verb, adverb, adjective, pronoun or common noun (批评, 领导, 物业) — not a
    place or other proper noun (长河, 春华), which given names often are."""
    import rjieba

    if not rjieba.has_word(word):
        return False
    tags = rjieba.tag(word)
    return len(tags) == 1 and (tags[0][1] in ("n", "vn", "an") or tags[0][1][:1] in "vdacpr")


@lru_cache(maxsize=4096)
def _is_verb(word: str) -> bool:
    """A dictionary verb, adverb, conjunction or preposition (涉嫌, 私自, 虽然)."""
    import rjieba

    if not rjieba.has_word(word):
        return False
    tags = rjieba.tag(word)
    return len(tags) == 1 and tags[0][1][:1] in ("v", "d", "c", "p")


# surname characters that start words far more often than names (来开, 查清, 关怀, 管床)
_RARE_START = set("来查关信明管区")


def _name_like(name: str) -> bool:
    return (
        len(name) >= 2
        and name[0] not in _RARE_START
        and name[:2] not in _COMMON_AFTER_ROLE
        and _given_ok(name)
        and not _is_word(name[:2])
        # 严厉批评院长, 理解领导同志, 时任物业经理 (but 春华, 长河 are given names)
        and not (len(name) == 3 and _is_common_word(name[1:]))
    )


def _unmarked(raw: str) -> str:
    """A name after a role word: 2–3 characters starting with a surname, trimmed like a name
    after a marker, not a common word."""
    name = _trim_name(raw)
    return name if name and _name_like(name) else ""


def _before_titles(norm: str) -> list[tuple[int, str]]:
    """The 3 and the 2 Chinese characters right before each title (周晖书记, 邓意天同志)."""
    out = []
    for m in TITLE_RE.finditer(norm):
        p = m.start()
        for n in (3, 2):
            if p >= n and all(_is_han(ch) for ch in norm[p - n : p]):
                out.append((p - n, norm[p - n : p]))
    return out


# --- names the part-of-speech tagger finds (issue 5, fourth round): jieba's HMM tags a word it
# does not know as a person's name (``nr``) when its characters look like one (王谦一, 曹辉黎,
# 龚仿). Alone that is far too loose (it tags 幼儿园, 楚府, 王府井 ``nr``), so a tagged word is
# kept only when it is not a word of the dictionary, starts with a common surname, passes the
# checks of a name after a role word, and is not followed by what ends a place, an estate or a
# company (梅溪湖, 荣盛花园, 凯乐国际城).
_PLACE_AFTER = re.compile(
    r"小区|花园|公司|集团|大道|社区|广场|大厦|中学|小学|学校|学院|大学|医院|公寓|家园|新村|新城|"
    r"国际|置业|地产|房产|物业|科技|实业|有限|酒店|宾馆|银行|商场|超市|市场|中心|工业|电器|汽车|"
    r"[路街巷村镇乡区县市省州湖山江河桥港湾园苑府城庄岭冲塘坪洲岛坡寺庙堂阁楼栋号组队线站厂店咀"
    r"局所院委办部科处室馆场墅居坊庭郡苑里口门堤垸圩井田溪]"
)
# a name's last characters that are really the start of the next word (孙奇亚到现场)
_TAG_TRAIL = _NOT_GIVEN | _NAME_STOP | _NAME_STOP_LATE | {"至"}
# characters that end estate and place names, not given names (华庭, 林溪苑, 羊思坡)
_PLACE_END = set("苑庭园府湾郡城阁墅轩坡岭冲塘垸圩镇乡村县区市省州线滩居咀营邸坪")
# characters of a tagged word that no given name has (满叔, 花卡, 班累, 安监, 石墩)
_TAGGED_NOT_GIVEN = set("累卡监叔伯姨婶舅姑爷奶哥姐弟妹嫂墩足佰仟拾苑庭园府郡墅邸")
# nouns after a tagged word that still let it be a name (胡华衡书记, 王冬孟身故); any other
# noun of two characters or more after it makes it a brand, a place or a company (荣盛花语馨苑,
# 路虎极光, 龙骧巴士, 景朝产业)
_NOUNS_AFTER_NAME = (
    _ROLE_WORDS
    | _TITLES
    | _words(
        "同志 先生 女士 老师 师傅 同学 本人 夫妇 夫妻 母子 母女 父子 父女 一家 家属 家人 身故 "
        "去世 逝世 死亡 名下 户口 电话 手机 身份证 本人 账户 个人 老人 老板 之母 之父 之妻"
    )
)


# words the tagger takes for names that are brands or common words the dictionary lacks
_NOT_TAGGED_NAMES = _words(
    "普惠 官宣 官微 师德 权健 花植 左拐 安卓 路虎 武广 平峰 荣威 智尊 欧歌 辛巴 海服康 莫林 白狼 "
    "尚德 利保 施策 文综 易贷 严萧 何荣 强拉强 何存 何在 喻晓 封尘 周张 叶黄 叶盛 侯违 宁韶 "
    "苏修 艾弗瑞 荣盛 龙骧 马嘴 黄星 岳临 方瑞 "
    # found by the first run on the third held-out sample
    "蓝屏 申领 景逸 高粟"
)
# a surname character that is the data sets' stand-in for the province (楚府, 楚雅, 楚味, 商楚)
# (南迁, 原波丝猫, 商转公, 官威, 玖富普惠: surnames that start other words far more often)
# (金茂悦, 金鹰, 谷云邸, 麻田, 花桥, 阿布, 麦潮: estates, brands and places)
_TAGGED_RARE = set("楚路南原商官富金谷麻花阿麦惠") | _RARE_START


# a company, shop or school named like a person, a few words later (富惠天下商务有限公司,
# 周楠中学, 展星投资): checked at every occurrence of a tagged name
_COMPANY_AFTER = re.compile(
    r"[^\W\d_A-Za-z的了是在和与及或把被让给向对从于为也都就还又再很更最不没无有这那些个们我你他她它您其某该此说]{0,4}"
    r"(?:有限|公司|集团|投资|商务|科技|实业|置业|地产|酒店|宾馆|中学|小学|学校|机构|医院|诊所|门店|"
    r"商行|车行|超市|商城|[(（]?精选)"
)
# the single character the tagger leaves after a two-character name (刘斌|云, 吴梅|红, 龚仿|佑)
_TAIL_TAGS = ("nr", "ns", "zg", "ng", "a", "nrt")


def _company_named(norm: str, name: str) -> bool:
    pos = norm.find(name)
    while pos >= 0:
        if _COMPANY_AFTER.match(norm, pos + len(name)):
            return True
        pos = norm.find(name, pos + len(name))
    return False


def _noun_after_ok(tags: list[tuple[str, str]], i: int) -> bool:
    """The word after the ``i``-th tagged word does not make it part of a longer name."""
    if i + 1 >= len(tags):
        return True
    word, tag = tags[i + 1]
    return not tag.startswith("n") or len(word) < 2 or word in _NOUNS_AFTER_NAME


def _tagged_names(norm: str) -> list[tuple[int, str]]:
    """Person names the jieba tagger (``rjieba.tag``, HMM on) marks ``nr`` among the words it
    does not know, filtered for precision (see ``_PLACE_AFTER``)."""
    import rjieba

    out: list[tuple[int, str]] = []
    pos = 0
    tags = rjieba.tag(norm)
    for i, (word, tag) in enumerate(tags):
        start = norm.find(word, pos)
        if start < 0:  # the tagger changed the text (it should not): stop looking
            break
        pos = start + len(word)
        if tag not in ("nr", "nrfg") or not 2 <= len(word) <= 5 or rjieba.has_word(word):
            continue
        name = word
        while len(name) > 2 and name[-1] in _TAG_TRAIL:
            name = name[:-1]
        if len(name) > (4 if name[:2] in _COMPOUND_SURNAMES else 3):
            continue
        last = i  # the index of the name's last word in ``tags``
        if len(name) == 2 == len(word) and i + 1 < len(tags):
            nxt, nxt_tag = tags[i + 1]
            if (
                len(nxt) == 1
                and nxt_tag in _TAIL_TAGS
                and _is_han(nxt)
                and nxt not in _TAG_TRAIL
                and nxt not in _PLACE_END
                and not _PLACE_AFTER.match(nxt)
            ):
                name = word = word + nxt  # 刘斌云, 吴梅红, 卢鸣鸿
                last = i + 1
        if name[0] not in _SURNAMES and name[:2] not in _COMPOUND_SURNAMES:
            continue
        if name[0] in _TAGGED_RARE or name in _NOT_TAGGED_NAMES:
            continue
        if any(ch in _TAGGED_NOT_GIVEN for ch in name[1:]):
            continue
        end = start + len(name)
        before = norm[start - 1] if start else ""
        if (
            name[-1] in _PLACE_END
            or _PLACE_AFTER.match(norm, end)
            or (name == word and not _noun_after_ok(tags, last))
            or (before and _is_han(before) and _is_word(before + name[0]))  # 这张卡, 一路
            or (name[0] == "于" and before and _is_han(before))  # 造福于民, 毕业于西地省
            or (before and before in "这那一两几每哪此该")  # 这张卡, 一位
            or (norm.startswith("至", end) and not norm.startswith("至今", end))  # 马营至沿江
            or norm[end : end + 1] in ("[", "〔", "【")  # a document number (宁纪通[2018]13号)
            or not _name_like(name)
            or _company_named(norm, name)
        ):
            continue
        out.append((start, name))
    return out


def names_no_marker(norm: str, add: Callable[[tuple[int, int, str]], None]) -> None:
    """Names with no marker word before them (see ``ROLE_NAME_RE``, ``TITLE_RE``), the names
    the tagger finds (``_tagged_names``), the names listed after them, and every other
    occurrence of a name found in the text."""
    found: list[tuple[int, str]] = _tagged_names(norm)
    for m in ROLE_NAME_RE.finditer(norm):
        role, raw = m.group(1), m.group(2)
        if role == "书记" and m.start() > 0 and norm[m.start() - 1] in "村省市县区镇乡党团":
            continue  # 村书记 is a role of its own; 党委书记 is no role before a name
        if _is_word(role[-1] + raw[0]) or _is_word(role + raw[0]):
            continue  # the role word is part of a longer word (老公司, 律师费, 教师节)
        name = _unmarked(raw)
        if name:
            found.append((m.start(2), name))
    for start, raw in _before_titles(norm):
        if len(raw) == 3 and raw[0] in _BEFORE_NAME:
            raw, start = raw[1:], start + 1  # 向周晖书记, 由顾花副局长
        if start > 0 and norm[start - 1] in "省市县区州镇乡村":
            continue  # a place before a title (梅田湖镇长福村, A7县长丰星城)
        if len(raw) == 2:
            if raw[0] in _BEFORE_NAME:
                continue  # 向王市长, 找张经理: a word, a surname and a title
            if start > 0 and _is_han(norm[start - 1]) and norm[start - 1] not in _BEFORE_NAME:
                continue  # the end of a longer word (班主任张老师, 教师节老师)
        if raw[0] in _BEFORE_NAME and raw[1] in _SURNAMES:
            continue  # 对于毛警官: a word, a surname and a title
        if raw[0] not in _SURNAMES or not _name_like(raw):
            continue
        found.append((start, raw))
    names: set[str] = set()
    for start, name in found:
        end = start + len(name)
        if len(name) == 3 and end < len(norm) and _is_verb(name[2] + norm[end]):
            name = name[:2]  # 毛钧涉嫌, 胡洁私自, 陈洪拒绝: the name ends before a verb
        if len(name) == 3 and name[0] in _BEFORE_NAME and name[1] in _SURNAMES:
            name, start = name[1:], start + 1  # 受害人向毛骏反映

        add((start, start + len(name), NAME))
        names.add(name)
        pos = start + len(name)
        while (more := NAME_LIST_AFTER_ROLE_RE.match(norm, pos)) is not None:
            listed = _unmarked(more.group(1))
            if not listed:
                break
            add((more.start(1), more.start(1) + len(listed), NAME))
            names.add(listed)
            pos = more.start(1) + len(listed)
    for name in names:
        pos = norm.find(name)
        while pos >= 0:
            add((pos, pos + len(name), NAME))
            pos = norm.find(name, pos + len(name))


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
