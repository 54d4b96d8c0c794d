"""The whole story in Chromium, through the real pages only, one browser context per person.

A consumer signs up and files a complaint with an image → the moderator accepts it → the
merchant replies and requests completion → the consumer confirms with star ratings → an
anonymous visitor reads the whole timeline on the public page and sees the evidence thumbnail.
Only the moderator and the merchant (with its company membership) are made up front.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tousu.accounts.models import User
from tousu.companies.models import Company

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-9"
CONSUMER_PHONE = "13700137000"
CONSUMER_PASSWORD = "a-long-password-1"
TITLE = "外卖超时两小时拒绝退款"
REPLY = "非常抱歉，已为您全额退款58.50元，请查收。"
COMPLETION_NOTE = "款项已原路退回，请确认"
RATING_COMMENT = "退款很快，态度也好"


@pytest.fixture
def new_page(browser: Any, live_server: Any) -> Iterator[Callable[[], Any]]:
    """``new_page()``: a page in a fresh browser context (its own cookies): one per person."""
    contexts: list[Any] = []

    def make() -> Any:
        context = browser.new_context(
            base_url=live_server.url, locale="zh-CN", viewport={"width": 1280, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def receipt_png(tmp_path: Path) -> Path:
    path = tmp_path / "付款截图.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(path, "PNG")
    return path


def nav(page: Any) -> Any:
    return page.get_by_role("navigation", name="主导航")


def log_in(page: Any, login_name: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("手机号或邮箱").fill(login_name)
    page.get_by_label("密码", exact=True).fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="退出", exact=True)).to_be_visible()


def log_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="退出", exact=True).click()
    expect(page.locator(".messages")).to_contain_text("您已退出登录")
    expect(page.get_by_role("link", name="登录", exact=True)).to_be_visible()


def sign_up_and_submit(page: Any, company: Company, evidence: Path) -> str:
    """The consumer's part: sign up with a password, file through the wizard; the number."""
    page.goto("/accounts/signup/")
    page.get_by_label("手机号或邮箱").fill(CONSUMER_PHONE)
    page.get_by_label("昵称（可选）").fill("小明")
    page.get_by_label("密码", exact=True).fill(CONSUMER_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="注册").click()
    expect(page.locator(".messages")).to_contain_text("注册成功")

    nav(page).get_by_role("link", name="我要投诉").click()
    page.wait_for_url("**/complaints/new/company/")
    page.get_by_label("被投诉企业").press_sequentially("快乐", delay=30)
    page.locator("#company-suggestions").get_by_role("link", name=company.name).click()
    expect(page.locator("#company-picked")).to_contain_text(company.name)
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/complaints/new/describe/")
    page.get_by_label("投诉标题").fill(TITLE)
    page.get_by_label("投诉详情").fill(
        "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝。"
    )
    page.get_by_label("退款难", exact=True).check()
    page.get_by_label("退款", exact=True).check()
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/complaints/new/details/")
    page.get_by_label("涉诉金额（元）").fill("58.50")
    page.get_by_label("订单号").fill("DD20250601123456")
    page.get_by_label("购买日期").fill(timezone.localdate().replace(day=1).isoformat())
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/complaints/new/evidence/")
    page.get_by_label("选择证据文件").set_input_files(str(evidence))
    expect(page.locator("#evidence-list .evidence-item")).to_contain_text(evidence.name)
    page.wait_for_function(  # uploaded (no progress bar left) and its preview loaded
        "() => { const i = document.querySelector(\"#evidence-list img[src^='/complaints/new/"
        "files/']\"); return i && i.complete && i.naturalWidth > 0"
        " && !document.querySelector('#evidence-list .uploading') }"
    )
    page.get_by_role("button", name="下一步").click()

    page.wait_for_url("**/complaints/new/preview/")
    page.get_by_role("button", name="确认提交投诉").click()
    page.wait_for_url(re.compile(r".*/my/complaints/[A-Z0-9]+/$"))
    expect(page.locator(".messages")).to_contain_text("投诉已提交")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    number = re.search(r"/my/complaints/([A-Z0-9]+)/$", page.url)
    assert number
    return number.group(1)


