"""The suggestion in the moderator console, groups, mass-filing evidence, the wizard hints."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.complaints.models import Complaint

pytestmark = pytest.mark.django_db

SPAM = (
    "代理退费加微信",
    "专业代理退费，网贷逾期、砍头息、会员费都能退，成功后再收费，加微信tuifei888",
)
TEMPLATE = (
    "贵公司销售的商品标签不符合《食品安全法》规定，属于不符合食品安全标准的食品，"
    "本人依法要求退一赔十，请于三日内答复，否则将向市场监督管理局举报。"
)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_shows_each_suggestion_with_its_words(
    submit: Callable[..., Complaint], moderator: User
) -> None:
    good = submit()
    spam = submit(*SPAM)
    page = login(moderator).get("/moderation/").content.decode()
    assert page.count("data-screening=") == 2
    assert "建议通过" in page
    assert "建议驳回：广告或垃圾信息" in page
    assert "依据" in page and "代理退" in page
    assert good.public_number in page and spam.public_number in page


def test_the_review_page_preselects_the_suggested_reason(
    submit: Callable[..., Complaint], moderator: User
) -> None:
    spam = submit(*SPAM)
    page = login(moderator).get(f"/moderation/complaints/{spam.public_number}/").content.decode()
    assert "data-screening-detail" in page
    assert "起作用的词" in page
    assert '<option value="spam" selected>' in page


def test_a_group_of_near_identical_complaints(
    submit: Callable[..., Complaint], moderator: User, make_user: Callable[..., User]
) -> None:
    first = submit()
    submit(by=make_user(Role.CONSUMER))
    submit(by=make_user(Role.CONSUMER))
    client = login(moderator)
    queue = client.get("/moderation/").content.decode()
    assert "相似投诉 3 条" in queue
    groups = client.get("/moderation/groups/").content.decode()
    assert f'href="/moderation/groups/{first.pk}/"' in groups
    members = client.get(f"/moderation/groups/{first.pk}/").content.decode()
    assert members.count("/moderation/complaints/") == 3
    api = client.get("/api/v1/moderation/groups").json()
    assert [(g["group_id"], g["size"]) for g in api] == [(first.pk, 3)]


def test_mass_filing_badge_and_evidence(
    submit: Callable[..., Complaint], moderator: User, companies: list[Company]
) -> None:
    done = [submit("商品标签违法要求退一赔十", TEMPLATE, to=co) for co in companies[:3]]
    client = login(moderator)
    assert "疑似批量投诉" in client.get("/moderation/").content.decode()
    page = client.get(f"/moderation/complaints/{done[-1].public_number}/").content.decode()
    assert "同一账号用相似文本投诉多家企业" in page
    assert done[0].public_number in page and done[1].public_number in page
    api = client.get(f"/api/v1/moderation/complaints/{done[-1].public_number}/screening").json()
    assert api["mass_filing"]["kinds"] == ["one_account"]
    assert api["decision"] in ("accept", "reject")


def test_only_moderators_see_suggestions_and_groups(
    submit: Callable[..., Complaint], make_user: Callable[..., User], consumer: User
) -> None:
    c = submit()
    for role in (Role.CONSUMER, Role.MERCHANT, Role.REGULATOR, Role.MEDIATOR):
        client = login(make_user(role))
        assert client.get("/moderation/groups/").status_code == 403
        assert client.get(f"/moderation/groups/{c.pk}/").status_code == 403
        resp = client.get(f"/api/v1/moderation/complaints/{c.public_number}/screening")
        assert resp.status_code == 403


def test_the_api_suggests_labels_for_the_wizard(consumer: User) -> None:
    resp = login(consumer).post(
        "/api/v1/complaint-suggestions",
        {"title": "会员自动续费", "details": "未经同意自动续费了一年视频会员，客服拒绝退款。"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    codes = [p["code"] for p in resp.json()["problem_types"]]
    assert "auto_renewal" in codes
    assert resp.json()["problem_types"][0]["label"]
    empty = login(consumer).post(
        "/api/v1/complaint-suggestions", {"details": " "}, content_type="application/json"
    )
    assert empty.status_code == 422


def test_the_wizard_hints_problem_types_and_refuses_a_near_repeat(
    consumer: User, company: Company, submit: Callable[..., Complaint]
) -> None:
    first = submit()
    client = login(consumer)
    client.post("/complaints/new/company/", {"company_name": company.name, "op": "next"})
    describe = {
        "title": "外卖超时两小时，拒绝退款！",
        "details": "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝，"
        "商家说是骑手的问题，平台说是商家的问题，互相推诿，要求全额退款并公开道歉！",
        "problem_types": ["refund_difficult"],
        "demands": ["refund"],
    }
    page = client.post("/complaints/new/describe/", {**describe, "op": "next"}).content.decode()
    assert "您已就相同内容投诉过该企业，且投诉尚未结束" in page
    assert f"/my/complaints/{first.public_number}/" in page
    assert "投诉问题可能是" in page and "退款难" in page
