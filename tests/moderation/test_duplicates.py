"""Screening on submission, near-duplicates, groups, mass filing, auto-accept, rebuild."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.complaints.states import Status
from tousu.moderation import duplicates
from tousu.moderation.models import ScreeningResult, SignatureBand, TextSignature

pytestmark = pytest.mark.django_db

TAKEAWAY = (  # the default text of the ``submit`` fixture
    "外卖超时两小时拒绝退款",
    "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝，"
    "商家说是骑手的问题，平台说是商家的问题，互相推诿，要求全额退款并道歉。",
)
EDITED = TAKEAWAY[1].replace("要求全额退款并道歉", "要求全额退款并公开道歉！")
TEMPLATE = (
    "贵公司销售的商品标签不符合《食品安全法》规定，属于不符合食品安全标准的食品，"
    "本人依法要求退一赔十，请于三日内答复，否则将向市场监督管理局举报。"
)


def test_submission_writes_one_screening_result(submit: Callable[..., Complaint]) -> None:
    c = submit()
    result = ScreeningResult.objects.get(pk=c.pk)
    assert (result.decision, result.reason) == ("accept", "")
    assert result.top_terms and result.model_version
    assert result.suggested_sector == "local_services"
    assert "refund_difficult" in result.suggested_problem_types
    assert TextSignature.objects.filter(pk=c.pk).exists()
    assert SignatureBand.objects.filter(complaint=c).count() == duplicates.BANDS


def test_a_failed_submission_leaves_no_screening(
    submit: Callable[..., Complaint], consumer: User, company: Company
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        submit()
        raise RuntimeError("rolled back")
    assert not ScreeningResult.objects.exists()
    assert not SignatureBand.objects.exists()


def test_a_repeat_of_an_own_open_complaint_is_refused_with_its_number(
    submit: Callable[..., Complaint],
) -> None:
    first = submit()
    with pytest.raises(Conflict) as info:
        submit(title="外卖超时两小时，拒绝退款！", details=EDITED)
    assert info.value.code == "duplicate_open_complaint"
    assert info.value.details["public_number"] == first.public_number
    assert Complaint.objects.count() == 1


def test_traditional_chinese_repeat_is_refused(submit: Callable[..., Complaint]) -> None:
    submit()
    with pytest.raises(Conflict):
        submit(
            title="外賣超時兩小時拒絕退款",
            details="6月1日在平台點餐，超時兩個小時才送到，飯菜已經涼了，申請退款被客服拒絕，"
            "商家說是騎手的問題，平台說是商家的問題，互相推諉，要求全額退款並道歉。",
        )


def test_a_different_order_is_not_a_repeat(submit: Callable[..., Complaint]) -> None:
    submit()
    second = submit(details=TAKEAWAY[1].replace("6月1日", "6月3日"))
    assert second.pk


def test_once_the_first_is_closed_the_repeat_is_accepted(
    submit: Callable[..., Complaint], moderator: User
) -> None:
    first = submit()
    services.complaint_reject(complaint_id=first.pk, actor=moderator, reason="insufficient")
    # rejected is not open: filing the edited text again is allowed
    again = submit(details=EDITED)
    assert again.pk != first.pk


def test_a_resubmission_that_repeats_another_open_complaint_is_refused(
    submit: Callable[..., Complaint], moderator: User
) -> None:
    open_one = submit()
    other = submit(
        title="健身房倒闭不退会员费", details="在乐享健身办了年卡，门店突然关闭，会员费不退。"
    )
    services.complaint_reject(complaint_id=other.pk, actor=moderator, reason="insufficient")
    with pytest.raises(Conflict) as info:
        services.complaint_resubmit(
            complaint_id=other.pk, actor=other.consumer, title=open_one.title, details=EDITED
        )
    assert info.value.details["public_number"] == open_one.public_number
    other.refresh_from_db()
    assert other.status == Status.REJECTED


def test_api_answers_409_with_a_link_number(
    client_for: Callable[[User | None], Client], consumer: User, company: Company
) -> None:
    form = {
        "company_id": company.pk,
        "title": TAKEAWAY[0],
        "details": TAKEAWAY[1],
        "problem_types": ["refund_difficult"],
        "demands": ["refund"],
    }
    client = client_for(consumer)
    first = client.post("/api/v1/complaints", form)
    assert first.status_code == 201
    resp = client.post("/api/v1/complaints", {**form, "details": EDITED})
    assert resp.status_code == 409
    body = resp.json()
    assert body["code"] == "duplicate_open_complaint"
    assert body["details"]["public_number"] == first.json()["public_number"]


def test_other_consumers_with_the_same_complaint_form_a_group(
    submit: Callable[..., Complaint], make_user: Callable[..., User]
) -> None:
    a = submit()
    b = submit(by=make_user(Role.CONSUMER), details=EDITED)
    c = submit(by=make_user(Role.CONSUMER))
    unrelated = submit(
        by=make_user(Role.CONSUMER),
        title="骑手态度恶劣",
        details="骑手送餐时辱骂我，还把餐扔在地上。",
    )
    roots = dict(ScreeningResult.objects.values_list("pk", "group_root"))
    assert roots[a.pk] == roots[b.pk] == roots[c.pk] == a.pk
    assert roots[unrelated.pk] is None


def test_one_account_filing_a_template_against_many_companies(
    submit: Callable[..., Complaint], companies: list[Company]
) -> None:
    done = [submit("商品标签违法要求退一赔十", TEMPLATE, to=co) for co in companies[:3]]
    first, last = (ScreeningResult.objects.get(pk=c.pk) for c in (done[0], done[-1]))
    assert not first.has_mass_filing
    assert last.has_mass_filing
    assert "one_account" in last.mass_filing["kinds"]
    numbers = {r["number"] for r in last.mass_filing["related"]}
    assert numbers == {done[0].public_number, done[1].public_number}
    assert last.mass_filing["companies"] == 3


def test_many_accounts_with_one_template(
    submit: Callable[..., Complaint], companies: list[Company], make_user: Callable[..., User]
) -> None:
    done = [
        submit("商品标签违法要求退一赔十", TEMPLATE, by=make_user(Role.CONSUMER), to=co)
        for co in companies
    ]
    last = ScreeningResult.objects.get(pk=done[-1].pk)
    assert last.mass_filing["kinds"] == ["many_accounts"]
    assert last.mass_filing["accounts"] == 5


def test_one_address_filing_from_several_accounts(
    client_for: Callable[[User | None], Client],
    companies: list[Company],
    make_user: Callable[..., User],
) -> None:
    for co in companies[:3]:
        resp = client_for(make_user(Role.CONSUMER)).post(
            "/api/v1/complaints",
            {
                "company_id": co.pk,
                "title": "商品标签违法要求退一赔十",
                "details": TEMPLATE,
                "problem_types": ["false_advertising"],
                "demands": ["compensation"],
            },
            REMOTE_ADDR="203.0.113.9",
        )
        assert resp.status_code == 201
    last = ScreeningResult.objects.latest("pk")
    assert last.mass_filing["kinds"] == ["one_ip"]
    assert last.mass_filing["client_ip"] == "203.0.113.9"
    assert set(TextSignature.objects.values_list("client_ip", flat=True)) == {"203.0.113.9"}


def test_auto_accept_is_off_by_default(submit: Callable[..., Complaint]) -> None:
    c = submit()
    c.refresh_from_db()
    assert c.status == Status.PENDING_REVIEW


def test_auto_accept_when_turned_on(
    submit: Callable[..., Complaint], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "AUTO_ACCEPT": True, "AUTO_ACCEPT_MIN_CONFIDENCE": 0.9}
    with django_capture_on_commit_callbacks(execute=True):
        c = submit()
    c.refresh_from_db()
    assert c.status in (Status.PROCESSING, Status.UNASSIGNED)
    event = c.events.get(action="accept")
    assert (event.actor_id, event.actor_role) == (None, "system")
    assert ScreeningResult.objects.get(pk=c.pk).auto_accepted


def test_auto_accept_leaves_rejections_and_rules_to_people(
    submit: Callable[..., Complaint], settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "AUTO_ACCEPT": True, "AUTO_ACCEPT_MIN_CONFIDENCE": 0.5}
    with django_capture_on_commit_callbacks(execute=True):
        c = submit(
            "代理退费加微信", "专业代理退费，网贷逾期、砍头息、会员费都能退，加微信tuifei888"
        )
    c.refresh_from_db()
    assert c.status == Status.PENDING_REVIEW
    assert ScreeningResult.objects.get(pk=c.pk).reason == "spam"


def test_rebuild_command_restores_the_index(submit: Callable[..., Complaint]) -> None:
    first = submit()
    SignatureBand.objects.all().delete()
    TextSignature.objects.all().delete()
    call_command("rebuild_duplicates", "--rescreen", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert SignatureBand.objects.filter(complaint=first).count() == duplicates.BANDS
    with pytest.raises(Conflict):
        submit(details=EDITED)


def test_old_closed_complaints_leave_the_index(
    consumer: User, company: Company, submit: Callable[..., Complaint]
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    long_ago = timezone.now() - timedelta(days=duplicates.KEEP_DAYS + 20)

    def old(n: int) -> Complaint:
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title=f"去年的外卖退款问题{n}",
                details=f"第{n}单去年点的外卖一直没送到，申请退款被拒绝，客服不处理。",
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
            ),
            now=long_ago,
        )
        return complaint

    closed, still_open = old(1), old(2)
    services.complaint_withdraw(complaint_id=closed.pk, actor=consumer, now=long_ago)
    recent = submit()
    assert duplicates.prune() == 1
    kept = set(TextSignature.objects.values_list("complaint_id", flat=True))
    assert kept == {still_open.pk, recent.pk}
    assert not SignatureBand.objects.filter(complaint=closed).exists()
    assert duplicates.rebuild() == 2
