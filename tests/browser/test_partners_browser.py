"""Partner API keys in Chromium: a moderator signs in, opens 合作方密钥 from the navigation,
makes a key with a scope and a daily quota and sees the secret once; a partner's requests with
the key are counted (and refused past the quota or outside the scope) and the moderator sees
the usage on the page; revoking the key makes the partner's next request fail with the API's
JSON error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import expect

from tousu.accounts.models import User
from tousu.partners.models import PartnerKey, PartnerUsage

pytestmark = pytest.mark.django_db(transaction=True)


def _usage_row(page: Any, organisation: str) -> list[str]:
    row = page.get_by_role("row").filter(has_text=organisation)
    return [cell.strip() for cell in row.locator("td").all_inner_texts()]


def test_staff_make_a_key_watch_its_usage_and_revoke_it(
    page: Any, browser: Any, live_server: Any, moderator: User, log_in: Callable[..., None]
) -> None:
    log_in(page, moderator.phone)
    page.get_by_role("link", name="合作方密钥").click()
    expect(page.get_by_role("heading", name="合作方 API 密钥")).to_be_visible()
    expect(page.get_by_text("还没有合作方密钥。")).to_be_visible()

    page.get_by_label("密钥名称").fill("数据新闻组")
    page.get_by_label("机构", exact=True).fill("南方某报")
    page.get_by_label("联系邮箱").fill("data@example.org")
    page.get_by_label("读取公开数据").uncheck()
    page.get_by_role("button", name="生成密钥").click()
    expect(page.get_by_text("请至少选择一项权限")).to_be_visible()  # nothing made
    assert not PartnerKey.objects.exists()

    page.get_by_label("读取公开数据").check()
    page.get_by_label("每分钟请求上限").fill("30")
    page.get_by_label("每日请求配额").fill("2")
    page.get_by_role("button", name="生成密钥").click()
    secret = page.locator("#new-secret").inner_text().strip()
    assert secret.startswith("tpk_") and len(secret) > 40
    key = PartnerKey.objects.get()
    assert (key.scopes, key.per_minute, key.daily_quota) == (["read"], 30, 2)
    assert key.key_hash != secret and secret not in key.key_hash  # only a digest is kept
    assert _usage_row(page, "南方某报")[1:7] == ["read", "30/分钟，2/天", "0", "0", "0", "0"]

    # shown once: reloading or coming back does not show it again, nor make a second key
    page.reload()
    expect(page.locator("#new-secret")).to_have_count(0)
    page.goto("/staff/partners/")
    expect(page.locator("#new-secret")).to_have_count(0)
    assert PartnerKey.objects.count() == 1

    partner = browser.new_context(base_url=live_server.url)  # no session: only the key
    api = partner.request
    headers = {"X-Api-Key": secret}
    first = api.get("/api/v1/complaints", headers=headers)
    assert first.status == 200 and first.headers["x-quota-remaining"] == "1"
    outside = api.get("/api/v1/hotspots", headers=headers)
    assert outside.status == 403 and outside.json()["code"] == "insufficient_scope"
    assert api.get("/api/v1/complaints", headers=headers).status == 200
    spent = api.get("/api/v1/complaints", headers=headers)
    assert spent.status == 429 and spent.json()["code"] == "quota_exceeded"
    assert PartnerUsage.objects.get(key=key).requests == 2

    page.reload()
    row = _usage_row(page, "南方某报")
    assert row[3:7] == ["2", "1", "2", "2"]  # today, refused today, 7 days, 30 days
    assert row[7] != "—"  # last used

    page.get_by_role("row").filter(has_text="南方某报").get_by_role("button", name="撤销").click()
    expect(page.get_by_text("密钥已撤销，立即失效。")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="南方某报")).to_contain_text("已撤销")
    refused = api.get("/api/v1/complaints", headers=headers)
    assert refused.status == 401
    assert refused.headers["content-type"].startswith("application/json")
    body = refused.json()
    assert body["code"] == "invalid_partner_key" and body["message"] == "合作方密钥无效或已撤销"
    assert PartnerUsage.objects.get(key=key).requests == 2  # nothing counted after revoking
    partner.close()


def test_the_key_page_is_for_staff_only(
    page: Any, consumer: User, log_in: Callable[..., None]
) -> None:
    log_in(page, consumer.phone)
    expect(page.get_by_role("link", name="合作方密钥")).to_have_count(0)
    response = page.goto("/staff/partners/")
    assert response.status == 403
