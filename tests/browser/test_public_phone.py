"""The public pages at 360 px: nothing wider than the screen, the search works without JS."""

from __future__ import annotations

from typing import Any

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.companies.services import company_add_member, company_create
from tousu.complaints import services


def file_public(consumer: User, company: Company, moderator: User, merchant: User) -> str:
    complaint, _created = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="买的手机屏幕一周就坏了，商家拒绝按三包规定换货维修",
            details="购买后第七天屏幕出现大片绿线。" * 12 + "https://example.com/" + "x" * 120,
            company_id=company.pk,
            problem_types=["quality", "after_sales", "refund_difficult"],
            demands=["exchange", "repair", "compensation"],
            amount="5999.00",
            order_number="JD2025060112345678901234567890",
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    services.complaint_reply(
        complaint_id=complaint.pk, actor=merchant, message="您好，已安排上门检测。" * 8
    )
    return complaint.public_number


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_public_pages_fit_a_phone(
    phone_page: Any, make_user: Any, moderator: User, consumer: User
) -> None:
    company = company_create(
        name="某某超长名称数码电器销售连锁股份有限公司华东区分公司", brands=["超长品牌名称旗舰店"]
    )
    merchant = make_user(Role.MERCHANT)
    company_add_member(company=company, user=merchant)
    number = file_public(consumer, company, moderator, merchant)

    for address in (
        "/",
        f"/complaints/{number}/",
        "/complaints/",
        "/companies/",
        f"/companies/{company.pk}/",
        "/no-such-page/",
    ):
        phone_page.goto(address)
        assert no_horizontal_scroll(phone_page), address
        assert phone_page.locator("h1").count() == 1, address


def test_directory_search_without_javascript(browser: Any, live_server: Any, company: Any) -> None:
    context = browser.new_context(
        base_url=live_server.url,
        locale="zh-CN",
        java_script_enabled=False,
        viewport={"width": 360, "height": 740},
    )
    page = context.new_page()
    try:
        page.goto("/companies/")
        page.get_by_label("企业名称、别名或品牌").fill("快樂外賣")
        page.get_by_role("button", name="搜索").click()
        page.wait_for_load_state()
        assert "/companies/?q=" in page.url
        page.get_by_role("link", name="快乐外卖有限公司").click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text().startswith("快乐外卖有限公司")
    finally:
        context.close()
