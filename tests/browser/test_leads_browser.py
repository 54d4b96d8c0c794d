"""Fraud tips and leads in Chromium: a consumer reports a scam, a stranger checks the phone
number and sees the warning (counts only), a granted regulator opens the defect lead that the
scan built, acknowledges it after staff sent it, and downloads the export."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from tousu.accounts.models import User
from tousu.companies.models import Sector
from tousu.companies.services import company_create
from tousu.complaints import services
from tousu.leads.models import Lead, LeadEvent, LeadKind
from tousu.leads.services import lead_grant, lead_transition, leads_scan

pytestmark = pytest.mark.django_db(transaction=True)


def log_in_as(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def test_scam_report_then_public_lookup(page: Any, live_server: Any, consumer: User) -> None:
    log_in_as(page, live_server, consumer)
    page.goto("/fraud/report/")
    page.get_by_label("诈骗类型").select_option("impersonation")
    page.get_by_label("对方电话").fill("+86 171-0000-8888")
    page.get_by_label("经过").fill("对方自称快递客服，说包裹丢了要理赔，让我共享屏幕后转走了钱")
    page.get_by_role("button", name="提交举报").click()
    expect(page.get_by_text("举报已收到")).to_be_visible()
    page.context.clear_cookies()  # a stranger now
    page.goto("/fraud/lookup/")
    page.get_by_label("号码、网址或名称").fill("17100008888")
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="已被举报 1 次")).to_be_visible()
    expect(page.get_by_text("冒充客服/公检法：1")).to_be_visible()
    assert "共享屏幕后转走了钱" not in page.content()


def test_regulator_acknowledges_a_defect_lead_and_exports(
    page: Any, live_server: Any, consumer: User, moderator: User, regulator: User
) -> None:
    maker = company_create(name="星辰汽车有限公司", sector=Sector.AUTO)
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="星辰银河X7高速行驶中突然熄火",
            details="高速上突然熄火失去动力，差点被追尾，4S店查不出原因。",
            company_id=maker.pk,
            problem_types=["quality"],
            demands=["repair"],
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    leads_scan()
    lead = Lead.objects.get(kind=LeadKind.DEFECT)
    lead_grant(user=regulator, granted_by=moderator, defect=True, police=False)
    lead_transition(lead_id=lead.pk, actor=moderator, action="send")
    log_in_as(page, live_server, regulator)
    page.goto("/leads/")
    page.get_by_role("link", name=lead.title).click()
    expect(page.get_by_role("cell", name=complaint.public_number)).to_be_visible()
    page.get_by_label("备注（选填）").fill("已转调查科")
    page.get_by_role("button", name="确认接收").click()
    expect(page.get_by_text("线索状态已更新")).to_be_visible()
    page.goto("/leads/")
    with page.expect_download() as download:
        page.get_by_role("link", name="XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    lead.refresh_from_db()
    assert lead.status == "acknowledged"
    assert LeadEvent.objects.filter(actor=regulator, action="exported").count() == 1
    assert LeadEvent.objects.filter(actor=regulator, action="viewed").exists()
