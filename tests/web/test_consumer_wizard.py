"""The submission wizard: steps, the draft, errors next to fields, evidence, one submit only."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from tousu.accounts.models import Role, User
from tousu.companies.models import Company
from tousu.complaints.drafts import draft_get, drafts_prune
from tousu.complaints.models import (
    Complaint,
    ComplaintDraft,
    ComplaintDraftFile,
    Evidence,
    IdempotencyKey,
)
from tousu.complaints.states import Status

pytestmark = pytest.mark.django_db

XHR = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest"}


def png(color: tuple[int, int, int] = (200, 30, 30), size: tuple[int, int] = (12, 8)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def png_upload(name: str = "receipt.png", **kw: Any) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png(**kw), content_type="image/png")


def html(resp: Any) -> str:
    return str(resp.content.decode())


def field_error(page: str, field: str) -> str:
    match = re.search(rf'<ul class="errorlist" id="id_{field}_error"[^>]*>(.*?)</ul>', page, re.S)
    assert match, f"no error next to {field}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def days_ago(n: int) -> str:
    return (timezone.localdate() - timedelta(days=n)).isoformat()


def step_data() -> dict[str, dict[str, Any]]:
    return {
        "company": {"company_name": "快乐外卖有限公司"},
        "describe": {
            "title": "外卖超时两小时拒绝退款",
            "details": "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝。",
            "problem_types": ["refund_difficult", "delivery"],
            "demands": ["refund", "apology"],
        },
        "details": {
            "amount": "58.50",
            "order_number": "DD20250601123456",
            "purchase_date": days_ago(10),
        },
    }


@pytest.fixture
def consumer_client(consumer: User, client_for: Callable[[User | None], Client]) -> Client:
    return client_for(consumer)


def walk(client: Client, upto: str = "preview", **changes: dict[str, Any]) -> None:
    """Fill the steps before ``upto`` through the forms (without JavaScript)."""
    data = step_data()
    for step in ("company", "describe", "details"):
        if step == upto:
            return
        values = {**data[step], **changes.get(step, {}), "op": "next"}
        resp = client.post(f"/complaints/new/{step}/", values)
        assert resp.status_code == 302, html(resp)
    if upto == "evidence":
        return
    resp = client.post("/complaints/new/evidence/", {"op": "next"})
    assert resp.status_code == 302


def submit_key(client: Client) -> str:
    page = html(client.get("/complaints/new/preview/"))
    match = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', page)
    assert match, page
    return match.group(1)


# --- who may use it ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/complaints/new/", "/complaints/new/describe/"])
def test_anonymous_visitors_are_sent_to_log_in_and_back(path: str) -> None:
    resp = Client().get(path)
    assert resp.status_code == 302
    assert resp["Location"] == f"/accounts/login/?next={path}"


def test_only_consumers_file_complaints(
    merchant: User, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(merchant)
    resp = client.get("/complaints/new/")
    assert resp.status_code == 403
    assert "只有消费者账号可以发起投诉" in html(resp)
    assert client.post("/complaints/new/files/", {"evidence": png_upload()}).status_code == 403
    assert not ComplaintDraft.objects.exists()


def test_starting_makes_a_draft_with_an_idempotency_key(
    consumer: User, consumer_client: Client
) -> None:
    resp = consumer_client.get("/complaints/new/")
    assert resp.status_code == 302 and resp["Location"] == "/complaints/new/company/"
    draft = ComplaintDraft.objects.get(user=consumer)
    assert len(draft.idempotency_key) == 32
    page = html(consumer_client.get("/complaints/new/company/"))
    assert '<label for="id_company_name">被投诉企业</label>' in page
    assert 'hx-get="/companies/suggest"' in page
    assert 'aria-current="step"' in page


def test_steps_cannot_be_skipped(consumer_client: Client) -> None:
    resp = consumer_client.get("/complaints/new/preview/")
    assert resp.status_code == 302 and resp["Location"] == "/complaints/new/company/"
    assert consumer_client.get("/complaints/new/nonsense/").status_code == 404


# --- the whole walk ------------------------------------------------------------------------


def test_walk_through_and_submit_files_one_complaint_with_its_evidence(
    consumer: User,
    consumer_client: Client,
    company: Company,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    walk(consumer_client, upto="evidence")
    resp = consumer_client.post(
        "/complaints/new/evidence/", {"op": "upload", "evidence": png_upload("订单截图.png")}
    )
    assert resp.status_code == 302
    draft = draft_get(consumer)
    assert draft is not None
    stored = draft.files.get()
    stored_path = Path(settings.MEDIA_ROOT) / stored.file.name
    assert stored.file.name.startswith("drafts/") and stored_path.exists()
    consumer_client.post("/complaints/new/evidence/", {"op": "next"})

    page = html(consumer_client.get("/complaints/new/preview/"))
    public, private = page.split('id="h-private"')
    assert "外卖超时两小时拒绝退款" in public and "¥58.50" in public
    assert "退款难" in public and "道歉" in public
    assert consumer.pseudonym in public
    assert "订单截图.png" in public
    assert "DD20250601123456" in private and "DD20250601123456" not in public
    assert days_ago(10) in private

    key = submit_key(consumer_client)
    with django_capture_on_commit_callbacks(execute=True):
        resp = consumer_client.post("/complaints/new/preview/", {"idempotency_key": key})
    complaint = Complaint.objects.get()
    assert resp.status_code == 302
    assert resp["Location"] == f"/my/complaints/{complaint.public_number}/"
    assert complaint.status == Status.PENDING_REVIEW
    assert complaint.company == company
    assert complaint.title == "外卖超时两小时拒绝退款"
    assert complaint.problem_types == ["refund_difficult", "delivery"]
    assert complaint.demands == ["refund", "apology"]
    assert str(complaint.amount) == "58.50"
    assert complaint.order_number == "DD20250601123456"
    assert complaint.purchase_date.isoformat() == days_ago(10)
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.kind == "image" and evidence.original_name == "订单截图.png"
    assert evidence.file.name.startswith("evidence/")
    assert IdempotencyKey.objects.filter(user=consumer, key=key, complaint=complaint).exists()
    # the draft and its file are gone; the evidence copy stays
    assert not ComplaintDraft.objects.exists() and not ComplaintDraftFile.objects.exists()
    assert not stored_path.exists()
    assert (Path(settings.MEDIA_ROOT) / evidence.file.name).exists()
    page = html(consumer_client.get(resp["Location"]))
    assert f"投诉已提交，编号 {complaint.public_number}" in page


def test_a_double_click_files_one_complaint(consumer_client: Client) -> None:
    walk(consumer_client)
    key = submit_key(consumer_client)
    first = consumer_client.post("/complaints/new/preview/", {"idempotency_key": key})
    second = consumer_client.post("/complaints/new/preview/", {"idempotency_key": key})
    assert Complaint.objects.count() == 1
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]


def test_an_outdated_key_changes_nothing(consumer_client: Client) -> None:
    walk(consumer_client)
    resp = consumer_client.post("/complaints/new/preview/", {"idempotency_key": "0" * 32})
    assert resp.status_code == 200
    assert "草稿已经提交，或已在其他页面重新开始" in html(resp)
    assert not Complaint.objects.exists()


def test_a_picked_company_id_is_used(
    consumer_client: Client, company: Company, other_company: Company
) -> None:
    walk(
        consumer_client,
        company={"company_name": other_company.name, "company_id": str(other_company.pk)},
    )
    consumer_client.post(
        "/complaints/new/preview/", {"idempotency_key": submit_key(consumer_client)}
    )
    assert Complaint.objects.get().company == other_company


def test_a_new_company_is_created_only_when_the_complaint_is_filed(
    consumer_client: Client,
) -> None:
    walk(consumer_client, company={"company_name": "街角新开的奶茶店"})
    assert not Company.objects.filter(name="街角新开的奶茶店").exists()
    page = html(consumer_client.get("/complaints/new/preview/"))
    assert "新企业，平台核实后转交" in page
    consumer_client.post(
        "/complaints/new/preview/", {"idempotency_key": submit_key(consumer_client)}
    )
    new = Company.objects.get(name="街角新开的奶茶店")
    assert not new.is_confirmed
    assert Complaint.objects.get().company == new


def test_show_nickname_changes_the_public_name(consumer: User, consumer_client: Client) -> None:
    walk(consumer_client, details={"show_nickname": "on"})
    public = html(consumer_client.get("/complaints/new/preview/")).split('id="h-private"')[0]
    assert "张三" in public and consumer.pseudonym not in public


# --- errors next to the field, nothing lost ------------------------------------------------


def test_a_rule_of_the_service_is_shown_next_to_its_field_and_the_text_is_kept(
    consumer: User, consumer_client: Client, company: Company
) -> None:
    walk(consumer_client, upto="describe")
    details = "我在6月1日买的东西一直没有发货，客服不回复。"
    resp = consumer_client.post(
        "/complaints/new/describe/",
        {
            "title": "没发货",
            "details": details,
            "problem_types": ["delivery"],
            "demands": ["refund"],
            "op": "next",
        },
    )
    page = html(resp)
    assert resp.status_code == 200
    assert field_error(page, "title") == "投诉标题至少4个字"
    assert 'aria-invalid="true"' in page
    assert 'value="没发货"' in page and details in page
    assert re.search(r'value="delivery"[^>]*checked', page)
    draft = draft_get(consumer)
    assert draft is not None and draft.step == "describe"
    assert draft.data["details"] == details  # saved as typed, a reload shows it too
    assert details in html(consumer_client.get("/complaints/new/describe/"))


def test_problem_types_or_other_are_required(consumer_client: Client, company: Company) -> None:
    walk(consumer_client, upto="describe")
    page = html(
        consumer_client.post(
            "/complaints/new/describe/",
            {**step_data()["describe"], "problem_types": [], "op": "next"},
        )
    )
    assert field_error(page, "problem_types") == "请至少选择一个投诉问题或填写其他问题"
    # free text in "其他" is enough
    resp = consumer_client.post(
        "/complaints/new/describe/",
        {
            **step_data()["describe"],
            "problem_types": [],
            "problem_other": "会员卡无法退",
            "op": "next",
        },
    )
    assert resp.status_code == 302


def test_required_fields_are_named_in_chinese(consumer_client: Client) -> None:
    page = html(
        consumer_client.post("/complaints/new/company/", {"company_name": "", "op": "next"})
    )
    assert field_error(page, "company_name") == "请选择或填写被投诉企业"
    walk(consumer_client, upto="describe")
    page = html(consumer_client.post("/complaints/new/describe/", {"op": "next"}))
    assert field_error(page, "title") == "请填写投诉标题"
    assert field_error(page, "details") == "请填写投诉详情"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("amount", "五十元", "涉诉金额应为数字，例如 199.00"),
        ("amount", "-3", "涉诉金额不能为负数"),
        ("purchase_date", "2025-13-45", "日期格式不正确，例如 2025-06-01"),
        ("purchase_date", "tomorrow", "日期格式不正确，例如 2025-06-01"),
    ],
)
def test_bad_details_are_explained_next_to_the_field(
    consumer_client: Client, company: Company, field: str, value: str, message: str
) -> None:
    walk(consumer_client, upto="details")
    data = {**step_data()["details"], field: value, "op": "next"}
    page = html(consumer_client.post("/complaints/new/details/", data))
    assert field_error(page, field) == message
    assert 'value="DD20250601123456"' in page


def test_a_purchase_in_the_future_is_refused_by_the_service_rule(
    consumer_client: Client, company: Company
) -> None:
    walk(consumer_client, upto="details")
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    data = {**step_data()["details"], "purchase_date": tomorrow, "op": "next"}
    page = html(consumer_client.post("/complaints/new/details/", data))
    assert field_error(page, "purchase_date") == "购买日期不能晚于今天"


def test_an_error_of_an_earlier_step_is_shown_on_that_step(
    consumer_client: Client,
) -> None:
    walk(consumer_client, upto="describe", company={"company_name": "！！！"})
    page = html(
        consumer_client.post("/complaints/new/describe/", {**step_data()["describe"], "op": "next"})
    )
    assert "企业名称只含有空格或标点" in field_error(page, "company_name")
    assert 'value="！！！"' in page


def test_an_unknown_company_id_sends_back_to_the_company_step(consumer_client: Client) -> None:
    walk(
        consumer_client, upto="describe", company={"company_name": "某公司", "company_id": "99999"}
    )
    page = html(
        consumer_client.post("/complaints/new/describe/", {**step_data()["describe"], "op": "next"})
    )
    assert field_error(page, "company_name") == "找不到所选企业"


def test_a_service_error_at_the_final_submit_goes_back_to_its_step(
    consumer: User, consumer_client: Client, company: Company
) -> None:
    walk(consumer_client)
    draft = draft_get(consumer)
    assert draft is not None
    draft.data["title"] = "短"
    draft.save()
    resp = consumer_client.post(
        "/complaints/new/preview/", {"idempotency_key": draft.idempotency_key}
    )
    page = html(resp)
    assert resp.status_code == 200
    assert field_error(page, "title") == "投诉标题至少4个字"
    assert not Complaint.objects.exists()
    assert draft_get(consumer) is not None


def test_the_preview_lists_problems_before_submitting(
    consumer: User, consumer_client: Client, company: Company
) -> None:
    walk(consumer_client)
    draft = draft_get(consumer)
    assert draft is not None
    draft.data["details"] = "太短"
    draft.save()
    page = html(consumer_client.get("/complaints/new/preview/"))
    assert "投诉详情至少10个字" in page
    assert 'href="/complaints/new/describe/"' in page


def test_the_same_open_complaint_twice_is_refused_with_a_link(
    consumer_client: Client, company: Company
) -> None:
    walk(consumer_client)
    consumer_client.post(
        "/complaints/new/preview/", {"idempotency_key": submit_key(consumer_client)}
    )
    first = Complaint.objects.get()
    walk(consumer_client, upto="describe")
    page = html(
        consumer_client.post("/complaints/new/describe/", {**step_data()["describe"], "op": "next"})
    )
    assert "您已就相同内容投诉过该企业，且投诉尚未结束" in page
    assert f"/my/complaints/{first.public_number}/" in page
    assert Complaint.objects.count() == 1


# --- the draft survives ----------------------------------------------------------------


def test_back_and_save_keep_what_was_typed_without_checking_it(
    consumer: User, consumer_client: Client
) -> None:
    walk(consumer_client, upto="describe")
    resp = consumer_client.post("/complaints/new/describe/", {"title": "半", "op": "back"})
    assert resp.status_code == 302 and resp["Location"] == "/complaints/new/company/"
    resp = consumer_client.post("/complaints/new/company/", {"company_name": "快乐", "op": "save"})
    assert resp.status_code == 302 and resp["Location"] == "/complaints/new/company/"
    draft = draft_get(consumer)
    assert draft is not None
    assert draft.data["title"] == "半" and draft.data["company_name"] == "快乐"
    assert 'value="快乐"' in html(consumer_client.get("/complaints/new/company/"))


def test_autosave_from_the_page_script_answers_204(consumer: User, consumer_client: Client) -> None:
    walk(consumer_client, upto="describe")
    resp = consumer_client.post(
        "/complaints/new/describe/",
        {"title": "正在输入的标题", "problem_types": ["quality"], "op": "save"},
        **XHR,
    )
    assert resp.status_code == 204
    draft = draft_get(consumer)
    assert draft is not None
    assert draft.data["title"] == "正在输入的标题" and draft.data["problem_types"] == ["quality"]
    assert draft.step == "describe"
    page = html(consumer_client.get("/complaints/new/"))  # a reload goes to the furthest step
    assert page == ""  # a redirect
    page = html(consumer_client.get("/complaints/new/describe/"))
    assert 'value="正在输入的标题"' in page
    assert re.search(r'value="quality"[^>]*checked', page)


def test_the_draft_ignores_unknown_fields(consumer: User, consumer_client: Client) -> None:
    consumer_client.get("/complaints/new/")
    consumer_client.post(
        "/complaints/new/company/",
        {"company_name": "x", "status": "completed", "consumer": "1", "op": "save"},
    )
    draft = draft_get(consumer)
    assert draft is not None and set(draft.data) == {"company_name", "company_id"}


def test_discarding_deletes_the_draft_and_its_files(
    consumer: User, consumer_client: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    walk(consumer_client, upto="evidence")
    consumer_client.post("/complaints/new/files/", {"evidence": png_upload()}, **XHR)
    stored = ComplaintDraftFile.objects.get()
    path = Path(settings.MEDIA_ROOT) / stored.file.name
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        resp = consumer_client.post("/complaints/new/discard/")
    assert resp.status_code == 302
    assert not ComplaintDraft.objects.filter(pk=stored.draft_id).exists()
    assert not path.exists()


# --- evidence ------------------------------------------------------------------------------


def test_script_upload_returns_the_item_and_the_owner_alone_sees_the_file(
    consumer_client: Client,
    other_consumer: User,
    client_for: Callable[[User | None], Client],
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    walk(consumer_client, upto="evidence")
    resp = consumer_client.post("/complaints/new/files/", {"evidence": png_upload("a.png")}, **XHR)
    assert resp.status_code == 200
    row = ComplaintDraftFile.objects.get()
    fragment = html(resp)
    assert fragment.strip().startswith("<li") and f'data-file-id="{row.pk}"' in fragment
    assert f'src="/complaints/new/files/{row.pk}"' in fragment
    shown = consumer_client.get(f"/complaints/new/files/{row.pk}")
    assert shown.status_code == 200
    assert shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in shown["Content-Security-Policy"]
    assert client_for(other_consumer).get(f"/complaints/new/files/{row.pk}").status_code == 404
    assert Client().get(f"/complaints/new/files/{row.pk}").status_code == 302
    # another consumer cannot delete it either
    assert (
        client_for(other_consumer)
        .post(f"/complaints/new/files/{row.pk}/delete/", **XHR)
        .status_code
        == 404
    )
    path = Path(settings.MEDIA_ROOT) / row.file.name
    with django_capture_on_commit_callbacks(execute=True):
        resp = consumer_client.post(f"/complaints/new/files/{row.pk}/delete/", **XHR)
    assert resp.status_code == 204
    assert not ComplaintDraftFile.objects.exists() and not path.exists()


def test_images_are_stored_without_their_metadata(consumer_client: Client) -> None:
    img = Image.new("RGB", (10, 10), (1, 2, 3))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif)
    walk(consumer_client, upto="evidence")
    upload = SimpleUploadedFile("photo.jpg", out.getvalue(), content_type="image/jpeg")
    consumer_client.post("/complaints/new/files/", {"evidence": upload}, **XHR)
    row = ComplaintDraftFile.objects.get()
    with row.file.open("rb") as fh:
        assert b"SecretCam" not in fh.read()


def test_a_bad_file_is_refused_in_chinese_and_nothing_is_kept(consumer_client: Client) -> None:
    walk(consumer_client, upto="evidence")
    fake = SimpleUploadedFile("virus.png", b"MZ this is not an image", content_type="image/png")
    resp = consumer_client.post("/complaints/new/evidence/", {"op": "upload", "evidence": fake})
    page = html(resp)
    assert resp.status_code == 200
    assert "文件「virus.png」的类型不受支持" in field_error(page, "evidence")
    assert not ComplaintDraftFile.objects.exists()
    fake.seek(0)
    resp = consumer_client.post("/complaints/new/files/", {"evidence": fake}, **XHR)
    assert resp.status_code == 422
    assert "类型不受支持" in html(resp)


def test_the_number_of_files_is_limited(consumer_client: Client, settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "EVIDENCE_MAX_FILES": 2}
    walk(consumer_client, upto="evidence")
    for color in ((1, 1, 1), (2, 2, 2)):
        resp = consumer_client.post(
            "/complaints/new/files/", {"evidence": png_upload(color=color)}, **XHR
        )
        assert resp.status_code == 200
    resp = consumer_client.post("/complaints/new/files/", {"evidence": png_upload()}, **XHR)
    assert resp.status_code == 422
    assert "最多上传2个证据文件" in html(resp)
    assert ComplaintDraftFile.objects.count() == 2


def test_a_file_is_removed_without_javascript(consumer_client: Client) -> None:
    walk(consumer_client, upto="evidence")
    consumer_client.post("/complaints/new/evidence/", {"op": "upload", "evidence": png_upload()})
    row = ComplaintDraftFile.objects.get()
    page = html(consumer_client.get("/complaints/new/evidence/"))
    assert f'name="remove" value="{row.pk}"' in page
    resp = consumer_client.post("/complaints/new/evidence/", {"remove": str(row.pk)})
    assert resp.status_code == 302
    assert not ComplaintDraftFile.objects.exists()


def test_prune_deletes_old_drafts_and_stray_files(
    consumer: User, consumer_client: Client, settings: Any
) -> None:
    walk(consumer_client, upto="evidence")
    consumer_client.post("/complaints/new/files/", {"evidence": png_upload()}, **XHR)
    row = ComplaintDraftFile.objects.get()
    path = Path(settings.MEDIA_ROOT) / row.file.name
    stray = path.with_name("stray.png")
    stray.write_bytes(b"x")
    assert drafts_prune(orphan_min_age_seconds=-1) == {"drafts": 0, "files": 1}
    assert path.exists() and not stray.exists()
    ComplaintDraft.objects.filter(user=consumer).update(
        updated_at=timezone.now() - timedelta(days=31)
    )
    assert drafts_prune()["drafts"] == 1
    assert not path.exists() and not ComplaintDraft.objects.exists()


# --- security ------------------------------------------------------------------------------


def test_wizard_posts_need_a_csrf_token(consumer: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(consumer)
    client.get("/complaints/new/")
    assert (
        client.post("/complaints/new/company/", {"company_name": "x", "op": "save"}).status_code
        == 403
    )
    assert client.post("/complaints/new/files/", {"evidence": png_upload()}).status_code == 403
    assert client.post("/complaints/new/preview/", {"idempotency_key": "x"}).status_code == 403
    assert client.post("/complaints/new/discard/").status_code == 403


def test_typed_markup_is_shown_as_text(consumer_client: Client, company: Company) -> None:
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    walk(
        consumer_client,
        describe={"title": "标题" + payload[:60], "details": "详情很长很长很长" + payload},
    )
    page = html(consumer_client.get("/complaints/new/preview/"))
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


def test_only_consumers_role_check_uses_the_role(make_user: Callable[..., User]) -> None:
    moderator = make_user(Role.MODERATOR)
    client = Client()
    client.force_login(moderator)
    assert client.get("/complaints/new/company/").status_code == 403
