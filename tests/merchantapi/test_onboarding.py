"""Merchant onboarding over HTTP: claim with licence and USCC, staff approve / reject / revoke."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from merchantapi_helpers import jpeg_with_exif, png_bytes

from tousu.accounts.models import Role, User
from tousu.common.validators import uscc_check_char
from tousu.companies.models import (
    Company,
    CompanyInvitation,
    CompanyMembership,
    InvitationState,
    MemberRole,
)
from tousu.companies.services import company_create, company_invite
from tousu.complaints.models import Complaint
from tousu.complaints.states import Action, Status
from tousu.engagement.models import Notification
from tousu.merchants.api_keys import api_key_create
from tousu.merchants.models import ClaimState, CompanyClaim, WebhookEndpoint
from tousu.merchants.webhooks import webhook_endpoint_create

pytestmark = pytest.mark.django_db


def uscc(body: str = "91310000MA1FL0000") -> str:
    return body + uscc_check_char(body)


USCC = uscc()
OTHER_USCC = uscc("91110000MA00ABCDE")


def named(data: bytes, name: str) -> io.BytesIO:
    f = io.BytesIO(data)
    f.name = name
    return f


def as_user(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def claimant(make_user: Callable[..., User]) -> User:
    return make_user(Role.CONSUMER, nickname="王经理", phone_verified_at=timezone.now())


@pytest.fixture
def orphan(db: None) -> Company:
    """A company nobody from the company has joined yet."""
    return company_create(name="失联健身房")


def claim_via_api(
    user: User, company: Company, *, code: str = USCC, licence: Any = None, **extra: str
) -> Any:
    data: dict[str, Any] = {"uscc": code, "contact_name": "王经理", "contact_title": "客服总监"}
    data.update(extra)
    if licence is not False:
        data["licence"] = licence or named(jpeg_with_exif(), "营业执照.jpg")
    return as_user(user).post(f"/api/v1/companies/{company.pk}/claims", data)


def licence_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT) / "licences"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_approval_makes_the_claimant_owner_verifies_and_assigns(
    claimant: User,
    orphan: Company,
    moderator: User,
    file_complaint: Callable[..., Complaint],
    make_user: Callable[..., User],
) -> None:
    waiting = file_complaint(orphan, accept_by=moderator)
    assert waiting.status == Status.UNASSIGNED

    resp = claim_via_api(claimant, orphan)
    assert resp.status_code == 201, resp.content
    body = resp.json()
    assert body["state"] == "pending" and body["uscc"] == USCC
    claim = CompanyClaim.objects.get()
    stored = claim.licence.read()
    assert stored.startswith(b"\xff\xd8") and b"GPS secret comment" not in stored  # re-encoded
    assert claim.licence_content_type == "image/jpeg"
    # nothing changes before staff decide
    orphan.refresh_from_db()
    assert not orphan.is_verified and not CompanyMembership.objects.filter(company=orphan).exists()

    resp = as_user(moderator).post(
        f"/api/v1/moderation/claims/{claim.pk}/approve",
        {"message": "执照清晰"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["state"] == ClaimState.APPROVED
    orphan.refresh_from_db()
    claimant.refresh_from_db()
    assert orphan.is_verified and orphan.verified_at is not None and orphan.uscc == USCC
    assert claimant.role == Role.MERCHANT
    assert CompanyMembership.objects.get(company=orphan).role == MemberRole.OWNER
    waiting.refresh_from_db()
    assert waiting.status == Status.PROCESSING and waiting.reply_due_at is not None
    assign = waiting.events.get(action=Action.ASSIGN)
    assert (assign.from_status, assign.to_status, assign.actor_role) == (
        "unassigned",
        "processing",
        "system",
    )
    notice = Notification.objects.get(user=claimant, kind="claim")
    assert notice.title == "「失联健身房」认证已通过" and "执照清晰" in notice.body
    # the new owner invites colleagues with roles (the existing team service)
    colleague = make_user(Role.MERCHANT)
    outcome = company_invite(
        actor=claimant, company_id=orphan.pk, login=colleague.phone or "", role=MemberRole.AGENT
    )
    assert outcome.membership is not None and outcome.membership.role == MemberRole.AGENT
    # the badge on the public company page
    page = Client().get(f"/companies/{orphan.pk}/").content.decode()
    assert "已认证" in page


def test_the_uscc_must_match_the_company_record(
    claimant: User, make_user: Callable[..., User]
) -> None:
    registered = company_create(name="登记有代码的公司", uscc=USCC)
    elsewhere = company_create(name="代码在别处的公司", uscc=OTHER_USCC)
    del elsewhere
    orphan = company_create(name="没有代码的公司")
    cases = [
        (registered, OTHER_USCC, "uscc_mismatch"),
        (registered, USCC[:-1] + ("0" if USCC[-1] != "0" else "1"), "uscc_checksum"),
        (registered, "12345", "uscc_length"),
        (orphan, OTHER_USCC, "uscc_exists"),  # belongs to another company
    ]
    for company, code, expected in cases:
        resp = claim_via_api(claimant, company, code=code)
        assert resp.status_code == 422, (code, resp.content)
        assert resp.json()["code"] == expected
        assert resp.json()["details"]["field"] == "uscc"
    assert not CompanyClaim.objects.exists() and licence_files() == []
    # the matching code, typed with full-width characters and in lower case, is accepted
    typed = USCC.lower().translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert claim_via_api(claimant, registered, code=typed).status_code == 201


def test_licence_checks(settings: Any, claimant: User, orphan: Company) -> None:
    mp4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    cases = [
        (named(b"just some text, not a licence", "licence.txt"), "unsupported_file_type"),
        (named(mp4, "licence.mp4"), "unsupported_file_type"),  # evidence may be video
        (named(b"\x89PNG\r\n\x1a\nbroken", "licence.png"), "invalid_image"),
        (False, "required"),
    ]
    for licence, expected in cases:
        resp = claim_via_api(claimant, orphan, licence=licence)
        assert resp.status_code == 422, (expected, resp.content)
        assert resp.json()["code"] == expected
        assert resp.json()["details"]["field"] == "licence"
    settings.TOUSU = {
        **settings.TOUSU,
        "EVIDENCE_MAX_IMAGE_BYTES": 100,
        "EVIDENCE_MAX_PDF_BYTES": 100,
    }
    resp = claim_via_api(claimant, orphan, licence=named(png_bytes(size=(64, 64)), "big.png"))
    assert resp.json()["code"] == "file_too_large"
    assert not CompanyClaim.objects.exists() and licence_files() == []
    settings.TOUSU = {**settings.TOUSU, "EVIDENCE_MAX_IMAGE_BYTES": 10 * 1024 * 1024}
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    resp = claim_via_api(claimant, orphan, licence=named(pdf, "licence.pdf"))
    assert resp.status_code == 201 and resp.json()["licence_content_type"] == "application/pdf"


def test_who_may_claim(
    make_user: Callable[..., User], orphan: Company, merchant: User, company: Company
) -> None:
    unverified = make_user(Role.CONSUMER)
    resp = claim_via_api(unverified, orphan)
    assert (resp.status_code, resp.json()["code"]) == (403, "contact_not_verified")
    staff = make_user(Role.REGULATOR, phone_verified_at=timezone.now())
    assert claim_via_api(staff, orphan).json()["code"] == "not_eligible"
    assert claim_via_api(None, orphan).status_code == 401  # type: ignore[arg-type]
    # a member of the company does not claim it again
    merchant.phone_verified_at = timezone.now()
    merchant.save()
    resp = claim_via_api(merchant, company)
    assert (resp.status_code, resp.json()["code"]) == (409, "already_member")
    assert not CompanyClaim.objects.exists()


def test_a_verified_company_and_a_second_pending_claim_are_refused(
    claimant: User, orphan: Company, moderator: User
) -> None:
    assert claim_via_api(claimant, orphan).status_code == 201
    resp = claim_via_api(claimant, orphan)
    assert (resp.status_code, resp.json()["code"]) == (409, "claim_pending")
    claim = CompanyClaim.objects.get()
    as_user(moderator).post(
        f"/api/v1/moderation/claims/{claim.pk}/approve", content_type="application/json"
    )
    other = User.objects.create_user(
        phone="13700000001", role=Role.CONSUMER, phone_verified_at=timezone.now()
    )
    resp = claim_via_api(other, orphan)
    assert (resp.status_code, resp.json()["code"]) == (409, "company_already_verified")
    assert CompanyClaim.objects.count() == 1 and len(licence_files()) == 1


def test_rejection_is_explained_and_a_new_claim_may_follow(
    claimant: User, orphan: Company, moderator: User
) -> None:
    claim_via_api(claimant, orphan)
    claim = CompanyClaim.objects.get()
    resp = as_user(moderator).post(
        f"/api/v1/moderation/claims/{claim.pk}/reject",
        {"message": "营业执照照片模糊，请重新拍摄"},
        content_type="application/json",
    )
    assert resp.status_code == 200 and resp.json()["state"] == ClaimState.REJECTED
    notice = Notification.objects.get(user=claimant, kind="claim")
    assert "营业执照照片模糊" in notice.body
    mine = as_user(claimant).get("/api/v1/me/claims").json()
    assert [(c["state"], c["review_message"]) for c in mine] == [
        ("rejected", "营业执照照片模糊，请重新拍摄")
    ]
    again = as_user(moderator).post(
        f"/api/v1/moderation/claims/{claim.pk}/approve", content_type="application/json"
    )
    assert (again.status_code, again.json()["code"]) == (409, "claim_not_pending")
    assert claim_via_api(claimant, orphan).status_code == 201


def test_approving_one_claim_rejects_the_other_pending_ones(
    claimant: User, orphan: Company, moderator: User, make_user: Callable[..., User]
) -> None:
    rival = make_user(Role.CONSUMER, phone_verified_at=timezone.now())
    claim_via_api(claimant, orphan)
    claim_via_api(rival, orphan)
    first, second = CompanyClaim.objects.order_by("id")
    as_user(moderator).post(
        f"/api/v1/moderation/claims/{first.pk}/approve", content_type="application/json"
    )
    second.refresh_from_db()
    assert second.state == ClaimState.REJECTED
    assert second.review_message == "该企业已由其他申请人完成认证"
    assert Notification.objects.filter(user=rival, kind="claim").count() == 1
    rival.refresh_from_db()
    assert rival.role == Role.CONSUMER


def test_only_staff_decide_and_a_refusal_changes_nothing(
    claimant: User, orphan: Company, merchant: User, consumer: User
) -> None:
    claim_via_api(claimant, orphan)
    claim = CompanyClaim.objects.get()
    for user in (claimant, merchant, consumer):
        for action in ("approve", "reject"):
            resp = as_user(user).post(
                f"/api/v1/moderation/claims/{claim.pk}/{action}",
                {"message": "x"},
                content_type="application/json",
            )
            assert resp.status_code == 403
        assert as_user(user).get("/api/v1/moderation/claims").status_code == 403
    claim.refresh_from_db()
    orphan.refresh_from_db()
    assert claim.state == ClaimState.PENDING and not orphan.is_verified


def test_the_licence_is_private(
    claimant: User, orphan: Company, moderator: User, consumer: User, merchant: User
) -> None:
    claim_via_api(claimant, orphan, licence=named(png_bytes(), "licence.png"))
    url = f"/api/v1/claims/{CompanyClaim.objects.get().pk}/licence"
    for user, expected in ((claimant, 200), (moderator, 200), (consumer, 404), (merchant, 404)):
        resp = as_user(user).get(url)
        assert resp.status_code == expected, user
        if expected == 200:
            assert resp["Content-Type"] == "image/png"
            assert resp["Cache-Control"] == "private, no-store"
    assert Client().get(url).status_code == 404


def test_staff_revoke_a_verification(
    claimant: User,
    orphan: Company,
    moderator: User,
    make_user: Callable[..., User],
    file_complaint: Callable[..., Complaint],
    settings: Any,
) -> None:
    settings.TOUSU = {**settings.TOUSU, "WEBHOOK_ALLOW_HTTP": True}
    claim_via_api(claimant, orphan)
    claim = CompanyClaim.objects.get()
    as_user(moderator).post(
        f"/api/v1/moderation/claims/{claim.pk}/approve", content_type="application/json"
    )
    claimant.refresh_from_db()
    complaint = file_complaint(orphan, accept_by=moderator)
    assert complaint.status == Status.PROCESSING
    colleague = make_user(Role.MERCHANT)
    company_invite(actor=claimant, company_id=orphan.pk, login=colleague.phone or "")
    company_invite(actor=claimant, company_id=orphan.pk, login="new-hire@example.com")
    _key, raw = api_key_create(actor=claimant, company_id=orphan.pk, name="ERP", scopes=["read"])
    webhook_endpoint_create(
        actor=claimant,
        company_id=orphan.pk,
        url="https://hooks.example.com/t",
        event_types=["complaint.assigned"],
    )

    refused = as_user(claimant).post(
        f"/api/v1/companies/{orphan.pk}/revoke-verification",
        {"reason": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403
    resp = as_user(moderator).post(
        f"/api/v1/companies/{orphan.pk}/revoke-verification",
        {"reason": "营业执照已被吊销"},
        content_type="application/json",
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["is_verified"] is False
    orphan.refresh_from_db()
    claim.refresh_from_db()
    assert not orphan.is_verified and orphan.verified_at is None
    assert claim.state == ClaimState.REVOKED and claim.revoke_reason == "营业执照已被吊销"
    assert not CompanyMembership.objects.filter(company=orphan).exists()
    assert set(CompanyInvitation.objects.values_list("state", flat=True)) == {
        InvitationState.REVOKED
    }
    assert not WebhookEndpoint.objects.filter(is_active=True).exists()
    key_resp = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/merchant/complaints")
    assert key_resp.status_code == 401
    notified = set(
        Notification.objects.filter(title__contains="认证已被撤销").values_list("user", flat=True)
    )
    assert notified == {claimant.pk, colleague.pk}
    complaint.refresh_from_db()
    assert complaint.status == Status.PROCESSING  # the case stays; nobody can move it back
    again = as_user(moderator).post(
        f"/api/v1/companies/{orphan.pk}/revoke-verification",
        {"reason": "x"},
        content_type="application/json",
    )
    assert (again.status_code, again.json()["code"]) == (409, "company_not_verified")
    # a fresh claim can verify the company again
    assert claim_via_api(claimant, orphan).status_code == 201
