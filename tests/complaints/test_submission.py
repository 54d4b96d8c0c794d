"""Filing a complaint over HTTP: idempotent retries, one open complaint per text, amount rules,
public numbers, and bad input that creates nothing."""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from PIL import Image

from tousu.accounts.models import User
from tousu.common import ids
from tousu.companies.models import Brand, Company, CompanyAlias
from tousu.complaints import services
from tousu.complaints.models import Complaint, ComplaintEvent, Evidence, IdempotencyKey

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
NUMBER = re.compile(r"^TS[0-9A-HJKMNP-TV-Z]{10}$")  # Crockford base32: no I, L, O, U


def counts() -> dict[str, int]:
    return {
        "complaints": Complaint.objects.count(),
        "events": ComplaintEvent.objects.count(),
        "evidence": Evidence.objects.count(),
        "keys": IdempotencyKey.objects.count(),
        "companies": Company.objects.count(),
        "aliases": CompanyAlias.objects.count(),
        "brands": Brand.objects.count(),
    }


@pytest.fixture
def post(
    client_for: Callable[[User | None], Client], consumer: User, company: Company
) -> Callable[..., Any]:
    """POST /api/v1/complaints as ``consumer`` (or ``as_user``) about ``company`` by default."""

    def send(form: dict[str, Any], *, as_user: User | None = None, **headers: str) -> Any:
        data = {"company_id": company.pk, **form}
        data = {k: v for k, v in data.items() if v is not None}
        return client_for(as_user or consumer).post("/api/v1/complaints", data, **headers)

    return send


def assert_refused(resp: Any, status: int, code: str) -> None:
    assert resp.status_code == status, resp.content
    body = resp.json()
    assert body["code"] == code
    assert CJK.search(body["message"]), body["message"]
    assert set(body) == {"code", "message", "details"}


# --- Idempotency-Key ------------------------------------------------------------------------------


