"""The screening model (the committed weights file, no training data) and its rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tousu.companies.services import company_resolve_or_create
from tousu.complaints.models import Complaint
from tousu.moderation.model import MODEL_PATH, load
from tousu.moderation.screening import screen, suggest_labels

CONSUMER_DISPUTES = [
    "我在拼多多买的手机屏幕碎了，商家拒绝退款，客服一直推脱不处理，要求退货退款。",
    "美团外卖送餐超时两小时，饭菜都凉了，商家不给退款，平台客服也不管。",
    "办理了中国移动的套餐，每个月被多扣了30元流量费，客服说是自动续费，我从未同意。",
    "一汽大众迈腾刚买半年发动机异响，4S店多次维修无果，要求更换发动机。",
]
CITIZEN_MESSAGES = [
    "A市A2区某小区门口道路坑洼不平，下雨积水严重，希望有关部门尽快安排维修。",
    "请问在A市办理居住证需要哪些材料？社区说要去派出所，派出所又说去社区，希望领导给个答复。",
    "我们村的饮用水源被养殖场污染，多次向镇政府反映没有结果，请环保局派人调查处理。",
]
SPAM = [
    "专业代理退费，网贷逾期、砍头息、会员费都能退，成功后再收费，加微信tuifei888",
    "澳门葡京娱乐城注册就送88元彩金，首充翻倍，日赚5000不是梦，加QQ 12345678",
    "兼职刷单，日结300元，在家就能做，私信我",
]
INSULTS = ["京东就是垃圾！骗子！去死吧你们全家", "垃圾拼多多，人渣，畜生，早晚倒闭"]


def test_the_model_file_is_small_and_loads_without_scikit_learn() -> None:
    assert Path(MODEL_PATH).stat().st_size < 2 * 1024 * 1024
    models = load()
    assert models.screening.classes[0] == "accept"
    assert models.screening.weights_t.shape == (models.screening.dim, 4)
    assert models.metrics["binary"]["reject"][2] >= 0.95  # F1 on the held-out split


@pytest.mark.parametrize("text", CONSUMER_DISPUTES)
def test_consumption_disputes_are_suggested_for_acceptance(text: str) -> None:
    s = screen(text)
    assert (s.decision, s.reason) == ("accept", "")
    assert 0.5 < s.confidence <= 1
    assert s.top_terms and all(len(t) >= 2 for t in s.top_terms)


@pytest.mark.parametrize("text", CITIZEN_MESSAGES)
def test_messages_to_government_are_not_consumer_disputes(text: str) -> None:
    s = screen(text)
    assert (s.decision, s.reason) == ("reject", "not_consumer_dispute")


@pytest.mark.parametrize("text", SPAM)
def test_ads_are_spam(text: str) -> None:
    assert screen(text).reason == "spam"


@pytest.mark.parametrize("text", INSULTS)
def test_insults_without_facts(text: str) -> None:
    assert screen(text).reason == "insult"


def test_the_driving_words_come_from_the_text() -> None:
    s = screen(SPAM[0])
    assert any(t in "专业代理退费网贷逾期加微信" for t in s.top_terms)


def test_traditional_chinese_gets_the_same_suggestion() -> None:
    simplified = screen(CONSUMER_DISPUTES[0])
    traditional = screen(
        "我在拼多多買的手機屏幕碎了，商家拒絕退款，客服一直推脫不處理，要求退貨退款。"
    )
    assert traditional.decision == simplified.decision == "accept"
    assert abs(traditional.confidence - simplified.confidence) < 0.05


def test_too_short_to_judge() -> None:
    s = screen("太差了！！")
    assert (s.decision, s.reason, s.rule) == ("reject", "insufficient", "too_short")


def test_label_suggestions() -> None:
    takeaway = suggest_labels(CONSUMER_DISPUTES[1])
    assert takeaway.sector == "local_services"
    assert "refund_difficult" in takeaway.problem_types
    assert "auto_renewal" in suggest_labels(CONSUMER_DISPUTES[2]).problem_types
    assert suggest_labels(CONSUMER_DISPUTES[3]).sector == "auto"


# --- rules on a complaint ----------------------------------------------------------------------


def test_a_complaint_is_screened_with_the_model(submit: Callable[..., Complaint]) -> None:
    s = screen(submit())
    assert (s.decision, s.rule) == ("accept", "")


def test_too_old_by_the_purchase_date(submit: Callable[..., Complaint]) -> None:
    c = submit(purchase_date=timezone.localdate() - timedelta(days=400))
    Complaint.objects.filter(pk=c.pk).update(
        purchase_date=timezone.localdate() - timedelta(days=4 * 365)
    )
    c.refresh_from_db()
    assert (screen(c).reason, screen(c).rule) == ("too_old", "too_old")


def test_too_old_by_the_years_in_the_text(submit: Callable[..., Complaint]) -> None:
    year = timezone.localdate().year - 5
    c = submit(details=f"{year}年在该店办了健身年卡，后来门店关闭，一直不退剩余的会员费。")
    assert screen(c).reason == "too_old"


def test_no_identifiable_company(submit: Callable[..., Complaint], consumer: object) -> None:
    nobody, _ = company_resolve_or_create(name="不知道", user=consumer)  # type: ignore[arg-type]
    c = submit(to=nobody)
    assert (screen(c).reason, screen(c).rule) == ("no_company", "no_company")
