"""Redactions in Chromium: the public page shows the masked copy, the moderator reverts a
redaction on the console and the public page follows."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services


def _session(page: Any, live_server: Any, user: User) -> None:
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("TOUSU_SHOTS")
    if folder:
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_public_page_is_masked_and_the_console_reverts(
    page: Any, live_server: Any, consumer: User, moderator: User, company: Company
) -> None:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="快递丢件拒不赔偿，请联系13812345678",
            details="我叫王小明，收货地址广东省深圳市南山区科技园路1号3栋501室，运单号SF1234567890123，"
            "客服热线400-820-8820一直打不通。",
            company_id=company.pk,
            problem_types=["delivery"],
            demands=["compensation"],
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)

    page.goto(f"/complaints/{complaint.public_number}/")
    body = page.locator("main").inner_text()
    assert "138****5678" in body and "13812345678" not in body
    assert "王**" in body and "科技园路1号" not in body and "400-820-8820" in body
    _shot(page, "privacy-public")

    _session(page, live_server, moderator)
    page.goto(f"/moderation/complaints/{complaint.public_number}/")
    table = page.locator("table.redactions")
    assert "王小明" in table.inner_text()
    _shot(page, "privacy-console")
    row = table.locator("tr", has_text="王小明")
    row.get_by_role("button", name="撤销隐藏").click()
    page.wait_for_load_state()
    assert "已撤销隐藏" in page.locator("body").inner_text()

    page.context.clear_cookies()
    page.goto(f"/complaints/{complaint.public_number}/")
    page.reload()  # the anonymous page may be reused for 60 s; a reload revalidates its ETag
    body = page.locator("main").inner_text()
    assert "我叫王小明" in body and "13812345678" not in body
