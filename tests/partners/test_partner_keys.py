"""Per-client limits of the read API, partner keys with scopes and quotas, usage for staff."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client

from tousu.accounts.models import User
from tousu.common.errors import ValidationFailed
from tousu.partners.models import PartnerKey, PartnerUsage
from tousu.partners.services import partner_key_create

pytestmark = pytest.mark.django_db

LIST = "/api/v1/complaints"


@pytest.fixture
def low_limits(settings: Any) -> None:
    settings.TOUSU = {
        **settings.TOUSU,
        "API_READ_PER_MINUTE_ANON": 3,
        "API_READ_PER_MINUTE_USER": 5,
    }


def test_anonymous_reads_are_limited_per_address(low_limits: None) -> None:
    client = Client()
    seen = [client.get(LIST) for _ in range(3)]
    assert [r.status_code for r in seen] == [200, 200, 200]
    assert [r["X-RateLimit-Remaining"] for r in seen] == ["2", "1", "0"]
    refused = client.get(LIST)
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "rate_limited" and body["message"]
    assert refused["Retry-After"] == "60"
    # another address has its own budget; docs and writes are not counted here
    assert client.get(LIST, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.post("/api/v1/auth/login", {}, content_type="application/json").status_code != 429


def test_signed_in_callers_have_their_own_budget(
    low_limits: None, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    anonymous = Client()
    for _ in range(3):
        anonymous.get(LIST)
    assert anonymous.get(LIST).status_code == 429
    me = client_for(consumer)
    codes = [me.get(LIST).status_code for _ in range(6)]
    assert codes == [200] * 5 + [429]


def test_partner_key_limits_quota_and_usage(low_limits: None) -> None:
    key, raw = partner_key_create(
        name="数据新闻组",
        organisation="某某日报",
        contact_email="data@example.com",
        per_minute=50,
        daily_quota=4,
    )
    client = Client(HTTP_X_API_KEY=raw)
    codes = []
    for _ in range(4):
        r = client.get(LIST)
        codes.append(r.status_code)
        assert r["X-RateLimit-Limit"] == "50"
    assert codes == [200] * 4  # above the anonymous limit of 3
    assert r["X-Quota-Remaining"] == "0"
    refused = client.get(LIST)
    assert refused.status_code == 429 and refused.json()["code"] == "quota_exceeded"
    assert int(refused["Retry-After"]) > 0
    usage = PartnerUsage.objects.get(key=key)
    assert (usage.requests, usage.refused) == (4, 1)
    key.refresh_from_db()
    assert key.last_used_at is not None


def test_quota_resets_the_next_day() -> None:
    _key, raw = partner_key_create(
        name="k", organisation="大学", contact_email="r@example.edu", daily_quota=1
    )
    client = Client(HTTP_X_API_KEY=raw)
    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        assert client.get(LIST).status_code == 200
        assert client.get(LIST).status_code == 429
    with time_machine.travel("2026-11-29 00:01 +0800", tick=False):
        assert client.get(LIST).status_code == 200
    assert sorted(PartnerUsage.objects.values_list("day", "requests")) == [
        (date(2026, 11, 28), 1),
        (date(2026, 11, 29), 1),
    ]


def test_unknown_and_revoked_keys_are_refused() -> None:
    key, raw = partner_key_create(name="k", organisation="o", contact_email="o@example.com")
    assert Client(HTTP_X_API_KEY="tpk_not-a-key").get(LIST).status_code == 401
    call_command("partner_key", "revoke", str(key.pk), stdout=StringIO())
    refused = Client(HTTP_X_API_KEY=raw).get(LIST)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_partner_key"
    assert not PartnerUsage.objects.exists()


def test_bad_key_input_changes_nothing() -> None:
    for kwargs in (
        {"name": "", "organisation": "o"},
        {"name": "n", "organisation": ""},
        {"name": "n", "organisation": "o", "scopes": ["write_everything"]},
        {"name": "n", "organisation": "o", "daily_quota": 0},
    ):
        with pytest.raises(ValidationFailed):
            partner_key_create(contact_email="a@example.com", **kwargs)  # type: ignore[arg-type]
    assert not PartnerKey.objects.exists()


def test_staff_page_makes_shows_and_revokes_keys(
    moderator: User, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    assert client_for(consumer).get("/staff/partners/").status_code == 403
    assert Client().get("/staff/partners/").status_code == 302
    staff = client_for(moderator)
    bad = staff.post("/staff/partners/", {"op": "create", "name": "", "organisation": "x"})
    assert bad.status_code == 400 and not PartnerKey.objects.exists()
    made = staff.post(
        "/staff/partners/",
        {
            "op": "create",
            "name": "研究项目",
            "organisation": "某大学",
            "contact_email": "lab@example.edu",
            "scopes": ["read"],
            "per_minute": "100",
            "daily_quota": "1000",
        },
        follow=True,
    )
    # redirected after the POST (a reload must not make a second key); shown on that page only
    assert made.redirect_chain == [("/staff/partners/", 302)] and made.status_code == 200
    secret = re.search(r'id="new-secret">(tpk_[^<]+)<', made.content.decode()).group(1)  # type: ignore[union-attr]
    assert Client(HTTP_X_API_KEY=secret).get(LIST).status_code == 200
    page = staff.get("/staff/partners/").content.decode()
    assert "某大学" in page and secret not in page
    key = PartnerKey.objects.get()
    staff.post("/staff/partners/", {"op": "revoke", "key_id": key.pk})
    assert Client(HTTP_X_API_KEY=secret).get(LIST).status_code == 401


def test_usage_api_is_for_staff_only(
    moderator: User, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    _key, raw = partner_key_create(name="k", organisation="o", contact_email="o@example.com")
    Client(HTTP_X_API_KEY=raw).get(LIST)
    assert Client().get("/api/v1/staff/partners").status_code == 401
    assert client_for(consumer).get("/api/v1/staff/partners").status_code == 403
    [row] = client_for(moderator).get("/api/v1/staff/partners").json()
    assert row["today"] == 1 and row["organisation"] == "o" and "key_hash" not in row


def test_command_creates_and_lists_keys() -> None:
    out = StringIO()
    call_command(
        "partner_key",
        "create",
        "--name",
        "n",
        "--organisation",
        "媒体",
        "--email",
        "m@example.com",
        stdout=out,
    )
    raw = re.search(r"(tpk_\S+)", out.getvalue()).group(1)  # type: ignore[union-attr]
    assert Client(HTTP_X_API_KEY=raw).get(LIST).status_code == 200
    listing = StringIO()
    call_command("partner_key", "list", stdout=listing)
    assert "媒体" in listing.getvalue() and raw not in listing.getvalue()


def test_a_key_reads_only_what_its_scopes_open() -> None:
    reader, read_raw = partner_key_create(
        name="只读", organisation="某某日报", contact_email="a@example.com", scopes=["read"]
    )
    analyst, insights_raw = partner_key_create(
        name="热点", organisation="某大学", contact_email="b@example.edu", scopes=["insights"]
    )
    _both, both_raw = partner_key_create(
        name="全部",
        organisation="某研究所",
        contact_email="c@example.org",
        scopes=["read", "insights"],
    )
    read_only, insights_only, both = (
        Client(HTTP_X_API_KEY=read_raw),
        Client(HTTP_X_API_KEY=insights_raw),
        Client(HTTP_X_API_KEY=both_raw),
    )
    assert read_only.get(LIST).status_code == 200
    assert insights_only.get("/api/v1/hotspots").status_code == 200
    assert insights_only.get("/api/v1/reports").status_code == 200
    assert [both.get(p).status_code for p in (LIST, "/api/v1/hotspots", "/api/v1/reports")] == [
        200,
        200,
        200,
    ]
    before = sorted(PartnerUsage.objects.values_list("key_id", "requests", "refused"))
    for client, path, required, granted in (
        (read_only, "/api/v1/hotspots", "insights", ["read"]),
        (read_only, "/api/v1/reports/2026-10", "insights", ["read"]),
        (insights_only, LIST, "read", ["insights"]),
        (insights_only, "/api/v1/companies", "read", ["insights"]),
    ):
        refused = client.get(path)
        assert refused.status_code == 403, path
        assert refused.json() == {
            "code": "insufficient_scope",
            "message": "此合作方密钥没有访问该接口的权限",
            "details": {"required": required, "granted": granted},
        }
    # a refusal uses none of the key's quota
    assert sorted(PartnerUsage.objects.values_list("key_id", "requests", "refused")) == before
    assert {reader.pk, analyst.pk} <= {k for k, _r, _f in before}


def test_a_read_key_searches_as_the_public(company: Any, consumer: User, moderator: User) -> None:
    """``X-Api-Key`` carries partner keys too: the search and the detail read them as the
    public (with the key's limits), not as a company key (which answered 401)."""
    from tousu.complaints import services

    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title="会员自动续费扣款",
            details="会员到期后自动续费扣款，没有任何提醒，要求退款。",
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    _key, raw = partner_key_create(
        name="只读", organisation="某某日报", contact_email="a@example.com", scopes=["read"]
    )
    reader = Client(HTTP_X_API_KEY=raw)
    found = reader.get("/api/v1/complaints/search", {"q": "自动续费"})
    assert found.status_code == 200, found.content
    assert [i["public_number"] for i in found.json()["items"]] == [complaint.public_number]
    assert "X-Quota-Remaining" in found
    detail = reader.get(f"/api/v1/complaints/{complaint.public_number}")
    assert detail.status_code == 200 and "X-Quota-Remaining" in detail
    # a company key in that header is still a company key, and a bad one still a 401
    bad = Client(HTTP_X_API_KEY="tsm_not-a-key").get("/api/v1/complaints/search", {"q": "续费"})
    assert bad.status_code == 401
