"""The console pages of onboarding, API keys and webhooks, through the browser's HTTP: who sees
them, forms that work without JavaScript, a key's secret shown once, the delivery log."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from merchantapi_helpers import png_bytes

from tousu.accounts.models import Role, User
from tousu.common.validators import uscc_check_char
from tousu.companies.models import Company, MemberRole
from tousu.companies.services import company_add_member, company_create
from tousu.merchants.api_keys import api_key_create
from tousu.merchants.models import (
    ClaimState,
    CompanyApiKey,
    CompanyClaim,
    WebhookDelivery,
    WebhookEndpoint,
)
from tousu.merchants.webhooks import webhook_endpoint_create, webhook_send_test

pytestmark = pytest.mark.django_db

USCC = "91310000MA1FL0000" + uscc_check_char("91310000MA1FL0000")


def logged_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(resp: Any) -> str:
    return resp.content.decode()


@pytest.fixture
def claimant(make_user: Callable[..., User]) -> User:
    return make_user(Role.CONSUMER, nickname="王经理", phone_verified_at=timezone.now())


@pytest.fixture
def orphan(db: None) -> Company:
    return company_create(name="失联健身房")


def licence() -> io.BytesIO:
    f = io.BytesIO(png_bytes())
    f.name = "执照.png"
    return f


def post_claim(user: User, company: Company, code: str = USCC) -> Any:
    return logged_in(user).post(
        "/merchant/claim/",
        {"company": company.pk, "uscc": code, "contact_name": "王经理", "licence": licence()},
    )


# --- claim ------------------------------------------------------------------------------------


def test_claim_page_search_form_and_submission(claimant: User, orphan: Company) -> None:
    assert logged_in(None).get("/merchant/claim/").status_code == 302
    found = text(logged_in(claimant).get("/merchant/claim/?q=失联"))
    assert "失联健身房" in found and f"?company={orphan.pk}" in found
    form = text(logged_in(claimant).get(f"/merchant/claim/?company={orphan.pk}"))
    assert "认领「失联健身房」" in form and 'enctype="multipart/form-data"' in form
    assert "此账号将成为商家账号" in form  # the consumer is warned

    wrong = post_claim(claimant, orphan, code=USCC[:-1] + "X")
    assert wrong.status_code == 422
    assert "校验位错误" in text(wrong)
    assert not CompanyClaim.objects.exists()

    resp = post_claim(claimant, orphan)
    assert resp.status_code == 302 and resp["Location"] == "/merchant/claim/"
    claim = CompanyClaim.objects.get()
    page = text(logged_in(claimant).get("/merchant/claim/"))
    assert "失联健身房" in page and "待审核" in page
    assert logged_in(claimant).get(f"/merchant/claims/{claim.pk}/licence").status_code == 200


def test_the_public_company_page_offers_a_claim_until_verified(
    orphan: Company, moderator: User
) -> None:
    from tousu.companies.services import company_verify

    link = f"/merchant/claim/?company={orphan.pk}"
    assert link in text(Client().get(f"/companies/{orphan.pk}/"))
    company_verify(company_id=orphan.pk, actor=moderator)
    assert link not in text(Client().get(f"/companies/{orphan.pk}/"))


def test_staff_review_claims_in_the_console(
    claimant: User, orphan: Company, moderator: User, merchant: User, consumer: User
) -> None:
    post_claim(claimant, orphan)
    claim = CompanyClaim.objects.get()
    for outsider in (merchant, consumer, claimant):
        assert logged_in(outsider).get("/moderation/claims/").status_code == 403
        assert logged_in(outsider).get(f"/moderation/claims/{claim.pk}/").status_code == 403
    assert logged_in(merchant).get(f"/merchant/claims/{claim.pk}/licence").status_code == 404
    staff = logged_in(moderator)
    queue = text(staff.get("/moderation/claims/"))
    assert "失联健身房" in queue and USCC in queue
    review = text(staff.get(f"/moderation/claims/{claim.pk}/"))
    assert f"/merchant/claims/{claim.pk}/licence" in review and 'value="approve"' in review
    assert staff.get(f"/merchant/claims/{claim.pk}/licence").status_code == 200

    # a rejection needs a reason
    resp = staff.post(f"/moderation/claims/{claim.pk}/", {"op": "reject", "message": ""})
    assert resp.status_code == 422 and "请填写驳回原因" in text(resp)
    resp = staff.post(f"/moderation/claims/{claim.pk}/", {"op": "approve", "message": "清晰"})
    assert resp.status_code == 302
    claim.refresh_from_db()
    orphan.refresh_from_db()
    assert claim.state == ClaimState.APPROVED and orphan.is_verified
    # approved: the page offers the revocation, which needs a reason too
    page = text(staff.get(f"/moderation/claims/{claim.pk}/"))
    assert 'value="revoke"' in page
    assert staff.post(
        f"/moderation/claims/{claim.pk}/", {"op": "revoke", "message": ""}
    ).status_code == 422
    staff.post(f"/moderation/claims/{claim.pk}/", {"op": "revoke", "message": "执照吊销"})
    orphan.refresh_from_db()
    assert not orphan.is_verified
    assert CompanyClaim.objects.get().state == ClaimState.REVOKED
    assert "失联健身房" in text(staff.get("/moderation/claims/?state=revoked"))
    assert "失联健身房" not in text(staff.get("/moderation/claims/"))


# --- API keys ----------------------------------------------------------------------------------


@pytest.fixture
def agent(make_user: Callable[..., User], company: Company, merchant: User) -> User:
    user = make_user(Role.MERCHANT, nickname="客服小王")
    company_add_member(company=company, user=user, role=MemberRole.AGENT)
    return user


def test_only_owners_see_the_developer_pages(
    merchant: User, agent: User, consumer: User, other_merchant: User, company: Company
) -> None:
    for url in ("/merchant/api-keys/", "/merchant/webhooks/"):
        assert logged_in(merchant).get(url).status_code == 200
        assert logged_in(agent).get(url).status_code == 403
        assert logged_in(consumer).get(url).status_code == 403
        assert logged_in(None).get(url).status_code == 302
        # another company's owner naming this company
        assert logged_in(other_merchant).get(f"{url}?company={company.pk}").status_code == 403


def test_a_new_key_is_shown_once_and_can_be_revoked(merchant: User, company: Company) -> None:
    client = logged_in(merchant)
    resp = client.post(
        "/merchant/api-keys/",
        {"company": company.pk, "op": "create", "name": "工单系统", "scopes": ["read", "reply"]},
    )
    assert resp.status_code == 200
    key = CompanyApiKey.objects.get()
    assert key.scopes == ["read", "reply"]
    shown = text(resp)
    start = shown.index('id="new-key">') + len('id="new-key">')
    raw = shown[start : shown.index("<", start)]
    assert raw.startswith("tsm_") and raw.startswith(key.key_prefix)
    assert Client(HTTP_X_API_KEY=raw).get("/api/v1/merchant/key").status_code == 200
    again = text(client.get("/merchant/api-keys/"))
    assert raw not in again and key.key_prefix in again and "从未使用" not in again
    no_scope = client.post(
        "/merchant/api-keys/", {"company": company.pk, "op": "create", "name": "x"}
    )
    assert no_scope.status_code == 422
    resp = client.post(
        "/merchant/api-keys/", {"company": company.pk, "op": "revoke", "key": key.pk}
    )
    assert resp.status_code == 302
    key.refresh_from_db()
    assert key.revoked_at is not None and key.revoked_by_id == merchant.pk
    assert Client(HTTP_X_API_KEY=raw).get("/api/v1/merchant/key").status_code == 401


def test_an_owner_cannot_revoke_another_companys_key(
    merchant: User, company: Company, other_merchant: User
) -> None:
    key, _raw = api_key_create(actor=merchant, company_id=company.pk, name="k", scopes=["read"])
    resp = logged_in(other_merchant).post("/merchant/api-keys/", {"op": "revoke", "key": key.pk})
    assert resp.status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None


# --- webhooks ----------------------------------------------------------------------------------


def test_add_an_endpoint_and_read_its_delivery_log(
    merchant: User, company: Company, other_merchant: User
) -> None:
    client = logged_in(merchant)
    refused = client.post(
        "/merchant/webhooks/",
        {"company": company.pk, "url": "https://10.0.0.8/hook", "event_types": ["ping"]},
    )
    assert refused.status_code == 422
    refused = client.post(
        "/merchant/webhooks/",
        {
            "company": company.pk,
            "url": "https://169.254.169.254/latest",
            "event_types": ["complaint.assigned"],
        },
    )
    assert refused.status_code == 422 and "不能指向内网" in text(refused)
    resp = client.post(
        "/merchant/webhooks/",
        {
            "company": company.pk,
            "url": "https://hooks.example.com/tousu",
            "description": "工单系统",
            "event_types": ["complaint.assigned", "complaint.sla_overdue"],
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/merchant/webhooks/{endpoint.pk}/"
    assert endpoint.event_types == ["complaint.assigned", "complaint.sla_overdue"]
    detail = text(client.get(resp["Location"]))
    assert endpoint.secret in detail and "<details>" in detail

    assert client.post(resp["Location"], {"op": "test"}).status_code == 302
    delivery = WebhookDelivery.objects.get()
    assert delivery.event_type == "ping"
    log_page = text(client.get(f"/merchant/webhooks/deliveries/{delivery.pk}/"))
    assert "Tousu webhook test" in log_page and str(delivery.event_id) in log_page
    replay = client.post(f"/merchant/webhooks/deliveries/{delivery.pk}/")
    assert replay.status_code == 302
    assert WebhookDelivery.objects.filter(replay_of=delivery).count() == 1

    outsider = logged_in(other_merchant)
    assert outsider.get(f"/merchant/webhooks/{endpoint.pk}/").status_code == 403
    assert outsider.get(f"/merchant/webhooks/deliveries/{delivery.pk}/").status_code == 403
    assert outsider.post(f"/merchant/webhooks/{endpoint.pk}/", {"op": "delete"}).status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()

    old_secret = endpoint.secret
    client.post(f"/merchant/webhooks/{endpoint.pk}/", {"op": "rotate"})
    client.post(f"/merchant/webhooks/{endpoint.pk}/", {"op": "disable"})
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and not endpoint.is_active
    resp = client.post(f"/merchant/webhooks/{endpoint.pk}/", {"op": "test"})
    assert resp.status_code == 409  # disabled: nothing to send
    client.post(f"/merchant/webhooks/{endpoint.pk}/", {"op": "delete"})
    assert not WebhookEndpoint.objects.exists()


def test_delivery_log_lists_attempts(
    settings: Any, merchant: User, company: Company, receiver: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.TOUSU = {
        **settings.TOUSU,
        "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,
        "WEBHOOK_ALLOW_HTTP": True,
    }
    receiver.default = 500
    endpoint = webhook_endpoint_create(
        actor=merchant, company_id=company.pk, url=receiver.url, event_types=["complaint.assigned"]
    )
    with django_capture_on_commit_callbacks(execute=True):
        delivery = webhook_send_test(actor=merchant, endpoint_id=endpoint.pk)
    page = text(logged_in(merchant).get(f"/merchant/webhooks/deliveries/{delivery.pk}/"))
    assert "HTTP 500" in page and "X-Tousu-Signature" in page and "#1" in page
    log = text(logged_in(merchant).get(f"/merchant/webhooks/{endpoint.pk}/"))
    assert "HTTP 500" in log and "下次" in log
