"""Helpers of the merchant and moderator console tests (no tests here).

Imported by the ``test_merchant_*`` and ``test_moderation_*`` modules of this folder; complaints
are filed and moved through the services, as users would through the API.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint

_numbers = itertools.count(1)


def file(
    consumer: User, company: Company, *, now: datetime | None = None, **extra: Any
) -> Complaint:
    n = next(_numbers)
    data = services.ComplaintInput(
        **{
            "title": f"外卖超时两小时拒绝退款{n}",
            "details": f"第{n}单：6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。",
            "company_id": company.pk,
            "problem_types": ["refund_difficult"],
            "demands": ["refund"],
            "amount": "58.50",
            "order_number": f"DD2025060100{n:04d}",
            **extra,
        }
    )
    complaint, created = services.complaint_submit(consumer=consumer, data=data, now=now)
    assert created
    return complaint


def accepted(
    consumer: User, moderator: User, company: Company, *, now: datetime | None = None, **extra: Any
) -> Complaint:
    """A complaint accepted by review: processing when the company has a merchant."""
    complaint = file(consumer, company, now=now, **extra)
    return services.complaint_accept(complaint_id=complaint.pk, actor=moderator, now=now)


def replied(consumer: User, moderator: User, merchant: User, company: Company) -> Complaint:
    complaint = accepted(consumer, moderator, company)
    return services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="已处理")


def logged_in(user: User | None, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    if user is not None:
        client.force_login(user)
    return client


def count_queries(client: Client, url: str) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), response


def text(response: Any) -> str:
    return response.content.decode()
