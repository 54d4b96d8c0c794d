"""The dispute endpoints: flag → decide → appeal → appeal decision, and a contest."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from tousu.accounts.models import User
from tousu.complaints.models import Complaint, Visibility

pytestmark = pytest.mark.django_db


def post(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.post(f"/api/v1{url}", body, content_type="application/json")


def test_flag_decision_appeal_over_the_api(
    complaint: Complaint,
    other_consumer: User,
    consumer: User,
    moderator: User,
    moderator2: User,
    client_for: Callable[[User | None], Client],
) -> None:
    n = complaint.public_number
    flagged = post(client_for(other_consumer), f"/complaints/{n}/flags", {"reason": "privacy"})
    assert flagged.status_code == 201, flagged.content
    again = post(client_for(other_consumer), f"/complaints/{n}/flags", {"reason": "spam"})
    assert again.status_code == 409 and again.json()["code"] == "flag_open"
    mod = client_for(moderator)
    queue = mod.get("/api/v1/moderation/disputes").json()
    assert [f["id"] for f in queue["flags"]] == [flagged.json()["id"]]
    decided = post(
        mod,
        f"/moderation/disputes/flag/{flagged.json()['id']}/decide",
        {"outcome": "upheld", "reason": "含手机号"},
    )
    assert decided.status_code == 201 and decided.json()["hid_complaint"] is True
    appeal = post(
        client_for(consumer),
        f"/disputes/decisions/{decided.json()['id']}/appeal",
        {"text": "这是企业客服电话"},
    )
    assert appeal.status_code == 201
    url = f"/moderation/appeals/{appeal.json()['id']}/decide"
    same = post(mod, url, {"outcome": "upheld", "reason": "复核"})
    assert same.status_code == 403 and same.json()["code"] == "same_moderator"
    done = post(client_for(moderator2), url, {"outcome": "upheld", "reason": "企业电话"})
    assert done.status_code == 200 and done.json()["state"] == "upheld"
    complaint.refresh_from_db()
    assert complaint.visibility == Visibility.PUBLIC


def test_contest_over_the_api_with_evidence(
    complaint: Complaint, merchant: User, client_for: Callable[[User | None], Client]
) -> None:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, "PNG")
    out.seek(0)
    out.name = "orders.png"
    resp = client_for(merchant).post(
        f"/api/v1/complaints/{complaint.public_number}/contests",
        {"reason": "not_customer", "text": "查无此订单", "evidence": [out]},
    )
    assert resp.status_code == 201, resp.content
    assert resp.json()["evidence_count"] == 1 and resp.json()["state"] == "open"
    bad = client_for(merchant).post(
        f"/api/v1/complaints/{complaint.public_number}/contests",
        {"reason": "fake", "text": "虚假"},
    )
    assert bad.status_code == 409
