"""Company API keys over HTTP: a key sees its own company only (even when its creator belongs to
others), scopes are enforced, revoked keys fail, each key has its own rate limit."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import Role, User
from tousu.common.errors import PermissionDenied
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member, company_member_remove
from tousu.complaints.models import Complaint, ComplaintEvent
from tousu.complaints.states import Status
from tousu.merchants.api_keys import api_key_create, api_key_revoke
from tousu.merchants.models import ApiKeyAction, CompanyApiKey

pytestmark = pytest.mark.django_db


def with_key(raw: str, header: str = "bearer") -> Client:
    if header == "bearer":
        return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return Client(HTTP_X_API_KEY=raw)


def key_for(owner: User, company: Company, *scopes: str) -> str:
    _key, raw = api_key_create(
        actor=owner, company_id=company.pk, name="ERP 集成", scopes=list(scopes)
    )
    return raw


def state_of(complaint: Complaint) -> tuple[str, int]:
    complaint.refresh_from_db()
    return complaint.status, ComplaintEvent.objects.filter(complaint=complaint).count()


@pytest.fixture
def both(
    merchant: User, company: Company, other_company: Company, other_merchant: User
) -> User:
    """The owner of ``company`` is also an agent of ``other_company``."""
    company_add_member(company=other_company, user=merchant, role=MemberRole.AGENT)
    return merchant


def test_a_key_of_company_a_never_sees_company_b(
    both: User,
    company: Company,
    other_company: Company,
    moderator: User,
    file_complaint: Callable[..., Complaint],
) -> None:
    mine = file_complaint(company, accept_by=moderator)
    theirs = file_complaint(other_company, accept_by=moderator)
    # the creator's own session sees both companies
    session = Client()
    session.force_login(both)
    listed = session.get("/api/v1/merchant/complaints").json()["results"]
    numbers = {c["public_number"] for c in listed}
    assert numbers == {mine.public_number, theirs.public_number}

    client = with_key(key_for(both, company, "read", "reply"))
    listed = client.get("/api/v1/merchant/complaints")
    assert listed.status_code == 200
    assert [c["public_number"] for c in listed.json()["results"]] == [mine.public_number]
    other = f"/api/v1/merchant/complaints?company_id={other_company.pk}"
    assert client.get(other).status_code == 403
    assert client.get(f"/api/v1/merchant/complaints/{theirs.public_number}").status_code == 404
    before = state_of(theirs)
    for action in ("reply", "propose-solution"):
        resp = client.post(
            f"/api/v1/complaints/{theirs.public_number}/{action}",
            {"message": "您好，已处理"},
            content_type="application/json",
        )
        assert resp.status_code == 404, resp.content
        assert resp.json()["code"] == "complaint_not_found"
    assert state_of(theirs) == before
    # the private detail of its own company
    detail = client.get(f"/api/v1/merchant/complaints/{mine.public_number}").json()
    assert detail["order_number"] == "DD20250601123456"
    assert detail["company"]["id"] == company.pk


def test_read_scope_cannot_reply(
    merchant: User, company: Company, moderator: User, file_complaint: Callable[..., Complaint]
) -> None:
    complaint = file_complaint(company, accept_by=moderator)
    client = with_key(key_for(merchant, company, "read"))
    assert client.get(f"/api/v1/merchant/complaints/{complaint.public_number}").status_code == 200
    before = state_of(complaint)
    for action, body in (
        ("reply", {"message": "您好"}),
        ("propose-solution", {"message": "退款"}),
        ("request-completion", {"message": ""}),
    ):
        resp = client.post(
            f"/api/v1/complaints/{complaint.public_number}/{action}",
            body,
            content_type="application/json",
        )
        assert resp.status_code == 403, (action, resp.content)
        assert resp.json()["code"] == "insufficient_scope"
        assert resp.json()["details"] == {"required": "reply", "granted": ["read"]}
    assert state_of(complaint) == before
    assert not ApiKeyAction.objects.exists()


def test_reply_scope_without_read_cannot_list(
    merchant: User, company: Company, moderator: User, file_complaint: Callable[..., Complaint]
) -> None:
    complaint = file_complaint(company, accept_by=moderator)
    client = with_key(key_for(merchant, company, "reply"), header="x-api-key")
    assert client.get("/api/v1/merchant/complaints").json()["code"] == "insufficient_scope"
    number = complaint.public_number
    assert client.get(f"/api/v1/merchant/complaints/{number}").status_code == 403


def test_a_reply_key_answers_and_is_recorded_as_its_creator(
    merchant: User, company: Company, moderator: User, file_complaint: Callable[..., Complaint]
) -> None:
    complaint = file_complaint(company, accept_by=moderator)
    raw = key_for(merchant, company, "read", "reply")
    number = complaint.public_number
    client = with_key(raw, header="x-api-key")
    resp = client.post(
        f"/api/v1/complaints/{number}/reply",
        {"message": "您好，已为您全额退款"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == Status.REPLIED
    resp = client.post(
        f"/api/v1/complaints/{number}/propose-solution",
        {"message": "另补偿20元优惠券"},
        content_type="application/json",
    )
    assert resp.status_code == 200
    resp = client.post(
        f"/api/v1/complaints/{number}/request-completion",
        {"message": "退款已到账"},
        content_type="application/json",
    )
    assert resp.json()["status"] == Status.COMPLETION_REQUESTED
    events = list(complaint.events.filter(actor_role="merchant").order_by("id"))
    assert [(e.kind, e.actor_id) for e in events] == [
        ("transition", merchant.pk),
        ("solution", merchant.pk),
        ("transition", merchant.pk),
    ]
    key = CompanyApiKey.objects.get()
    assert list(ApiKeyAction.objects.order_by("id").values_list("key_id", "action")) == [
        (key.pk, "complaint_reply"),
        (key.pk, "complaint_propose_solution"),
        (key.pk, "complaint_request_completion"),
    ]
    assert key.last_used_at is not None


def test_revoked_or_unknown_keys_fail(
    merchant: User, company: Company, moderator: User, file_complaint: Callable[..., Complaint]
) -> None:
    file_complaint(company, accept_by=moderator)
    raw = key_for(merchant, company, "read")
    assert with_key(raw).get("/api/v1/merchant/complaints").status_code == 200
    api_key_revoke(actor=merchant, key_id=CompanyApiKey.objects.get().pk)
    for client in (with_key(raw), with_key(raw, header="x-api-key")):
        resp = client.get("/api/v1/merchant/complaints")
        assert resp.status_code == 401
        assert resp.json()["code"] == "invalid_api_key"
    assert with_key(raw[:-2] + "xx").get("/api/v1/merchant/complaints").status_code == 401


def test_the_secret_is_stored_hashed_and_shown_once(merchant: User, company: Company) -> None:
    key, raw = api_key_create(actor=merchant, company_id=company.pk, name="n", scopes=["read"])
    assert raw.startswith("tsm_") and len(raw) > 40
    row = CompanyApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in {str(v) for v in row.values()}
    assert row["key_prefix"] == raw[:12]


def test_rate_limit_is_per_key(
    settings: Any, merchant: User, company: Company
) -> None:
    settings.TOUSU = {**settings.TOUSU, "COMPANY_API_KEY_RATE_LIMIT": 3}
    first = with_key(key_for(merchant, company, "read"))
    second = with_key(key_for(merchant, company, "read"))
    assert [first.get("/api/v1/merchant/complaints").status_code for _ in range(3)] == [200] * 3
    limited = first.get("/api/v1/merchant/complaints")
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert second.get("/api/v1/merchant/complaints").status_code == 200


def test_a_key_stops_working_when_its_creator_leaves(
    make_user: Callable[..., User], merchant: User, company: Company
) -> None:
    raw = key_for(merchant, company, "read")
    other_owner = make_user(Role.MERCHANT)
    company_add_member(company=company, user=other_owner, role=MemberRole.OWNER)
    membership = merchant.memberships.get(company=company)
    company_member_remove(actor=other_owner, membership_id=membership.pk)
    resp = with_key(raw).get("/api/v1/merchant/complaints")
    assert resp.status_code == 401
    assert resp.json()["code"] == "api_key_owner_left"


def test_only_owners_manage_keys(
    make_user: Callable[..., User], merchant: User, company: Company, other_merchant: User
) -> None:
    agent = make_user(Role.MERCHANT)
    company_add_member(company=company, user=agent, role=MemberRole.AGENT)
    for actor in (agent, other_merchant):
        with pytest.raises(PermissionDenied):
            api_key_create(actor=actor, company_id=company.pk, name="x", scopes=["read"])
    key, _raw = api_key_create(actor=merchant, company_id=company.pk, name="x", scopes=["read"])
    with pytest.raises(PermissionDenied):
        api_key_revoke(actor=other_merchant, key_id=key.pk)
    key.refresh_from_db()
    assert key.revoked_at is None


def test_key_info_and_keys_elsewhere(
    merchant: User, company: Company, moderator: User, file_complaint: Callable[..., Complaint]
) -> None:
    complaint = file_complaint(company, accept_by=moderator)
    raw = key_for(merchant, company, "read")
    info = with_key(raw).get("/api/v1/merchant/key").json()
    assert info == {
        "company_id": company.pk,
        "company_name": company.name,
        "name": "ERP 集成",
        "scopes": ["read"],
        "key_prefix": raw[:12],
    }
    # a company key is not a user's token: account endpoints refuse it
    assert with_key(raw).get("/api/v1/me").status_code == 401
    # and public reads with it get the public copy only
    public = with_key(raw).get(f"/api/v1/complaints/{complaint.public_number}").json()
    assert "order_number" not in public


def test_keys_of_a_viewer_creator_cannot_reply(
    make_user: Callable[..., User],
    merchant: User,
    company: Company,
    moderator: User,
    file_complaint: Callable[..., Complaint],
) -> None:
    """A key acts with its creator's rights: demoted to read-only, the creator's key reads only."""
    complaint = file_complaint(company, accept_by=moderator)
    raw = key_for(merchant, company, "read", "reply")
    other_owner = make_user(Role.MERCHANT)
    company_add_member(company=company, user=other_owner, role=MemberRole.OWNER)
    membership = merchant.memberships.get(company=company)
    membership.role = MemberRole.VIEWER
    membership.save()
    resp = with_key(raw).post(
        f"/api/v1/complaints/{complaint.public_number}/reply",
        {"message": "您好"},
        content_type="application/json",
    )
    assert resp.status_code == 403
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING

