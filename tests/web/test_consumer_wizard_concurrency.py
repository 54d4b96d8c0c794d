"""Two clicks on "submit" that reach the server at the same time file one complaint."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints.drafts import draft_start, draft_update
from tousu.complaints.models import Complaint, ComplaintDraft

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs concurrent connections (PostgreSQL)"
    ),
]


def test_simultaneous_submits_file_one_complaint(
    consumer: User, company: Company, client_for: Callable[[User | None], Client]
) -> None:
    draft = draft_start(consumer)
    draft_update(
        draft,
        {
            "company_name": company.name,
            "title": "外卖超时两小时拒绝退款",
            "details": "6月1日点餐，超时两个小时才送到，申请退款被客服拒绝。",
            "problem_types": ["delivery"],
            "demands": ["refund"],
        },
        reached="preview",
    )
    barrier = threading.Barrier(2)
    results: list[Any] = []

    def click() -> None:
        try:
            client = client_for(consumer)
            barrier.wait()
            resp = client.post(
                "/complaints/new/preview/", {"idempotency_key": draft.idempotency_key}
            )
            results.append((resp.status_code, resp.get("Location")))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    complaint = Complaint.objects.get()
    assert results == [(302, f"/my/complaints/{complaint.public_number}/")] * 2
    assert not ComplaintDraft.objects.filter(idempotency_key=draft.idempotency_key).exists()
