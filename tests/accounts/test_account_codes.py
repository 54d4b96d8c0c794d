"""One-time codes by SMS or e-mail: sending limits, expiry, single use, attempts, first login."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from tousu.accounts.models import OneTimeCode, Role, User
from tousu.accounts.services import otp_send, otp_verify
from tousu.common.errors import RateLimited, ValidationFailed
from tousu.engagement.senders import LogSender, MemorySender, get_sender

pytestmark = pytest.mark.django_db

PHONE = "13800138000"


@pytest.fixture
def frozen(time_machine: Any) -> Any:
    """Time stands still until the test shifts it."""
    time_machine.move_to(timezone.now().replace(microsecond=0), tick=False)
    return time_machine


def test_code_goes_out_through_the_configured_sender_and_logs_in(
    api: Any, outbox: list[tuple[str, str, str]], code_sent_to: Callable[[str], str]
) -> None:
    resp = api.post("/auth/otp", {"login": "+86 138-0013-8000"})
    assert resp.status_code == 202, resp.content
    body = resp.json()
    assert body["sent_to"] == "138****8000"
    assert body["channel"] == "sms"
    assert [(channel, to) for channel, to, _ in outbox] == [("sms", PHONE)]
    code = code_sent_to(PHONE)
    assert "10 分钟内有效" in outbox[0][2]

    otp = OneTimeCode.objects.get()
    assert otp.code_hash != code and code not in otp.code_hash

    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code})
    assert resp.status_code == 200, resp.content
    assert resp.json()["phone"] == PHONE
    assert api.get("/me").json()["phone"] == PHONE


def test_first_login_by_code_creates_a_verified_consumer(
    api: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code_sent_to(PHONE)})
    assert resp.status_code == 200
    body = resp.json()
    assert body["role"] == "consumer"
    assert body["phone_verified"] is True and body["email_verified"] is False
    user = User.objects.get()
    assert user.role == Role.CONSUMER
    assert user.phone_verified_at is not None
    assert not user.has_usable_password()


def test_code_by_email_marks_the_email_verified_on_an_existing_account(
    api: Any, make_user: Callable[..., User], outbox: list[Any], code_sent_to: Callable[[str], str]
) -> None:
    user = make_user(email="li@example.com")
    resp = api.post("/auth/otp", {"login": "LI@Example.com"})
    assert resp.status_code == 202
    assert resp.json()["sent_to"] == "li****@example.com"
    assert resp.json()["channel"] == "email"
    assert outbox[0][:2] == ("email", "li@example.com")
    assert outbox[0][2].startswith("投诉平台验证码\n")
    resp = api.post(
        "/auth/otp/login", {"login": "li@example.com", "code": code_sent_to("li@example.com")}
    )
    assert resp.status_code == 200
    assert resp.json()["id"] == user.pk
    assert resp.json()["email_verified"] is True
    assert User.objects.count() == 1
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert user.phone_verified_at is None


def test_code_is_single_use(api: Any, new_api: Any, code_sent_to: Callable[[str], str]) -> None:
    api.post("/auth/otp", {"login": PHONE})
    code = code_sent_to(PHONE)
    assert api.post("/auth/otp/login", {"login": PHONE, "code": code}).status_code == 200
    again = new_api().post("/auth/otp/login", {"login": PHONE, "code": code})
    assert again.status_code == 422
    assert again.json()["code"] == "otp_expired"


def test_code_expires_after_ten_minutes(
    api: Any, frozen: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    code = code_sent_to(PHONE)
    frozen.shift(timedelta(seconds=600))
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code})
    assert resp.status_code == 422
    assert resp.json() == {
        "code": "otp_expired",
        "message": "验证码已过期或不存在，请重新获取",
        "details": {"field": "code"},
    }
    assert User.objects.count() == 0


def test_code_works_until_it_expires(
    api: Any, frozen: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    frozen.shift(timedelta(seconds=599))
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code_sent_to(PHONE)})
    assert resp.status_code == 200


def test_wrong_codes_count_and_lock_after_five(
    api: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    code = code_sent_to(PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for attempt in range(1, 6):
        resp = api.post("/auth/otp/login", {"login": PHONE, "code": wrong})
        assert resp.status_code == 422
        body = resp.json()
        assert body["code"] == "otp_wrong"
        assert body["details"] == {"field": "code", "attempts_left": 5 - attempt}
        assert OneTimeCode.objects.get().attempts == attempt  # recorded, not rolled back
    assert body["message"] == "验证码错误次数过多，请重新获取"
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code})  # even the right one
    assert resp.status_code == 429
    assert resp.json()["code"] == "otp_locked"
    assert User.objects.count() == 0
    assert OneTimeCode.objects.get().used_at is None


def test_wrong_code_message_says_how_many_tries_are_left(
    api: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    code = code_sent_to(PHONE)
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": "12345"})
    assert resp.json()["message"] == "验证码不正确，还可以尝试4次"
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code})
    assert resp.status_code == 200


def test_full_width_code_is_accepted(api: Any, code_sent_to: Callable[[str], str]) -> None:
    api.post("/auth/otp", {"login": PHONE})
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code_sent_to(PHONE))
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": f" {full_width} "})
    assert resp.status_code == 200


def test_a_new_code_replaces_a_locked_one(
    api: Any, frozen: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    for _ in range(5):
        api.post("/auth/otp/login", {"login": PHONE, "code": "abcdef"})
    frozen.shift(timedelta(seconds=60))
    assert api.post("/auth/otp", {"login": PHONE}).status_code == 202
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code_sent_to(PHONE)})
    assert resp.status_code == 200


def test_only_the_latest_code_counts(
    api: Any, frozen: Any, code_sent_to: Callable[[str], str]
) -> None:
    api.post("/auth/otp", {"login": PHONE})
    first = code_sent_to(PHONE)
    frozen.shift(timedelta(seconds=60))
    api.post("/auth/otp", {"login": PHONE})
    latest = code_sent_to(PHONE)
    if first != latest:
        resp = api.post("/auth/otp/login", {"login": PHONE, "code": first})
        assert resp.json()["code"] == "otp_wrong"
    assert api.post("/auth/otp/login", {"login": PHONE, "code": latest}).status_code == 200


def test_sixty_seconds_between_sends(api: Any, frozen: Any, outbox: list[Any]) -> None:
    assert api.post("/auth/otp", {"login": PHONE}).status_code == 202
    frozen.shift(timedelta(seconds=59))
    resp = api.post("/auth/otp", {"login": "+86 " + PHONE})
    assert resp.status_code == 429
    assert resp.json() == {
        "code": "otp_too_soon",
        "message": "请等待1秒后再获取验证码",
        "details": {"retry_after_seconds": 1},
    }
    assert len(outbox) == 1
    frozen.shift(timedelta(seconds=1))
    assert api.post("/auth/otp", {"login": PHONE}).status_code == 202
    assert len(outbox) == 2
    # another target is not held back
    assert api.post("/auth/otp", {"login": "13900000001"}).status_code == 202


def test_five_sends_per_hour_per_target(api: Any, frozen: Any, outbox: list[Any]) -> None:
    for _ in range(5):
        assert api.post("/auth/otp", {"login": PHONE}).status_code == 202
        frozen.shift(timedelta(minutes=5))
    resp = api.post("/auth/otp", {"login": PHONE})
    assert resp.status_code == 429
    body = resp.json()
    assert body["code"] == "otp_rate_limited"
    assert body["message"] == "验证码发送过于频繁，请一小时后再试"
    assert body["details"] == {"retry_after_seconds": 35 * 60}
    assert len(outbox) == 5
    frozen.shift(timedelta(minutes=35))  # the first send is now an hour old
    assert api.post("/auth/otp", {"login": PHONE}).status_code == 202
    assert len(outbox) == 6


def test_sends_are_limited_per_address(new_api: Any, outbox: list[Any]) -> None:
    client = new_api(REMOTE_ADDR="10.1.2.3")
    for i in range(30):
        assert client.post("/auth/otp", {"login": f"1390000{i:04d}"}).status_code == 202
    resp = client.post("/auth/otp", {"login": "13900009999"})
    assert resp.status_code == 429
    assert resp.json()["code"] == "rate_limited"
    assert len(outbox) == 30
    other = new_api(REMOTE_ADDR="10.1.2.4")
    assert other.post("/auth/otp", {"login": "13900009999"}).status_code == 202


def test_address_limit_behind_a_proxy_uses_the_forwarded_address(
    settings: Any, new_api: Any, outbox: list[Any]
) -> None:
    settings.TOUSU = {**settings.TOUSU, "TRUSTED_PROXY_HOPS": 1}
    proxy = new_api(REMOTE_ADDR="127.0.0.1")
    for i in range(30):
        resp = proxy.post(
            "/auth/otp", {"login": f"1390000{i:04d}"}, HTTP_X_FORWARDED_FOR="1.1.1.1, 8.8.8.8"
        )
        assert resp.status_code == 202
    # the same client, whatever it writes itself at the left of the header
    resp = proxy.post(
        "/auth/otp", {"login": "13900009999"}, HTTP_X_FORWARDED_FOR="6.6.6.6, 8.8.8.8"
    )
    assert resp.status_code == 429
    # another client behind the same proxy
    resp = proxy.post("/auth/otp", {"login": "13900009999"}, HTTP_X_FORWARDED_FOR="9.9.9.9")
    assert resp.status_code == 202


def test_invalid_targets_send_nothing(api: Any, outbox: list[Any]) -> None:
    for login in ("12345", "zhang@", ""):
        resp = api.post("/auth/otp", {"login": login})
        assert resp.status_code == 422, login
    assert outbox == []
    assert OneTimeCode.objects.count() == 0


def test_login_without_a_code_sent_is_422(api: Any) -> None:
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": "123456"})
    assert resp.status_code == 422
    assert resp.json()["code"] == "otp_expired"


def test_deactivated_account_cannot_log_in_by_code(
    api: Any, make_user: Callable[..., User], code_sent_to: Callable[[str], str]
) -> None:
    make_user(phone=PHONE, is_active=False)
    api.post("/auth/otp", {"login": PHONE})
    resp = api.post("/auth/otp/login", {"login": PHONE, "code": code_sent_to(PHONE)})
    assert resp.status_code == 403
    assert resp.json()["code"] == "account_disabled"
    assert api.get("/me").status_code == 401


def test_codes_are_per_target(outbox: list[Any], code_sent_to: Callable[[str], str]) -> None:
    otp_send(login=PHONE)
    otp_send(login="13900000001")
    with pytest.raises(ValidationFailed):
        otp_verify(login="13900000001", code=code_sent_to(PHONE) + "x")
    assert otp_verify(login="13900000001", code=code_sent_to("13900000001")) == "13900000001"


def test_verify_counts_attempts_inside_an_outer_transaction(
    outbox: list[Any], code_sent_to: Callable[[str], str]
) -> None:
    otp_send(login=PHONE)
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            otp_verify(login=PHONE, code="x")
    with pytest.raises(RateLimited):
        otp_verify(login=PHONE, code=code_sent_to(PHONE))


def test_sender_follows_the_setting(settings: Any) -> None:
    settings.TOUSU = {**settings.TOUSU, "MESSAGE_SENDER": "tousu.engagement.senders.LogSender"}
    assert isinstance(get_sender(), LogSender)
    with override_settings(
        TOUSU={**settings.TOUSU, "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender"}
    ):
        assert isinstance(get_sender(), MemorySender)
    assert isinstance(get_sender(), LogSender)
