"""Every public path shows the redacted copy; the consumer, the company's merchants and staff see
the original (API and pages); the wizard previews the public copy; the console changes it."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from privacy_data import DETAILS, PHONE, SECRETS, TITLE

from tousu.accounts.models import Role, User
from tousu.complaints.models import Complaint, ComplaintEvent, EventKind
from tousu.opendata.export import release_build
from tousu.privacy.models import Redaction

pytestmark = pytest.mark.django_db

MASKED_TITLE = "退款难，请联系138****5678"
SEES_ORIGINAL = ("consumer", "merchant", "moderator")
SEES_PUBLIC = ("anonymous", "other_consumer", "other_merchant", "regulator", "mediator")


def as_role(role: str, request: pytest.FixtureRequest) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def assert_public(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret
    assert MASKED_TITLE in text


@pytest.mark.parametrize("role", SEES_PUBLIC)
def test_api_detail_is_redacted_for_the_public(
    public_pii: Complaint, role: str, request: pytest.FixtureRequest
) -> None:
    resp = as_role(role, request).get(f"/api/v1/complaints/{public_pii.public_number}")
    assert resp.status_code == 200
    assert_public(json.dumps(resp.json(), ensure_ascii=False))
    assert resp.json()["title"] == MASKED_TITLE


@pytest.mark.parametrize("role", SEES_ORIGINAL)
def test_api_detail_is_the_original_for_parties_and_staff(
    public_pii: Complaint, role: str, request: pytest.FixtureRequest
) -> None:
    body = as_role(role, request).get(f"/api/v1/complaints/{public_pii.public_number}").json()
    assert (body["title"], body["details"]) == (TITLE, DETAILS)


def test_merchant_api_shows_the_original(public_pii: Complaint, merchant: User) -> None:
    client = Client()
    client.force_login(merchant)
    body = client.get(f"/api/v1/merchant/complaints/{public_pii.public_number}").json()
    assert body["details"] == DETAILS


@pytest.mark.parametrize("role", ["anonymous", "consumer"])
def test_api_public_list_is_redacted_even_for_the_owner(
    public_pii: Complaint, role: str, request: pytest.FixtureRequest
) -> None:
    resp = as_role(role, request).get("/api/v1/complaints")
    assert resp.json()["results"][0]["title"] == MASKED_TITLE
    assert PHONE not in resp.content.decode()


def test_own_list_shows_the_original(public_pii: Complaint, consumer: User) -> None:
    client = Client()
    client.force_login(consumer)
    resp = client.get("/api/v1/me/complaints")
    assert resp.status_code == 200 and resp.json()["results"][0]["title"] == TITLE


@pytest.mark.parametrize("role", SEES_PUBLIC)
def test_web_detail_is_redacted_for_the_public(
    public_pii: Complaint, role: str, request: pytest.FixtureRequest
) -> None:
    resp = as_role(role, request).get(f"/complaints/{public_pii.public_number}/")
    assert resp.status_code == 200
    assert_public(resp.content.decode())


@pytest.mark.parametrize("role", SEES_ORIGINAL)
def test_web_detail_is_the_original_with_the_public_copy_beside_it(
    public_pii: Complaint, role: str, request: pytest.FixtureRequest
) -> None:
    page = as_role(role, request).get(f"/complaints/{public_pii.public_number}/").content.decode()
    assert TITLE in page and "王小明" in page
    assert 'class="public-copy"' in page and "王**" in page


@pytest.mark.parametrize("path", ["/", "/complaints/", "/companies/{company}/"])
def test_web_lists_are_redacted(public_pii: Complaint, path: str) -> None:
    page = Client().get(path.format(company=public_pii.company_id)).content.decode()
    assert MASKED_TITLE in page and PHONE not in page


def test_open_data_is_redacted(public_pii: Complaint, settings: Any, tmp_path: Path) -> None:
    settings.OPEN_DATA_DIR = tmp_path / "od"
    release = release_build(day=date(2026, 11, 28))
    raw = b"".join(
        gzip.decompress((release.path / name).read_bytes())
        for name in ("complaints.csv.gz", "complaints.jsonl.gz")
    ).decode("utf-8")
    assert_public(raw)


def test_leads_show_the_public_title(public_pii: Complaint, moderator: User) -> None:
    from tousu.leads.models import Lead, LeadComplaint

    lead = Lead.objects.create(kind="defect", key="k", category="brake", title="刹车")
    LeadComplaint.objects.create(lead=lead, complaint=public_pii, terms=["刹车"])
    client = Client()
    client.force_login(moderator)
    body = client.get(f"/api/v1/leads/{lead.pk}").json()
    assert body["complaints"][0]["title"] == MASKED_TITLE
    from django.urls import reverse

    page = client.get(reverse("leads:detail", args=[lead.pk])).content.decode()
    assert MASKED_TITLE in page and PHONE not in page


def test_redactions_api_for_parties_only(
    public_pii: Complaint, consumer: User, other_consumer: User
) -> None:
    url = f"/api/v1/complaints/{public_pii.public_number}/redactions"
    mine = Client()
    mine.force_login(consumer)
    body = mine.get(url).json()
    assert body["public_title"] == MASKED_TITLE
    assert {r["original"] for r in body["redactions"]} >= {PHONE, "王小明"}
    theirs = Client()
    theirs.force_login(other_consumer)
    resp = theirs.get(url)
    assert resp.status_code == 404 and PHONE not in resp.content.decode()


def test_staff_api_revert_and_add(public_pii: Complaint, moderator: User) -> None:
    client = Client()
    client.force_login(moderator)
    base = f"/api/v1/complaints/{public_pii.public_number}/redactions"
    name = Redaction.objects.get(complaint=public_pii, kind="name")
    resp = client.post(f"{base}/{name.pk}/revert", {}, content_type="application/json")
    assert resp.status_code == 200 and "我叫王小明" in resp.json()["public_details"]
    again = client.post(f"{base}/{name.pk}/revert", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_reverted"
    resp = client.post(
        base, {"field": "details", "text": "王小明"}, content_type="application/json"
    )
    assert resp.status_code == 200 and "王小明" not in resp.json()["public_details"]
    bad = client.post(base, {"field": "details", "text": "没有"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "text_not_found"
    assert ComplaintEvent.objects.filter(complaint=public_pii, kind=EventKind.REDACTED).count() == 2


def test_moderation_console_lists_and_changes_redactions(
    public_pii: Complaint, moderator: User
) -> None:
    client = Client()
    client.force_login(moderator)
    url = f"/moderation/complaints/{public_pii.public_number}/"
    page = client.get(url).content.decode()
    assert 'id="redactions"' in page and "王小明" in page and "撤销隐藏" in page
    name = Redaction.objects.get(complaint=public_pii, kind="name")
    resp = client.post(url, {"op": "unredact", "redaction": name.pk})
    assert resp.status_code == 302
    name.refresh_from_db()
    assert name.reverted_by == moderator
    resp = client.post(url, {"op": "redact", "field": "details", "text": "金额12999元"})
    assert resp.status_code == 302
    public = Complaint.objects.get(pk=public_pii.pk).public_details
    assert "金额12999元" not in public and "我叫王小明" in public
    bad = client.post(url, {"op": "redact", "field": "details", "text": "没有这段"})
    assert bad.status_code == 422 and "找不到这段文字" in bad.content.decode()


def test_wizard_preview_shows_the_public_copy(
    consumer: User, company: Any, client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(consumer)
    steps = {
        "company": {"company_name": company.name},
        "describe": {
            "title": "退款难，联系13812345678",
            "details": "我叫王小明，住址北京市朝阳区建国路88号3栋501室，商家一直拖延不退款。",
            "problem_types": ["refund_difficult"],
            "demands": ["refund"],
        },
        "details": {"amount": "58.50"},
    }
    for step, values in steps.items():
        resp = client.post(f"/complaints/new/{step}/", {**values, "op": "next"})
        assert resp.status_code == 302, resp.content.decode()[:500]
    assert client.post("/complaints/new/evidence/", {"op": "next"}).status_code == 302
    page = client.get("/complaints/new/preview/").content.decode()
    public = page.split('id="h-private"')[0]
    assert "138****5678" in public and "王**" in public and "北京市朝阳区****" in public
    assert "13812345678" not in public and "建国路88号" not in public
    assert "手机号" in public and "详细地址" in public  # what was hidden is named


def test_consumer_is_notified_in_site(
    public_pii: Complaint, moderator: User, consumer: User, django_capture_on_commit_callbacks: Any
) -> None:
    from tousu.engagement.services import notify_for_event
    from tousu.privacy.services import redaction_add

    with django_capture_on_commit_callbacks(execute=True):
        redaction_add(complaint_id=public_pii.pk, actor=moderator, field="details", text="金额")
    event = ComplaintEvent.objects.get(complaint=public_pii, kind=EventKind.REDACTED)
    notify_for_event(event.pk)
    client = Client()
    client.force_login(consumer)
    body = client.get("/api/v1/notifications").json()
    assert any("个人信息" in n["title"] for n in body["results"])
    assert consumer.role == Role.CONSUMER


def test_later_messages_are_masked_for_the_public(
    public_pii: Complaint, consumer: User, merchant: User
) -> None:
    from tousu.complaints import services

    services.complaint_reply(
        complaint_id=public_pii.pk, actor=merchant, message="已致电13912345678，请留意"
    )
    services.complaint_follow_up(
        complaint_id=public_pii.pk, actor=consumer, message="我的新号码13698765432，白天可联系"
    )
    number = public_pii.public_number
    public_api = json.dumps(Client().get(f"/api/v1/complaints/{number}").json(), ensure_ascii=False)
    public_page = Client().get(f"/complaints/{number}/").content.decode()
    for text in (public_api, public_page):
        assert "139****5678" in text and "136****5432" in text
        assert "13912345678" not in text and "13698765432" not in text
    mine = Client()
    mine.force_login(consumer)
    own = json.dumps(mine.get(f"/api/v1/complaints/{number}").json(), ensure_ascii=False)
    assert "13912345678" in own and "13698765432" in own