def test_the_whole_story_through_the_pages(
    new_page: Callable[[], Any],
    moderator: User,
    merchant: User,
    company: Company,
    receipt_png: Path,
) -> None:
    """``merchant`` is an owner of ``company`` (tests/conftest.py)."""

    # 1. a consumer signs up, files a complaint with an image, and logs out
    consumer_page = new_page()
    number = sign_up_and_submit(consumer_page, company, receipt_png)
    log_out(consumer_page)

    # 2. the moderator accepts it from the review queue
    mod_page = new_page()
    log_in(mod_page, moderator.phone or "", PASSWORD)
    mod_page.goto("/moderation/")
    row = mod_page.locator(".queue-row", has_text=TITLE)
    with mod_page.expect_navigation():
        row.get_by_role("button", name=re.compile(rf"^通过\s*「{TITLE}」$")).click()
    expect(mod_page.get_by_role("main")).to_contain_text("已通过")
    expect(mod_page.locator(".queue-row", has_text=TITLE)).to_have_count(0)

    # 3. the merchant replies and requests completion from the console
    shop_page = new_page()
    log_in(shop_page, merchant.phone or "", PASSWORD)
    shop_page.goto("/merchant/")
    shop_page.locator(".inbox-row", has_text=TITLE).get_by_role("link", name=TITLE).click()
    shop_page.wait_for_url(f"**/merchant/complaints/{number}/")
    shop_page.get_by_label("回复内容").fill(REPLY)
    with shop_page.expect_navigation():
        shop_page.get_by_role("button", name="回复", exact=True).click()
    expect(shop_page.get_by_role("main")).to_contain_text("已回复，消费者会收到通知")
    shop_page.get_by_label("给消费者的说明（选填）").fill(COMPLETION_NOTE)
    with shop_page.expect_navigation():
        shop_page.get_by_role("button", name="申请完成").click()
    expect(shop_page.get_by_role("main")).to_contain_text("已申请完成")

    # 4. the consumer logs in again, confirms and rates with three star groups and a comment
    log_in(consumer_page, CONSUMER_PHONE, CONSUMER_PASSWORD)
    nav(consumer_page).get_by_role("link", name="我的投诉").click()
    consumer_page.get_by_role("link", name=TITLE).click()
    consumer_page.wait_for_url(f"**/my/complaints/{number}/")
    confirm = consumer_page.locator("#action-confirm form")
    for group, stars in (("服务态度", 4), ("处理速度", 5), ("满意度", 3)):
        stars_group = confirm.get_by_role("group", name=group)
        # a person clicks the star they see (its label); the radio it checks is tiny
        stars_group.get_by_title(f"{stars} 星", exact=True).click()
        expect(stars_group.get_by_label(f"{stars} 星", exact=True)).to_be_checked()
    confirm.get_by_label("评价（可选）").fill(RATING_COMMENT)
    with consumer_page.expect_navigation():
        confirm.get_by_role("button", name="确认完成并评价").click()
    expect(consumer_page.locator(".messages")).to_contain_text("感谢您的评价")

    # 5. the worker has made the evidence's public copy (OCR; no personal data in this image),
    # then an anonymous visitor reads the whole story on the public page
    from tousu.complaints.models import Evidence
    from tousu.privacy.ocr import redact_evidence

    for evidence_id in Evidence.objects.filter(complaint__public_number=number).values_list(
        "pk", flat=True
    ):
        redact_evidence(evidence_id)
    visitor = new_page()
    visitor.goto(f"/complaints/{number}/")
    expect(visitor.get_by_role("heading", name=TITLE, level=1)).to_be_visible()
    timeline = visitor.locator("ol.timeline")
    events = timeline.locator(":scope > li")
    for text in (
        "提交投诉",
        "审核通过，投诉公开",
        "商家回复",
        REPLY,
        "商家申请完成",
        "投诉人确认完成并评价",
    ):
        expect(timeline).to_contain_text(text)
    order = [
        events.nth(i).locator(".event-head strong").inner_text() for i in range(events.count())
    ]
    steps = ["提交投诉", "审核通过，投诉公开", "商家回复", "商家申请完成", "投诉人确认完成并评价"]
    assert [what for what in order if what in steps] == steps, order
    reply_row = events.filter(has_text=REPLY)
    expect(reply_row).to_contain_text("商家")
    rated = events.filter(has_text="投诉人确认完成并评价")
    expect(rated).to_contain_text(RATING_COMMENT)
    for label, glyphs, spoken in (
        ("服务态度", "★★★★☆", "4 星（满分 5 星）"),
        ("处理速度", "★★★★★", "5 星（满分 5 星）"),
        ("满意度", "★★★☆☆", "3 星（满分 5 星）"),
    ):
        part = rated.locator(".rating-stars > div", has_text=label)
        expect(part.locator(".star-glyphs")).to_have_text(glyphs)
        expect(part).to_contain_text(spoken)

    thumb = visitor.get_by_role("img", name="证据图片 1")
    thumb.scroll_into_view_if_needed()  # loading="lazy"
    visitor.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
    )
    assert thumb.evaluate("img => img.naturalWidth") > 0
