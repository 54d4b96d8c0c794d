"""Insights in Chromium: a regulator receives a surge alert in site, opens it, sees why it
fired, adds a note and acknowledges it; a visitor reads the week's 消费热点 and a published
data report and opens its PDF."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.companies.models import Company
from tousu.insights.models import AlertRegion, Hotspot, SurgeAlert
from tousu.insights.reports import month_period, report_generate, report_publish
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


def test_visitor_reads_hotspots_and_a_report(
    page: Any, live_server: Any, moderator: User
) -> None:
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

