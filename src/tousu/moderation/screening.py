"""Screening: is this a consumption dispute, and if not, why not?

``screen(complaint_or_text)`` returns a ``Suggestion``: accept or reject, the likely rejection
reason (a ``RejectionReason`` value), a confidence and the words that drove it. It suggests;
the moderator decides. Three reasons come from rules, not from the model: a repeat of the
consumer's own open complaint (near-duplicate check), a purchase older than the age limit, and
no identifiable company. Obvious ads (gambling, adult sites, "代理退费" agents, contact-me ads)
are caught by explicit rules too (``spam_rules``), with the words that matched. A text too
short to judge is "insufficient". The model (a linear classifier over hashed words and
character n-grams, ``scripts/train_screening.py``) tells
consumption disputes from citizen messages about public affairs, spam and advertising, and
insults without facts.

``suggest_labels(text)`` proposes the company's sector and the complaint's problem types
(trained the same way); the consumer and the moderator can change them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.utils import timezone

from tousu.common.text import normalize_name

from .features import feature_strings, normalise
from .model import load, sigmoid, softmax
from .spam_rules import CONFIDENCE as SPAM_RULE_CONFIDENCE
from .spam_rules import spam_match

if TYPE_CHECKING:
    from tousu.complaints.models import Complaint

ACCEPT = "accept"
REJECT = "reject"

# model class → RejectionReason value
MODEL_REASONS = {
    "not_consumer_dispute": "not_consumer_dispute",
    "spam": "spam",
    "insult": "insult",
}
# shorter than this (characters that carry meaning, title and details together) → insufficient
MIN_CHARS = 12
# below these probabilities the models propose nothing (docs/moderation.md)
SECTOR_MIN = 0.5
PROBLEM_MIN = 0.85
# names that identify nobody
_NO_COMPANY = frozenset(
    normalize_name(n)
    for n in (
        "无",
        "没有",
        "不知道",
        "不清楚",
        "未知",
        "某公司",
        "某平台",
        "某商家",
        "商家",
        "公司",
        "平台",
        "个人",
        "骗子",
        "客服",
        "待定",
        "其他",
        "其它",
        "null",
        "none",
        "n/a",
        "test",
        "测试",
    )
)
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_MEANINGFUL = re.compile(r"[\w]", re.UNICODE)
# problem types named outright in the text (the model is weak on rare types: docs/moderation.md)
_PROBLEM_WORDS = [
    (re.compile("退款|退货|退钱|不退|拒绝退"), "refund_difficult"),
    (re.compile("虚假宣传|虚假广告|货不对板|与描述不符|误导"), "false_advertising"),
    (re.compile("质量问题|质量差|坏了|故障|异响|漏水|破损|假货|有虫"), "quality"),
    (re.compile("未发货|不发货|没发货|物流|快递|迟迟不到|延迟发货|没收到货"), "delivery"),
    (re.compile("售后|客服不处理|客服不理|联系不上客服|三包"), "after_sales"),
    (re.compile("霸王条款|格式条款"), "unfair_terms"),
    (re.compile("自动续费|自动扣费|连续包月|自动续订"), "auto_renewal"),
    (re.compile("乱收费|多收费|价格欺诈|砍头息|高额手续费|乱扣费"), "price"),
    (re.compile("诈骗|骗局|被骗|欺诈"), "fraud"),
    (re.compile("催收|骚扰电话|爆通讯录"), "harassment"),
    (re.compile("泄露.*信息|个人信息|隐私"), "privacy"),
    (re.compile("封号|账号被封|冻结|封禁"), "account"),
]


@dataclass(frozen=True)
class Suggestion:
    decision: str  # "accept" | "reject"
    reason: str  # a RejectionReason value, "" when accepting
    confidence: float  # 0..1, how sure the suggestion is
    top_terms: list[str] = field(default_factory=list)
    rule: str = ""  # which rule decided, "" when the model did
    scores: dict[str, float] = field(default_factory=dict)  # model class probabilities
    duplicate_of: int | None = None  # the consumer's own open complaint this repeats


@dataclass(frozen=True)
class LabelSuggestion:
    sector: str
    sector_confidence: float
    problem_types: list[str]


def complaint_text(title: str, details: str) -> str:
    return f"{title}。{details}"


def _top_terms(features: list[str], contrib: np.ndarray, limit: int = 6) -> list[str]:
    order = np.argsort(-contrib)
    chosen: list[str] = []
    for i in order[: limit * 6]:
        if contrib[i] <= 0:
            break
        term = features[i][2:]
        if len(term) < 2 or term.isdigit() or any(term in t for t in chosen):
            continue
        chosen = [t for t in chosen if t not in term]
        chosen.append(term)
        if len(chosen) >= limit:
            break
    return chosen


def screen_text(text: str, *, features: list[str] | None = None) -> Suggestion:
    """Screen a text on its own (no company, date or duplicate rules)."""
    compact = "".join(_MEANINGFUL.findall(normalise(text)))
    feats = features if features is not None else feature_strings(text)
    model = load().screening
    idx, names = model.buckets(feats)
    scores = model.scores(idx)
    probs = softmax(scores)
    best = int(probs.argmax())
    label = model.classes[best]
    # each feature's pull towards the chosen class against the average class
    rows = model.weights_t[idx]
    contrib = rows[:, best] - rows.mean(axis=1)
    terms = _top_terms(names, contrib)
    class_probs = {c: round(float(p), 4) for c, p in zip(model.classes, probs, strict=True)}
    spam = spam_match(text)
    if spam is not None:  # an obvious ad: the rule's words are the reason shown
        return Suggestion(
            REJECT,
            "spam",
            max(SPAM_RULE_CONFIDENCE, class_probs.get("spam", 0.0)),
            spam.words[:8],
            f"spam:{spam.family}",
            class_probs,
        )
    if len(compact) < MIN_CHARS and label in (ACCEPT, "not_consumer_dispute"):
        return Suggestion(REJECT, "insufficient", 0.9, terms, "too_short", class_probs)
    if label == ACCEPT:
        return Suggestion(ACCEPT, "", float(probs[best]), terms, "", class_probs)
    return Suggestion(REJECT, MODEL_REASONS[label], float(probs[best]), terms, "", class_probs)


def _too_old(complaint: Complaint, today: date) -> bool:
    max_days = int(settings.TOUSU["MAX_COMPLAINT_AGE_DAYS"])
    if complaint.purchase_date:
        return (today - complaint.purchase_date).days > max_days
    years = [int(y) for y in _YEAR.findall(complaint.details)]
    return bool(years) and max(years) < today.year - max_days // 365


def screen(target: Complaint | str) -> Suggestion:
    """Screen a complaint (all rules and the model) or a bare text (the model and length)."""
    if isinstance(target, str):
        return screen_text(target)
    return screen_with_signature(target, None)


def screen_with_signature(
    complaint: Complaint,
    hv: np.ndarray | None,
    *,
    features: list[str] | None = None,
    base: Suggestion | None = None,
) -> Suggestion:
    """``screen`` for a complaint whose MinHash signature (and features, or the model's
    suggestion for its text) may already be computed."""
    if base is None:
        base = screen_text(complaint_text(complaint.title, complaint.details), features=features)
    if base.rule.startswith("spam:"):
        return base  # an ad stays an ad whatever company or date it names
    from .duplicates import find_own_open_duplicate

    dup = find_own_open_duplicate(
        consumer_id=complaint.consumer_id,
        company_id=complaint.company_id,
        title=complaint.title,
        details=complaint.details,
        exclude_id=complaint.pk,
        hv=hv,
    )
    if dup is not None:
        return Suggestion(
            REJECT,
            "duplicate",
            dup[1],
            base.top_terms,
            "duplicate",
            base.scores,
            duplicate_of=dup[0].pk,
        )
    if _too_old(complaint, timezone.localdate()):
        return Suggestion(REJECT, "too_old", 0.8, base.top_terms, "too_old", base.scores)
    name = normalize_name(complaint.company.name)
    if len(name) < 2 or name in _NO_COMPANY:
        return Suggestion(REJECT, "no_company", 0.9, base.top_terms, "no_company", base.scores)
    return base


def suggest_labels(text: str, *, features: list[str] | None = None) -> LabelSuggestion:
    """The company's likely sector and the complaint's likely problem types."""
    models = load()
    feats = features if features is not None else feature_strings(text)
    idx, _ = models.sector.buckets(feats)  # sector and problems share the bucket count
    sprobs = softmax(models.sector.scores(idx))
    best = int(sprobs.argmax())
    pprobs = sigmoid(models.problems.scores(idx))
    problems = {c for c, p in zip(models.problems.classes, pprobs, strict=True) if p >= PROBLEM_MIN}
    norm = normalise(text)
    problems.update(pt for pattern, pt in _PROBLEM_WORDS if pattern.search(norm))
    order = [c for c, _ in _PROBLEM_WORDS_ORDER if c in problems]
    confidence = float(sprobs[best])
    sector = models.sector.classes[best] if confidence >= SECTOR_MIN else ""
    return LabelSuggestion(sector, round(confidence, 4), order)


_PROBLEM_WORDS_ORDER = [(pt, None) for _, pt in _PROBLEM_WORDS]
