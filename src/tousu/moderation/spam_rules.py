"""Explicit spam and advertising rules beside the screening model (issue 5 §4, ADR 0014).

The model learnt spam from synthetic templates and misses ads unlike them (docs/moderation.md,
"Out-of-sample check": a lottery tip ad came out as *accept*). These rules catch the obvious
kinds by their words and say which words matched:

- ``gambling``: 博彩/彩票 ads (澳门葡京, 百家乐, 彩金, 内部消息 …);
- ``adult``: adult-site and escort ads (约炮, 裸聊, 福利视频 …);
- ``recovery_agent``: "代理退费" recovery agents (代理退保, 停息挂账, 成功后收费 …);
- ``contact_ad``: contact-me ads (兼职刷单, 贷款, 代购 … with 加微信/QQ + an id, 私聊, 有意者).

An ad must also ask to be contacted (a contact marker with an id, an invitation such as 私聊 or
有意者, or a web address); the adult and gambling families also fire on enough words alone.
Complaints mention 退费, 联系 and even 代理退保 legitimately: a consumer's own story (我在…,
我购买…, 本人于…) vetoes every rule unless the text also invites contact without an id (私聊,
有意者 …), which consumers do not write. The rules suggest, like the model; a moderator decides.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .features import normalised_text

# what is removed before matching: spaces (ads space words out: 加 微 信) and punctuation,
# except what ids and web addresses are made of (. _ - @)
_STRIP = re.compile(r"[\s,;:!?'\"()\[\]{}<>、，。；：！？“”‘’（）【】《》…—|*#~=+/\\·]+")

GAMBLING = re.compile(
    r"澳门(?:葡京|新葡京|威尼斯人|金沙|银河|赌场)|葡京|博彩|百家乐|六合彩|时时彩|北京赛车|pk10"
    r"|幸运飞艇|彩票(?:内部|计划|导师|群)|内部(?:消息|计划|资料)|准确率(?:百分百|100%?)"
    r"|稳赚不赔|包赢|必中|计划群|导师带(?:单|飞)|彩金|首充|返水|真人(?:娱乐|视讯|荷官)"
    r"|棋牌(?:游戏|平台)|老虎机|电子游艺|网投|体育(?:投注|博彩)|赌球|线上赌场|娱乐城"
)
ADULT = re.compile(
    r"约炮|裸聊|一夜情|同城(?:约|交友|美女|上门)|上门服务|(?:福利|成人|黄色|激情|色情)"
    r"(?:视频|网站|直播|电影|片)|看片|援交|学生妹|少妇|外围(?:女|模特)|全套服务"
)
RECOVERY_AGENT = re.compile(
    r"代理(?:退费|退款|退保|维权|投诉|协商)|(?:专业|协助|帮[你您]|代办|一对一)"
    r"(?:退费|退款|退保|追回|维权|投诉|协商还款)|停息挂账|(?:协商|个性化)(?:还款|分期)"
    r"|全额退(?:保|费|款|回)|(?:不成功|没成功|退不了|退不回)不收费|成功后(?:再)?收费"
    r"|先(?:退款?|出结果)后收费|追回(?:损失|被骗|款项|资金|欠款)|逾期(?:协商|处理|上岸)"
)
OFFER = re.compile(
    r"兼职|刷单|日结|日赚|月入|躺赚|宝妈|代购|低价出售|出售|收购|贷款|下款|秒批|额度|免息"
    r"|免费领|招募|招聘|代办|代练|上分|引流|涨粉|批发|货源|一手|回收"
)
# a contact marker followed by an id or number: 加微信tuifei888, 加q12345678, vx:abc123
CONTACT_ID = re.compile(
    r"((?:加|添加|联系|咨询|私聊|私信|滴滴|dd|扣|找)(?:我|本人|客服)?"
    r"(?:微信|薇信|威信|v信|vx|wx|qq|扣扣|tg|飞机|电话|手机|v|微|威|薇|q)?"
    r"|(?:微信|薇信|威信|v信|vx|wx|qq|扣扣|tg|飞机)号?)[a-z0-9][a-z0-9_\-]{4,}"
)
# an invitation to contact that consumers do not write in their own complaint
INVITATION = re.compile(
    r"私聊|私信我|滴滴我|dd我|扣我|v我|有意者|有需要的|需要的(?:朋友|联系|私聊|加|滴滴)"
    r"|欢迎(?:咨询|来电|加)|免费咨询|咨询热线|详情咨询|点击(?:进入|链接|领取)"
)
URL = re.compile(
    r"(?:https?://|www\.)[a-z0-9.\-]+|[a-z0-9\-]+\.(?:com|cn|net|top|vip|cc|xyz|app|me)\b"
)
# a consumer's own story
NARRATIVE = re.compile(
    r"我(?:在|于|从|通过|找了|被|购买|买了|买的|充值|支付|付了|下单|申请|报名|报了|办理|办了|签了"
    r"|交了)|本人(?:在|于|购买|通过)"
)

FAMILY_LABELS = {
    "gambling": _("博彩广告"),
    "adult": _("色情广告"),
    "recovery_agent": _("代理退费广告"),
    "contact_ad": _("留联系方式的广告"),
}
CONFIDENCE = 0.95


@dataclass(frozen=True)
class SpamMatch:
    family: str  # a key of FAMILY_LABELS
    words: list[str]  # the matched words, family words first, then the contact markers


def rule_label(rule: str) -> str:
    """「博彩广告」… for a screening rule ``spam:<family>``, "" for any other rule."""
    family = rule.removeprefix("spam:") if rule.startswith("spam:") else ""
    return str(FAMILY_LABELS.get(family, ""))


def _distinct(pattern: re.Pattern[str], text: str) -> list[str]:
    return list(dict.fromkeys(m.group(0) for m in pattern.finditer(text)))


def _contact_markers(text: str) -> list[str]:
    """The marker part of each contact (``加微信``, not the id: moderators need the why)."""
    return list(dict.fromkeys(m.group(1) for m in CONTACT_ID.finditer(text) if m.group(1)))


def spam_match(text: str) -> SpamMatch | None:
    """The spam family ``text`` obviously belongs to, with the words that show it, or None."""
    compact = _STRIP.sub("", normalised_text(text))
    invitations = _distinct(INVITATION, compact)
    contacts = _contact_markers(compact)
    urls = _distinct(URL, compact)
    if NARRATIVE.search(compact) and not invitations:
        return None
    asks = bool(invitations or contacts or urls)
    extra = invitations + contacts + (["网址"] if urls else [])

    gambling = _distinct(GAMBLING, compact)
    if (len(gambling) >= 2 and asks) or len(gambling) >= 3:
        return SpamMatch("gambling", gambling + extra)
    adult = _distinct(ADULT, compact)
    if (adult and asks) or len(adult) >= 2:
        return SpamMatch("adult", adult + extra)
    agent = _distinct(RECOVERY_AGENT, compact)
    if agent and (invitations or contacts):
        return SpamMatch("recovery_agent", agent + extra)
    offers = _distinct(OFFER, compact)
    if (offers and invitations) or (len(offers) >= 2 and contacts):
        return SpamMatch("contact_ad", offers + extra)
    return None
