"""The team of a company /merchant/team/ and the invitee's page /merchant/invitations/: only
owners manage, the last owner stays, an invitation is accepted by its invitee only."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.utils import timezone
from test_merchant_helpers import accepted, logged_in, text

from tousu.accounts.models import Role, User
from tousu.companies.models import (
    Company,
    CompanyInvitation,
    CompanyMembership,
    InvitationState,
    MemberRole,
)
from tousu.companies.services import company_add_member
from tousu.engagement.models import Notification

pytestmark = pytest.mark.django_db
URL = "/merchant/team/"


def membership(company: Company, user: User) -> CompanyMembership:
    return CompanyMembership.objects.get(company=company, user=user)


@pytest.fixture
def agent(make_user: Callable[..., User], company: Company, merchant: User) -> User:
    user = make_user(Role.MERCHANT, nickname="客服小王")
    company_add_member(company=company, user=user, role=MemberRole.AGENT)
    return user


def test_members_see_the_team_and_only_owners_get_the_controls(merchant: User, agent: User) -> None:
    owner_page = text(logged_in(merchant).get(URL))
    assert "客服小王" in owner_page and "商家客服" in owner_page
    assert 'value="invite"' in owner_page and 'value="remove"' in owner_page
    assert agent.phone not in owner_page  # masked: 139****0002
    agent_page = text(logged_in(agent).get(URL))
    assert "客服小王" in agent_page and 'value="invite"' not in agent_page


def test_anonymous_consumers_and_outsiders(
    consumer: User, other_merchant: User, company: Company, merchant: User
) -> None:
    assert logged_in(None).get(URL).status_code == 302
    assert logged_in(consumer).get(URL).status_code == 403
    # another company's owner asking for this company's team
    assert logged_in(other_merchant).get(f"{URL}?company={company.pk}").status_code == 403


def test_inviting_an_existing_merchant_adds_them(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    colleague = make_user(Role.MERCHANT)
    response = logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": colleague.phone, "role": "viewer"}
    )
    assert response.status_code == 302
    assert membership(company, colleague).role == MemberRole.VIEWER
    assert Notification.objects.filter(user=colleague, kind="team").exists()


def test_an_unknown_phone_gets_an_invitation_accepted_after_sign_up(
    make_user: Callable[..., User],
    consumer: User,
    moderator: User,
    merchant: User,
    company: Company,
) -> None:
    response = logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": "+86 137-0000-1234", "role": "agent"}
    )
    assert response.status_code == 302
    invitation = CompanyInvitation.objects.get()
    assert invitation.target == "13700001234" and invitation.state == InvitationState.PENDING
    assert "13700001234" in text(logged_in(merchant).get(URL))  # listed as waiting
    # the person signs up with that phone (a code log-in verifies it)
    newcomer = make_user(Role.CONSUMER, phone="13700001234", phone_verified_at=timezone.now())
    client = logged_in(newcomer)
    assert client.get("/merchant/").status_code == 302  # sent to the invitations page
    page = text(client.get("/merchant/invitations/"))
    assert company.name in page and "此账号将成为商家账号" in page
    response = client.post("/merchant/invitations/", {"op": "accept", "invitation": invitation.pk})
    assert response.status_code == 302 and response["Location"] == "/merchant/"
    newcomer.refresh_from_db()
    assert newcomer.role == Role.MERCHANT
    assert membership(company, newcomer).role == MemberRole.AGENT
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ACCEPTED and invitation.accepted_by == newcomer
    complaint = accepted(consumer, moderator, company)
    assert complaint.title in text(client.get("/merchant/"))


def test_an_existing_consumer_is_invited_not_converted(
    consumer: User, merchant: User, company: Company
) -> None:
    logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": consumer.phone, "role": "agent"}
    )
    consumer.refresh_from_db()
    assert consumer.role == Role.CONSUMER
    assert not CompanyMembership.objects.filter(user=consumer).exists()
    assert CompanyInvitation.objects.filter(target=consumer.phone).exists()
    assert Notification.objects.filter(user=consumer, kind="team").exists()


def test_an_unverified_phone_does_not_match_an_invitation(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": "13700005678", "role": "agent"}
    )
    invitation = CompanyInvitation.objects.get()
    # someone registers that phone with a password, without proving they own it
    squatter = make_user(Role.CONSUMER, phone="13700005678")
    client = logged_in(squatter)
    page = text(client.get("/merchant/invitations/"))
    assert company.name not in page and "验证码登录" in page
    response = client.post("/merchant/invitations/", {"op": "accept", "invitation": invitation.pk})
    assert response.status_code == 404
    assert not CompanyMembership.objects.filter(user=squatter).exists()


def test_an_invitee_declines_and_an_owner_revokes(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    client = logged_in(merchant)
    for phone in ("13700000001", "13700000002"):
        client.post(URL, {"op": "invite", "company": company.pk, "login": phone, "role": "agent"})
    first, second = CompanyInvitation.objects.order_by("id")
    invitee = make_user(Role.CONSUMER, phone="13700000001", phone_verified_at=timezone.now())
    logged_in(invitee).post("/merchant/invitations/", {"op": "decline", "invitation": first.pk})
    first.refresh_from_db()
    assert first.state == InvitationState.DECLINED
    response = client.post(URL, {"op": "revoke", "company": company.pk, "invitation": second.pk})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.state == InvitationState.REVOKED


def test_staff_accounts_cannot_be_invited(
    moderator: User, merchant: User, company: Company
) -> None:
    response = logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": moderator.phone, "role": "agent"}
    )
    assert response.status_code == 422
    assert "平台工作人员" in text(response)


def test_a_bad_phone_is_reported_next_to_the_field(merchant: User, company: Company) -> None:
    response = logged_in(merchant).post(
        URL, {"op": "invite", "company": company.pk, "login": "12345", "role": "agent"}
    )
    assert response.status_code == 422
    assert response.context["invite_form"].errors["login"]


def test_only_owners_manage(agent: User, merchant: User, company: Company) -> None:
    client = logged_in(agent)
    owner = membership(company, merchant)
    response = client.post(
        URL, {"op": "invite", "company": company.pk, "login": "13700009999", "role": "owner"}
    )
    assert response.status_code == 403
    assert client.post(URL, {"op": "remove", "membership": owner.pk}).status_code == 403
    response = client.post(URL, {"op": "set_role", "membership": owner.pk, "role": "viewer"})
    assert response.status_code == 403
    assert membership(company, merchant).role == MemberRole.OWNER
    assert not CompanyInvitation.objects.exists()


def test_an_owner_of_another_company_cannot_touch_this_team(
    other_merchant: User, agent: User, company: Company
) -> None:
    target = membership(company, agent)
    response = logged_in(other_merchant).post(URL, {"op": "remove", "membership": target.pk})
    assert response.status_code == 403
    assert CompanyMembership.objects.filter(pk=target.pk).exists()


def test_change_role_and_remove(merchant: User, agent: User, company: Company) -> None:
    client = logged_in(merchant)
    target = membership(company, agent)
    response = client.post(
        URL, {"op": "set_role", "company": company.pk, "membership": target.pk, "role": "viewer"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == MemberRole.VIEWER
    response = client.post(URL, {"op": "remove", "company": company.pk, "membership": target.pk})
    assert response.status_code == 302
    assert not CompanyMembership.objects.filter(pk=target.pk).exists()


def test_the_last_owner_cannot_be_removed_or_demoted(
    merchant: User, agent: User, company: Company
) -> None:
    client = logged_in(merchant)
    mine = membership(company, merchant)
    response = client.post(URL, {"op": "remove", "company": company.pk, "membership": mine.pk})
    assert response.status_code == 409 and "企业至少需要一位管理员" in text(response)
    response = client.post(
        URL, {"op": "set_role", "company": company.pk, "membership": mine.pk, "role": "agent"}
    )
    assert response.status_code == 409
    assert membership(company, merchant).role == MemberRole.OWNER
    # with a second owner, the first may step down
    client.post(
        URL,
        {
            "op": "set_role",
            "company": company.pk,
            "membership": membership(company, agent).pk,
            "role": "owner",
        },
    )
    response = client.post(
        URL, {"op": "set_role", "company": company.pk, "membership": mine.pk, "role": "agent"}
    )
    assert response.status_code == 302
    assert membership(company, merchant).role == MemberRole.AGENT


def test_csrf_is_enforced(merchant: User, agent: User, company: Company) -> None:
    target = membership(company, agent)
    response = logged_in(merchant, csrf=True).post(URL, {"op": "remove", "membership": target.pk})
    assert response.status_code == 403
    assert CompanyMembership.objects.filter(pk=target.pk).exists()
