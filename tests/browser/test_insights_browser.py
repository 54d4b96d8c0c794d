"""Insights in Chromium: a regulator receives a surge alert in site, opens it, sees why it
fired, adds a note and acknowledges it; a visitor reads the week's 消费热点 and a published
data report and opens its PDF."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.companies.models import Company, Region, Sector
from tousu.companies.regions import regions_sync
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.engagement.models import Notification
from tousu.insights.models import AlertRegion, Hotspot, SurgeAlert, WarningSubscription
from tousu.insights.reports import month_period, report_generate, report_publish
from tousu.insights.services import Detected, record
from tousu.insights.warnings import subscription_create, warnings_deliver

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_as(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_regulator_follows_a_warning_to_the_alert(
    page: Any, live_server: Any, company: Company
) -> None:
    regulator = User.objects.create_user(
        phone="13933330001", password="pw-123456", role=Role.REGULATOR, nickname="浦东所"
    )
    RegulatorScope.objects.create(user=regulator, region_codes=["310000"], sectors=[])
    subscription_create(user=regulator, name="上海预付费", region_codes=["310000"])
    alert = SurgeAlert.objects.create(
        series_kind="company", series_key=str(company.pk), label=company.name,
        company=company, sector=company.sector, kind="runaway",
        first_day=date(2026, 6, 1), first_alert_day=date(2026, 6, 2), last_day=date(2026, 6, 2),
        observed=14, expected=1.2, threshold=6, peak_observed=14, peak_ratio=11.7,
        terms=[{"term": "跑路", "z": 5.1, "count": 9}, {"term": "联系不上", "z": 4.2, "count": 7}],
    )  # fmt: skip
    AlertRegion.objects.create(alert=alert, code="310115", complaints=12)
    assert warnings_deliver(alert.pk) == 1
    log_in_as(page, live_server, regulator)
    page.goto("/notifications/")
    expect(page.get_by_text(f"【消费预警】{company.name}疑似跑路")).to_be_visible()
    page.goto("/insights/surges/")
    page.get_by_role("link", name=company.name).click()
    expect(page.get_by_role("cell", name="联系不上")).to_be_visible()
    expect(page.get_by_text("疑似跑路").first).to_be_visible()
    page.get_by_label("添加备注（处置情况）").fill("已派员现场核查，门店已关闭")
    page.get_by_role("button", name="添加备注").click()
    expect(page.get_by_text("已派员现场核查，门店已关闭")).to_be_visible()
    page.get_by_role("button", name="确认已知悉").click()
    expect(page.get_by_text("已确认该预警")).to_be_visible()
    alert.refresh_from_db()
    assert alert.state == "acknowledged" and alert.acknowledged_by == regulator


def test_visitor_reads_hotspots_and_a_report(page: Any, live_server: Any, moderator: User) -> None:
    Hotspot.objects.create(
        week_start=date(2026, 6, 1), scope_kind="all", label="全国", complaints=420,
        baseline_weekly=300, terms=[{"term": "自动续费", "z": 6.3, "count": 80}],
    )  # fmt: skip
    report_generate(month_period(2026, 5))
    report_publish(user=moderator, slug="2026-05")
    page.goto("/")
    page.get_by_role("link", name="消费热点").first.click()
    expect(page.get_by_role("link", name="自动续费")).to_be_visible()
    page.get_by_role("link", name="数据报告").first.click()
    page.get_by_role("link", name="2026-05 月度报告").click()
    expect(page.get_by_role("heading", name="各行业受理投诉量")).to_be_visible()
    response = page.request.get(f"{live_server.url}/reports/2026-05.pdf")
    assert response.ok and response.body().startswith(b"%PDF")


def _file_complaints(
    consumers: list[User], moderator: User, company: Company, region: str, story: str
) -> None:
    """Complaints of today against ``company`` from consumers in ``region``, accepted."""
    for n, consumer in enumerate(consumers):
        complaint, _ = services.complaint_submit(
            consumer=consumer,
            data=services.ComplaintInput(
                title=f"{company.name}{story}（第{n + 1}位会员）",
                details=f"我在{company.name}办了预付卡，{story}，第{n + 1}次上门都没人。",
                company_id=company.pk,
                problem_types=["refund_difficult"],
                demands=["refund"],
                consumer_region=region,
            ),
        )
        services.complaint_accept(complaint_id=complaint.pk, actor=moderator)


def _surge(company: Company) -> SurgeAlert:
    """What the daily scan records when it finds ``company`` surging today (services.record:
    enrichment, regions, and the delivery task queued on commit)."""
    today = timezone.localdate()
    alert, created = record(
        Detected(
            kind="company", key=str(company.pk), label=company.name, sector=company.sector,
            day=today, since=today, observed=6, expected=0.4, threshold=3.0,
        )
    )  # fmt: skip
    assert created
    return alert


def test_regulator_subscribes_and_handles_an_alert_in_scope(
    page: Any, live_server: Any, settings: Any, moderator: User, log_in: Callable[..., None]
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    if not Region.objects.filter(code="310115").exists():
        regions_sync()  # a transactional test before this one emptied the table
    regulator = User.objects.create_user(
        phone="13933330002", password="pw-123456", role=Role.REGULATOR, nickname="上海市监局"
    )
    RegulatorScope.objects.create(user=regulator, region_codes=["310000"], sectors=[])
    log_in(page, regulator.phone, "pw-123456")
    page.get_by_role("link", name="预警", exact=True).click()
    page.get_by_role("link", name="管理预警订阅").click()
    expect(page.get_by_text("还没有订阅。")).to_be_visible()

    # outside the scope: a clear error, what was typed kept, nothing made
    page.get_by_label("名称", exact=True).fill("深圳教培")
    page.get_by_label("地区代码（6位，逗号分隔）").fill("440300")
    page.get_by_role("button", name="创建订阅").click()
    expect(page.get_by_text("地区 440300 不在您的监管范围内")).to_be_visible()
    expect(page.get_by_label("地区代码（6位，逗号分隔）")).to_have_value("440300")
    assert not WarningSubscription.objects.exists()

    page.get_by_label("名称", exact=True).fill("浦东教培跑路")
    page.get_by_label("地区代码（6位，逗号分隔）").fill("310115")
    page.get_by_label("教育培训").check()
    page.get_by_label("疑似跑路").check()
    page.get_by_role("button", name="创建订阅").click()
    expect(page.get_by_text("订阅已创建。")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="浦东教培跑路")
    expect(row).to_contain_text("310115")
    expect(row).to_contain_text("教育培训")
    expect(row).to_contain_text("疑似跑路")
    sub = WarningSubscription.objects.get(user=regulator)
    assert (sub.region_codes, sub.sectors, sub.kinds) == (["310115"], ["education"], ["runaway"])

    # the scan finds two schools surging: one in Pudong, one in Shenzhen (outside the scope)
    consumers = [
        User.objects.create_user(phone=f"1370000000{n}", password="pw-123456", nickname=f"家长{n}")
        for n in range(6)
    ]  # fmt: skip
    pudong = company_create(name="星火少儿英语", sector=Sector.EDUCATION)
    shenzhen = company_create(name="南山钢琴培训", sector=Sector.EDUCATION)
    _file_complaints(consumers[:3], moderator, pudong, "310115", "突然关门跑路，老板联系不上")
    _file_complaints(consumers[3:], moderator, shenzhen, "440305", "突然关门跑路，老板联系不上")
    inside, outside = _surge(pudong), _surge(shenzhen)
    assert inside.kind == outside.kind == "runaway"

    page.get_by_role("link", name="通知").click()
    expect(page.get_by_text("【消费预警】星火少儿英语疑似跑路")).to_be_visible()
    expect(page.get_by_text("南山钢琴培训")).to_have_count(0)
    page.get_by_role("link", name="预警", exact=True).click()
    expect(page.get_by_role("link", name="南山钢琴培训")).to_have_count(0)
    page.get_by_role("link", name="星火少儿英语").click()
    expect(page.get_by_text("310115：3")).to_be_visible()  # where the complaints came from
    expect(page.get_by_role("link", name=re.compile(r"^TS"))).to_have_count(3)  # the examples
    page.get_by_label("添加备注（处置情况）").fill("已通知属地市场监管所，门店已贴封条")
    page.get_by_role("button", name="添加备注").click()
    expect(page.get_by_text("已通知属地市场监管所，门店已贴封条")).to_be_visible()
    page.get_by_role("button", name="确认已知悉").click()
    expect(page.get_by_text("已确认该预警")).to_be_visible()
    inside.refresh_from_db()
    assert inside.state == "acknowledged" and inside.acknowledged_by == regulator

    # the other alert does not exist for this regulator, however it is asked for
    response = page.goto(f"/insights/surges/{outside.pk}/")
    assert response.status == 404
    assert page.request.post(f"{live_server.url}/insights/surges/{outside.pk}/").status in (
        403,
        404,
    )
    outside.refresh_from_db()
    assert outside.state == "open" and not outside.notes.exists()
    assert not Notification.objects.filter(user=regulator, title__contains="南山钢琴培训").exists()
