from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def test_consumer_files_and_moderator_accepts(
    client_for: Any,
    consumer: Any,
    moderator: Any,
    merchant: Any,
    company: Any,
    complaint_form: dict[str, Any],
) -> None:
    c = client_for(consumer)
    resp = c.post("/api/v1/complaints", {**complaint_form, "company_id": company.pk})
    assert resp.status_code == 201, resp.content
    number = resp.json()["public_number"]
    assert resp.json()["status"] == "pending_review"
    assert resp.json()["order_number"] == "DD20250601123456"
    resp = client_for(moderator).post(
        f"/api/v1/complaints/{number}/accept", content_type="application/json", data={}
    )
    assert resp.status_code == 200, resp.content
    assert resp.json()["status"] == "processing"
    anon = client_for(None).get(f"/api/v1/complaints/{number}")
    assert anon.status_code == 200
    assert "order_number" not in anon.json()
