"""A consumer signs up and files a complaint with an image through the wizard, in Chromium.

Also: the draft survives a reload, the typeahead fills the company, the same submission works at
360 px without horizontal scrolling, a one-time code logs in, star ratings can be given.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintDraft, Evidence
from tousu.complaints.states import Status
from tousu.engagement.senders import MemorySender

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def login(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """``login(page, name)`` of tests/browser/conftest.py: logs in through the real form."""
    path = str(Path(__file__).with_name("conftest.py"))
    for plugin in request.config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == path:
            helper: Callable[[Any, str], None] = plugin.login
            return helper
    raise RuntimeError("tests/browser/conftest.py is not loaded")


@pytest.fixture
def receipt_png(tmp_path: Path) -> Path:
    path = tmp_path / "付款截图.png"
    Image.new("RGB", (64, 48), (30, 120, 200)).save(path, "PNG")
    return path


@pytest.fixture
def second_png(tmp_path: Path) -> Path:
    path = tmp_path / "聊天记录.png"
    Image.new("RGB", (40, 40), (200, 60, 30)).save(path, "PNG")
    return path


def no_horizontal_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} is {width}px wide"


def suggest_fragment(company: Company) -> str:
    return (
        f'<li><button type="button" data-company-id="{company.pk}" '
        f'data-company-name="{company.name}">{company.name}</button></li>'
    )


def fill_describe(page: Any) -> None:
    page.get_by_label("投诉标题").fill("外卖超时两小时拒绝退款")
    page.get_by_label("投诉详情").fill(
        "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝。"
    )
    page.get_by_label("退款难", exact=True).check()
    page.get_by_label("退款", exact=True).check()


def fill_details(page: Any) -> None:
    page.get_by_label("涉诉金额（元）").fill("58.50")
    page.get_by_label("订单号").fill("DD20250601123456")
    page.get_by_label("购买日期").fill(timezone.localdate().replace(day=1).isoformat())


def upload(page: Any, path: Path) -> None:
    before = page.locator("#evidence-list img[src^='/complaints/new/files/']").count()
    page.get_by_label("选择证据文件").set_input_files(str(path))
    page.wait_for_function(
        "n => document.querySelectorAll(\"#evidence-list img[src^='/complaints/new/files/']\")"
        ".length > n && !document.querySelector('#evidence-list .uploading')",
        arg=before,
    )


def test_sign_up_and_file_a_complaint_with_an_image(
    page: Any, company: Company, receipt_png: Path, second_png: Path
) -> None:
    page.goto("/complaints/new/")
    assert "/accounts/login/?next=/complaints/new/" in page.url
    page.get_by_role("link", name="免费注册").click()
    page.get_by_label("手机号或邮箱").fill("13600136000")
    page.get_by_label("昵称（可选）").fill("小明")
    page.get_by_label("密码", exact=True).fill("a-long-password-1")
    page.get_by_role("button", name="注册").click()
    page.wait_for_url("**/complaints/new/company/")
    user = User.objects.get(phone="13600136000")

    # step 1: the directory's typeahead (/companies/suggest) picks a company
    page.get_by_label("被投诉企业").press_sequentially("快乐", delay=30)
    suggestion = page.locator("#company-suggestions").get_by_text(company.name)
    suggestion.click()
    page.wait_for_url("**/complaints/new/company/")  # picked, not followed
    assert page.locator("#id_company_id").input_value() == str(company.pk)
    assert page.get_by_label("被投诉企业").input_value() == company.name
    assert "已选择" in page.locator("#company-picked").inner_text()
    page.get_by_role("button", name="下一步").click()

    # step 2: type, let the page autosave, reload: nothing is lost
    page.wait_for_url("**/complaints/new/describe/")
    fill_describe(page)
    page.locator(".autosave").filter(has_text="草稿已自动保存").wait_for()
    page.reload()
    assert page.get_by_label("投诉标题").input_value() == "外卖超时两小时拒绝退款"
    assert page.get_by_label("退款难", exact=True).is_checked()
    assert page.get_by_label("退款", exact=True).is_checked()
    page.get_by_role("button", name="下一步").click()

    # step 3
    page.wait_for_url("**/complaints/new/details/")
    assert "仅商家和平台可见" in page.locator("form.wizard-form").inner_text()
    fill_details(page)
    page.get_by_role("button", name="下一步").click()

    # step 4: two images uploaded with a progress bar, one removed, a reload keeps the other
    page.wait_for_url("**/complaints/new/evidence/")
    expect(page.get_by_role("button", name="上传所选文件")).to_be_hidden()
    upload(page, receipt_png)
    upload(page, second_png)
    assert page.locator("#evidence-list .evidence-item").count() == 2
    page.get_by_role("button", name="删除 聊天记录.png").click()
    page.wait_for_function(
        "document.querySelectorAll('#evidence-list .evidence-item').length === 1"
    )
    page.reload()
    items = page.locator("#evidence-list .evidence-item")
    assert items.count() == 1
    assert "付款截图.png" in items.inner_text()
    page.wait_for_function(  # the thumbnail is served to its owner
        "() => { const i = document.querySelector('#evidence-list img');"
        " return i && i.complete && i.naturalWidth === 64 }"
    )
    page.get_by_role("button", name="下一步").click()

    # step 5: the preview separates what becomes public
    page.wait_for_url("**/complaints/new/preview/")
    public = page.locator("section[aria-labelledby=h-public]").inner_text()
    private = page.locator("section[aria-labelledby=h-private]").inner_text()
    assert "外卖超时两小时拒绝退款" in public and company.name in public and "¥58.50" in public
    assert "DD20250601123456" in private and "DD20250601123456" not in public
    page.get_by_role("button", name="确认提交投诉").click()

    page.wait_for_url(re.compile(r".*/my/complaints/[A-Z0-9]+/$"))
    complaint = Complaint.objects.get(consumer=user)
    assert complaint.public_number in page.url
    assert "投诉已提交" in page.locator(".messages").inner_text()
    assert complaint.status == Status.PENDING_REVIEW and complaint.company == company
    assert Evidence.objects.get(complaint=complaint).original_name == "付款截图.png"
    assert not ComplaintDraft.objects.filter(user=user).exists()
    assert page.get_by_role("heading", name="外卖超时两小时拒绝退款").is_visible()


def test_the_same_submission_at_phone_width_never_scrolls_sideways(
    phone_page: Any,
    login: Callable[[Any, str], None],
    make_user: Callable[..., User],
    company: Company,
    receipt_png: Path,
) -> None:
    page = phone_page
    user = make_user(phone="13500135000", nickname="手机用户")
    login(page, "13500135000")
    page.goto("/complaints/new/")
    page.wait_for_url("**/complaints/new/company/")
    no_horizontal_scroll(page)
    page.get_by_label("被投诉企业").fill("快乐外卖")
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/complaints/new/describe/")
    no_horizontal_scroll(page)
    # an error first: nothing typed is lost and the page still fits
    page.get_by_label("投诉标题").fill("太短")
    page.get_by_label("投诉详情").fill("一个很长的没有空格的订单号" + "A1B2C3D4E5" * 8)
    page.get_by_role("button", name="下一步").click()
    assert "投诉标题至少4个字" in page.locator("#id_title_error").inner_text()
    assert page.get_by_label("投诉详情").input_value().startswith("一个很长的")
    no_horizontal_scroll(page)
    fill_describe(page)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/complaints/new/details/")
    no_horizontal_scroll(page)
    fill_details(page)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/complaints/new/evidence/")
    upload(page, receipt_png)
    no_horizontal_scroll(page)
    page.get_by_role("button", name="下一步").click()
    page.wait_for_url("**/complaints/new/preview/")
    no_horizontal_scroll(page)
    page.get_by_role("button", name="确认提交投诉").click()
    page.wait_for_url(re.compile(r".*/my/complaints/[A-Z0-9]+/$"))
    no_horizontal_scroll(page)
    complaint = Complaint.objects.get(consumer=user)
    assert complaint.evidence.count() == 1
    page.goto("/my/complaints/")
    assert complaint.title in page.locator("main").inner_text()
    no_horizontal_scroll(page)
    for path in ("/accounts/profile/", "/notifications/", "/accounts/login/?via=code"):
        page.goto(path)
        no_horizontal_scroll(page)


def test_typeahead_items_with_data_attributes_are_picked_by_keyboard(
    page: Any,
    login: Callable[[Any, str], None],
    make_user: Callable[..., User],
    company: Company,
    other_company: Company,
) -> None:
    """Suggestions may also come as ``<li><button data-company-id data-company-name>``."""
    page.route(
        re.compile(r".*/companies/suggest\?q=.*"),
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=suggest_fragment(company) + suggest_fragment(other_company),
        ),
    )
    make_user(phone="13300133000")
    login(page, "13300133000")
    page.goto("/complaints/new/")
    field = page.get_by_label("被投诉企业")
    field.press_sequentially("某", delay=30)
    page.locator("#company-suggestions button").first.wait_for()
    expect(page.locator("#company-suggest-status")).to_contain_text("2")
    field.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.locator("#id_company_id").input_value() == str(other_company.pk)
    assert field.input_value() == other_company.name
    field.press("End")
    field.press_sequentially("X")  # typing again forgets the pick
    assert page.locator("#id_company_id").input_value() == ""


def test_log_in_with_a_one_time_code(page: Any, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender"}
    MemorySender.outbox.clear()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="验证码登录", exact=True).click()
    page.get_by_label("手机号或邮箱").fill("13400134000")
    page.get_by_role("button", name="获取验证码").click()
    assert "验证码已发送至 134****4000" in page.locator("main").inner_text()
    resend = page.get_by_role("button", name=re.compile("重新发送验证码"))
    expect(resend).to_be_disabled()  # counting down
    code = re.search(r"验证码是 (\d{6})", MemorySender.outbox[-1][2])
    assert code
    page.get_by_label("验证码").fill(code.group(1))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/")
    user = User.objects.get(phone="13400134000")
    assert user.phone_verified_at is not None
    assert user.pseudonym in page.locator("header").inner_text()
    MemorySender.outbox.clear()


def test_confirm_completion_with_star_ratings(
    page: Any,
    login: Callable[[Any, str], None],
    consumer: User,
    company: Company,
    moderator: User,
    merchant: User,
) -> None:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="快递丢件不赔偿",
            details="6月1日寄出的包裹丢失，客服一直推脱不赔偿，已经等了两周。",
            company_id=company.pk,
            problem_types=["delivery"],
            demands=["compensation"],
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="已赔偿")
    services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
    login(page, consumer.phone or "")
    page.goto(f"/my/complaints/{complaint.public_number}/")
    form = page.locator("#action-confirm form")
    # click the fourth star of each group; the keyboard moves between stars of a group
    form.locator("label[for=confirm_attitude_3]").click()
    form.locator("label[for=confirm_speed_4]").click()
    page.keyboard.press("ArrowLeft")
    assert form.locator("#confirm_speed_3").is_checked()
    form.get_by_label("评价（可选）").fill("处理得不错")
    form.get_by_role("button", name="确认完成并评价").click()
    # one group left empty: said next to it, the others kept
    assert "请为满意度打分" in page.locator("#confirm_satisfaction_error").inner_text()
    form = page.locator("#action-confirm form")
    assert form.locator("#confirm_attitude_3").is_checked()
    assert form.get_by_label("评价（可选）").input_value() == "处理得不错"
    form.locator("label[for=confirm_satisfaction_4]").click()
    form.get_by_role("button", name="确认完成并评价").click()
    page.wait_for_url(f"**/my/complaints/{complaint.public_number}/")
    assert "感谢您的评价" in page.locator(".messages").inner_text()
    complaint.refresh_from_db()
    assert complaint.status == Status.COMPLETED
    rating = complaint.ratings.get()
    assert (rating.attitude, rating.speed, rating.satisfaction) == (4, 4, 5)
