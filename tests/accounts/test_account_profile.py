"""The profile services the web profile page calls: nickname change, proving a contact."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tousu.accounts.models import Role, User
from tousu.accounts.services import otp_send, user_contact_verify, user_update_profile
from tousu.common.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def test_nickname_is_trimmed_saved_and_may_be_emptied(make_user: Callable[..., User]) -> None:
    user = make_user(Role.CONSUMER, nickname="旧昵称")
    user_update_profile(user=user, nickname="  新昵称 ")
    user.refresh_from_db()
    assert user.nickname == "新昵称"
    user_update_profile(user=user, nickname="")
    user.refresh_from_db()
    assert user.nickname == "" and user.display_name == user.pseudonym


def test_a_too_long_nickname_is_refused_next_to_the_field(make_user: Callable[..., User]) -> None:
    user = make_user(Role.CONSUMER, nickname="旧昵称")
    with pytest.raises(ValidationFailed) as caught:
        user_update_profile(user=user, nickname="长" * 41)
    assert caught.value.details == {"field": "nickname"}
    user.refresh_from_db()
    assert user.nickname == "旧昵称"


def test_a_contact_is_verified_with_a_code_sent_to_it(
    make_user: Callable[..., User], code_sent_to: Callable[[str], str]
) -> None:
    user = make_user(Role.CONSUMER, email="me@example.com")
    assert user.email_verified_at is None
    otp_send(login="me@example.com", purpose="verify")
    with pytest.raises(ValidationFailed) as caught:
        user_contact_verify(user=user, channel="email", code="000000")
    assert caught.value.code == "otp_wrong"
    user_contact_verify(user=user, channel="email", code=code_sent_to("me@example.com"))
    user.refresh_from_db()
    assert user.email_verified_at is not None and user.phone_verified_at is None


def test_a_login_code_does_not_verify_a_contact(
    make_user: Callable[..., User], code_sent_to: Callable[[str], str]
) -> None:
    """Only a code sent for verifying counts (``purpose="verify"``)."""
    user = make_user(Role.CONSUMER, phone="13700007777")
    otp_send(login="13700007777")
    with pytest.raises(ValidationFailed) as caught:
        user_contact_verify(user=user, channel="phone", code=code_sent_to("13700007777"))
    assert caught.value.code == "otp_expired"
    user.refresh_from_db()
    assert user.phone_verified_at is None


@pytest.mark.parametrize("channel", ["email", "nickname", ""])
def test_only_an_own_phone_or_email_can_be_verified(
    make_user: Callable[..., User], channel: str
) -> None:
    user = make_user(Role.CONSUMER)  # a phone, no e-mail
    with pytest.raises(ValidationFailed) as caught:
        user_contact_verify(user=user, channel=channel, code="123456")
    assert caught.value.code == "invalid_channel"
