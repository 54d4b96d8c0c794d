"""After logging in, a person whose verified phone or e-mail a company has invited is sent to
/merchant/invitations/ (to accept or decline there; never automatic), unless ``next`` says
where to go."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.companies.models import Company, CompanyInvitation, InvitationState
from tousu.companies.services import company_invite
from tousu.engagement.senders import MemorySender

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-9"
INVITATIONS = "/merchant/invitations/"


@pytest.fixture
def outbox(settings: Any) -> Iterator[list[tuple[str, str, str]]]:
    settings.TOUSU = {
        **settings.TOUSU,
        "MESSAGE_SENDER": "tousu.engagement.senders.MemorySender",
    }
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


def invite(merchant: User, company: Company, login: str) -> CompanyInvitation:
    company_invite(actor=merchant, company_id=company.pk, login=login)
    return CompanyInvitation.objects.get(target=login, state=InvitationState.PENDING)


def password_login(client: Client, user: User, **extra: str) -> Any:
    return client.post("/accounts/login/", {"login": user.phone, "password": PASSWORD, **extra})


def code_login(client: Client, outbox: list[tuple[str, str, str]], login: str, **extra: str) -> Any:
    """Log in (or, with ``path="/accounts/signup/"``, sign up) with a one-time code."""
    path = extra.pop("path", "/accounts/login/")
    client.post(path, {"via": "code", "op": "send", "login": login, **extra})
    bodies = [body for _channel, to, body in outbox if to == login]
    code = re.search(r"验证码是 (\d{6})", bodies[-1])
    assert code
    return client.post(
        path, {"via": "code", "op": "login", "login": login, "code": code.group(1), **extra}
    )


@pytest.fixture
def invitee(make_user: Callable[..., User]) -> User:
    """A consumer whose phone is verified (a log-in with a code did that)."""
    return make_user(Role.CONSUMER, phone="13700001234", phone_verified_at=timezone.now())


def test_password_login_goes_to_the_invitations_page(
    invitee: User, merchant: User, company: Company
) -> None:
    invite(merchant, company, "13700001234")
    client = Client()
    resp = password_login(client, invitee)
    assert resp.status_code == 302
    assert resp["Location"] == INVITATIONS
    page = client.get(INVITATIONS).content.decode()
    assert company.name in page
    # only sent there: nothing was accepted on the person's behalf
    invitee.refresh_from_db()
    assert invitee.role == Role.CONSUMER
    assert CompanyInvitation.objects.get().state == InvitationState.PENDING


def test_next_wins_over_the_invitations_page(
    invitee: User, merchant: User, company: Company
) -> None:
    invite(merchant, company, "13700001234")
    resp = password_login(Client(), invitee, next="/my/complaints/")
    assert resp.status_code == 302
    assert resp["Location"] == "/my/complaints/"


def test_a_next_on_another_site_is_ignored_and_the_invitations_page_used(
    invitee: User, merchant: User, company: Company
) -> None:
    invite(merchant, company, "13700001234")
    resp = password_login(Client(), invitee, next="https://evil.example/")
    assert resp["Location"] == INVITATIONS


def test_without_invitations_login_goes_home(invitee: User) -> None:
    resp = password_login(Client(), invitee)
    assert resp.status_code == 302
    assert resp["Location"] == "/"


def test_an_unverified_phone_is_not_sent_to_the_invitations(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    squatter = make_user(Role.CONSUMER, phone="13700005678")  # registered, never proven
    invite(merchant, company, "13700005678")
    resp = password_login(Client(), squatter)
    assert resp["Location"] == "/"


def test_handled_invitations_do_not_send_anyone_there(
    invitee: User, merchant: User, company: Company
) -> None:
    invitation = invite(merchant, company, "13700001234")
    invitation.state = InvitationState.DECLINED
    invitation.save(update_fields=["state"])
    assert password_login(Client(), invitee)["Location"] == "/"


def test_code_login_verifies_the_phone_and_goes_to_the_invitations_page(
    make_user: Callable[..., User],
    merchant: User,
    company: Company,
    outbox: list[tuple[str, str, str]],
) -> None:
    make_user(Role.CONSUMER, phone="13700002222")  # a password account, phone not yet proven
    invite(merchant, company, "13700002222")
    client = Client()
    resp = code_login(client, outbox, "13700002222")
    assert resp.status_code == 302
    assert resp["Location"] == INVITATIONS
    assert company.name in client.get(INVITATIONS).content.decode()


def test_code_sign_up_of_an_invited_phone_goes_to_the_invitations_page(
    merchant: User, company: Company, outbox: list[tuple[str, str, str]]
) -> None:
    invite(merchant, company, "13700003333")  # nobody has this phone yet
    client = Client()
    resp = code_login(client, outbox, "13700003333", path="/accounts/signup/", nickname="新同事")
    assert resp.status_code == 302
    assert resp["Location"] == INVITATIONS
    newcomer = User.objects.get(phone="13700003333")
    assert newcomer.nickname == "新同事" and newcomer.role == Role.CONSUMER


def test_code_login_with_next_goes_to_next(
    merchant: User, company: Company, outbox: list[tuple[str, str, str]]
) -> None:
    invite(merchant, company, "13700004444")
    resp = code_login(Client(), outbox, "13700004444", next="/complaints/new/")
    assert resp["Location"] == "/complaints/new/"


def test_a_merchant_without_invitations_logs_in_as_before(merchant: User) -> None:
    assert password_login(Client(), merchant)["Location"] == "/"