def test_a_retry_with_the_same_idempotency_key_returns_the_same_complaint(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    first = post(complaint_form, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert first.status_code == 201, first.content
    again = post(complaint_form, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert again.status_code == 200, again.content
    assert again.json()["public_number"] == first.json()["public_number"]
    # a retry whose body was edited in between still answers with the first complaint
    edited = post({**complaint_form, "title": "改过的标题内容"}, HTTP_IDEMPOTENCY_KEY="retry-7f3a")
    assert edited.status_code == 200
    assert edited.json()["public_number"] == first.json()["public_number"]
    assert counts()["complaints"] == 1
    assert counts()["events"] == 1
    assert counts()["keys"] == 1


def test_idempotency_keys_belong_to_one_consumer(
    post: Callable[..., Any], complaint_form: dict[str, Any], other_consumer: User
) -> None:
    mine = post(complaint_form, HTTP_IDEMPOTENCY_KEY="k1")
    theirs = post(complaint_form, as_user=other_consumer, HTTP_IDEMPOTENCY_KEY="k1")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["public_number"] != theirs.json()["public_number"]
    assert counts()["complaints"] == 2


def test_without_a_key_a_second_identical_request_is_a_duplicate(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    assert post(complaint_form).status_code == 201
    assert_refused(post(complaint_form), 409, "duplicate_open_complaint")
    assert counts()["complaints"] == 1


def test_a_key_of_a_refused_request_does_not_stick(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    assert_refused(
        post({**complaint_form, "amount": "-5"}, HTTP_IDEMPOTENCY_KEY="k2"), 422, "invalid_amount"
    )
    resp = post(complaint_form, HTTP_IDEMPOTENCY_KEY="k2")
    assert resp.status_code == 201
    assert counts()["complaints"] == 1


# --- one open complaint per company and text ------------------------------------------------------

TRADITIONAL_FULL_WIDTH = {
    "title": "外賣超時兩小時拒絕退款",
    "details": "６月１日在平臺點餐，超時兩個小時才送到，飯菜已經涼了，申請退款被客服拒絕。",
}


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param({}, id="identical"),
        pytest.param(TRADITIONAL_FULL_WIDTH, id="traditional-and-full-width"),
        pytest.param(
            {
                "title": "  外卖超时两小时拒绝退款 ",
                "details": (
                    "6月1日在平台点餐，超时两个小时才送到，饭菜已经凉了，申请退款被客服拒绝。\n"
                ),
            },
            id="surrounding-spaces",
        ),
        pytest.param({"title": "外卖超时两小时拒绝退款\u200b"}, id="zero-width-space"),
    ],
)
def test_a_second_open_complaint_with_the_same_text_is_refused(
    post: Callable[..., Any], complaint_form: dict[str, Any], variant: dict[str, str]
) -> None:
    first = post(complaint_form)
    assert first.status_code == 201
    before = counts()
    resp = post({**complaint_form, **variant})
    assert_refused(resp, 409, "duplicate_open_complaint")
    assert resp.json()["details"] == {"public_number": first.json()["public_number"]}
    assert counts() == before


def test_the_same_text_is_fine_for_another_company_another_consumer_or_after_withdrawal(
    post: Callable[..., Any],
    complaint_form: dict[str, Any],
    other_company: Company,
    other_consumer: User,
    client_for: Callable[[User | None], Client],
    consumer: User,
) -> None:
    first = post(complaint_form)
    assert first.status_code == 201
    assert post({**complaint_form, "company_id": other_company.pk}).status_code == 201
    assert post(complaint_form, as_user=other_consumer).status_code == 201
    number = first.json()["public_number"]
    resp = client_for(consumer).post(
        f"/api/v1/complaints/{number}/withdraw", data={}, content_type="application/json"
    )
    assert resp.status_code == 200
    assert post(complaint_form).status_code == 201
    assert counts()["complaints"] == 4


def test_resubmitting_a_rejected_complaint_is_refused_while_its_copy_is_open(
    post: Callable[..., Any],
    complaint_form: dict[str, Any],
    client_for: Callable[[User | None], Client],
    consumer: User,
    moderator: User,
) -> None:
    """Rejected complaints are not open, so the consumer may file the text again; the rejected
    one must then not come back to review as a second open copy."""
    rejected = post(complaint_form).json()["public_number"]
    resp = client_for(moderator).post(
        f"/api/v1/complaints/{rejected}/reject",
        data={"reason": "insufficient"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    assert post(complaint_form).status_code == 201
    before = Complaint.objects.filter(public_number=rejected).values().get()
    resp = client_for(consumer).post(
        f"/api/v1/complaints/{rejected}/resubmit", data={}, content_type="application/json"
    )
    assert_refused(resp, 409, "duplicate_open_complaint")
    assert Complaint.objects.filter(public_number=rejected).values().get() == before
    # with an edited text it is a different complaint and may go back to review
    resp = client_for(consumer).post(
        f"/api/v1/complaints/{rejected}/resubmit",
        data={"details": "补充：另一笔订单 DD20250602000001 也超时，同样被拒绝退款。"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "pending_review"


# --- the amount -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-1", "涉诉金额不能为负数"),
        ("-0.01", "涉诉金额不能为负数"),
        ("1000000000.01", "涉诉金额不能超过10亿元"),
        ("1e10", "涉诉金额不能超过10亿元"),
        ("12.345", "涉诉金额最多两位小数"),
        ("0.001", "涉诉金额最多两位小数"),
        ("abc", "涉诉金额应为数字，例如 199.00"),
        ("12元", "涉诉金额应为数字，例如 199.00"),
        ("NaN", "涉诉金额应为数字"),
        ("Infinity", "涉诉金额应为数字"),
        ("1.2.3", "涉诉金额应为数字，例如 199.00"),
    ],
)
def test_bad_amounts_are_refused_with_a_chinese_message_and_create_nothing(
    post: Callable[..., Any], complaint_form: dict[str, Any], amount: str, message: str
) -> None:
    before = counts()
    resp = post({**complaint_form, "amount": amount})
    assert_refused(resp, 422, "invalid_amount")
    assert resp.json()["message"] == message
    assert resp.json()["details"] == {"field": "amount"}
    assert counts() == before


@pytest.mark.parametrize(
    ("amount", "stored"),
    [
        ("1000000000", "1000000000.00"),
        ("0", "0.00"),
        ("0.1", "0.10"),
        ("1,234.5", "1234.50"),
        (" 99 ", "99.00"),
        ("１９９.００", "199.00"),  # typed with a Chinese input method
        ("", None),
    ],
)
def test_good_amounts_are_stored_with_two_decimals(
    post: Callable[..., Any], complaint_form: dict[str, Any], amount: str, stored: str | None
) -> None:
    resp = post({**complaint_form, "amount": amount})
    assert resp.status_code == 201, resp.content
    c = Complaint.objects.get()
    assert (str(c.amount) if c.amount is not None else None) == stored


# --- public numbers -------------------------------------------------------------------------------


def _value(number: str) -> int:
    return sum(ids.ALPHABET.index(ch) * 32**i for i, ch in enumerate(reversed(number[2:])))


def test_public_numbers_are_random_readable_and_never_a_phone_number(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    numbers = []
    for n in range(12):
        resp = post({**complaint_form, "title": f"外卖超时拒绝退款第{n}单"})
        assert resp.status_code == 201
        numbers.append(resp.json()["public_number"])
    for number in numbers:
        assert NUMBER.match(number), number
        assert not re.search(r"1\d{10}", number)
        assert not re.fullmatch(r"\d{11}", number)
    values = [_value(n) for n in numbers]
    assert len(set(values)) == len(values)
    # not sequential: neighbours are far apart and creation order is not numeric order
    assert all(abs(b - a) > 1_000_000 for a, b in itertools.pairwise(values))
    assert values != sorted(values)


def test_the_number_generator() -> None:
    numbers = {ids.new_public_number() for _ in range(5000)}
    assert len(numbers) == 5000
    assert all(NUMBER.match(n) for n in numbers)
    assert not any(re.search(r"\d{11}", n) for n in numbers)


def test_a_number_collision_is_retried(
    post: Callable[..., Any],
    complaint_form: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    taken = post(complaint_form).json()["public_number"]
    field = Complaint._meta.get_field("public_number")
    monkeypatch.setattr(field, "_get_default", lambda: taken)  # the model's cached default
    monkeypatch.setattr(services, "new_public_number", lambda: "TS0000000042")
    resp = post({**complaint_form, "title": "另一单外卖也超时了"})
    assert resp.status_code == 201, resp.content
    assert resp.json()["public_number"] == "TS0000000042"
    assert counts()["complaints"] == 2


# --- bad input creates nothing --------------------------------------------------------------------


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


BAD_FORMS = [
    ({"title": ""}, "required", "title"),
    ({"title": "退款"}, "too_short", "title"),
    ({"title": "超" * 81}, "too_long", "title"),
    ({"details": "太慢了"}, "too_short", "details"),
    ({"problem_types": ["no_such_problem"]}, "invalid_choice", "problem_types"),
    ({"problem_types": [], "problem_other": ""}, "required", "problem_types"),
    ({"demands": ["free_money"]}, "invalid_choice", "demands"),
    ({"demands": []}, "required", "demands"),
    ({"order_number": "D" * 65}, "too_long", "order_number"),
    ({"consumer_region": "999999"}, "invalid_region", "consumer_region"),
    ({"company_id": 987654}, "invalid_company", "company_id"),
    ({"company_id": None, "company_name": ""}, "required", "company_id"),
]


@pytest.mark.parametrize(
    ("change", "code", "field"), BAD_FORMS, ids=[f"{c}-{f}" for _, c, f in BAD_FORMS]
)
def test_bad_input_creates_nothing(
    post: Callable[..., Any],
    complaint_form: dict[str, Any],
    change: dict[str, Any],
    code: str,
    field: str,
) -> None:
    before = counts()
    resp = post({**complaint_form, **change}, HTTP_IDEMPOTENCY_KEY="bad-1")
    assert_refused(resp, 422, code)
    assert resp.json()["details"]["field"] == field
    assert counts() == before


def test_dates_out_of_range_create_nothing(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    before = counts()
    today = timezone.localdate()
    tomorrow = (today + timedelta(days=1)).isoformat()
    assert_refused(post({**complaint_form, "purchase_date": tomorrow}), 422, "invalid_date")
    too_old = (today - timedelta(days=3 * 365 + 1)).isoformat()
    assert_refused(post({**complaint_form, "purchase_date": too_old}), 422, "too_old")
    assert counts() == before


def test_a_new_company_name_with_a_bad_brand_creates_no_company(
    post: Callable[..., Any], complaint_form: dict[str, Any], company: Company
) -> None:
    """The typed company would be created before the brand check fails: it must roll back."""
    brand = company.brands.get()
    before = counts()
    resp = post(
        {
            **complaint_form,
            "company_id": None,
            "company_name": "从未见过的新公司",
            "brand_id": brand.pk,
        }
    )
    assert_refused(resp, 422, "invalid_brand")
    assert counts() == before
    assert not Company.objects.filter(name="从未见过的新公司").exists()


def test_a_new_company_name_with_a_good_form_creates_an_unconfirmed_company(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    resp = post({**complaint_form, "company_id": None, "company_name": "从未见过的新公司"})
    assert resp.status_code == 201, resp.content
    created = Company.objects.get(name="从未见过的新公司")
    assert created.is_confirmed is False
    assert resp.json()["company"]["id"] == created.pk


def test_a_bad_evidence_file_creates_nothing(
    post: Callable[..., Any], complaint_form: dict[str, Any], settings: Any
) -> None:
    before = counts()
    junk = io.BytesIO(b"MZ\x90\x00 this is not a picture")
    junk.name = "发票.exe"
    resp = post({**complaint_form, "evidence": [junk]})
    assert_refused(resp, 422, "unsupported_file_type")
    assert counts() == before
    media = settings.MEDIA_ROOT
    assert not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def test_too_many_files_create_nothing(
    post: Callable[..., Any], complaint_form: dict[str, Any], settings: Any
) -> None:
    settings.TOUSU = {**settings.TOUSU, "EVIDENCE_MAX_FILES": 1}
    files = []
    for n in range(2):
        f = io.BytesIO(_png())
        f.name = f"截图{n}.png"
        files.append(f)
    before = counts()
    assert_refused(post({**complaint_form, "evidence": files}), 422, "too_many_files")
    assert counts() == before


def test_only_consumers_file_complaints(
    post: Callable[..., Any], complaint_form: dict[str, Any], merchant: User
) -> None:
    before = counts()
    assert_refused(post(complaint_form, as_user=merchant), 403, "consumers_only")
    assert counts() == before


def test_a_good_complaint_with_evidence(
    post: Callable[..., Any], complaint_form: dict[str, Any]
) -> None:
    f = io.BytesIO(_png())
    f.name = "聊天记录.png"
    resp = post({**complaint_form, "evidence": [f]})
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["status"] == "pending_review"
    assert body["amount"] in ("58.50", 58.5)
    assert len(body["evidence"]) == 1
    c = Complaint.objects.get()
    assert list(c.events.values_list("kind", "to_status")) == [("submitted", "pending_review")]
