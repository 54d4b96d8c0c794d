"""Helpers of the public page tests (imported by tests/web/test_public_*.py; no tests here).

Complaints are filed and moved only through ``tousu.complaints.services``.
"""

from __future__ import annotations

import io
import itertools
from datetime import datetime, timedelta
from typing import Any

from django.test import Client
from django.utils import timezone
from PIL import Image

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.evidence import prepare_file
from tousu.complaints.models import Complaint

XSS_SCRIPT = "<script>alert(1)</script>"
XSS_IMG = '"><img src=x onerror=alert(1)>'

_numbers = itertools.count(1)


def png(rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (12, 8), rgb).save(out, "PNG")
    return out.getvalue()


def file(
    consumer: User,
    company: Company,
    *,
    images: int = 0,
    now: datetime | None = None,
    **extra: Any,
) -> Complaint:
    """File a complaint about ``company`` (a new text each time) with ``images`` PNG files."""
    n = next(_numbers)
    data = {
        "title": f"外卖超时两小时拒绝退款{n}",
        "details": f"第{n}单：6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。",
        "company_id": company.pk,
        "problem_types": ["refund_difficult", "delivery"],
        "demands": ["refund", "apology"],
        "amount": "58.50",
        "order_number": f"DD2025060{n:06d}",
        **extra,
    }
    files = [prepare_file(png((i * 40 % 256, 30, 30)), f"{i}.png") for i in range(images)]
    complaint, created = services.complaint_submit(
        consumer=consumer, data=services.ComplaintInput(**data), files=files, now=now
    )
    assert created
    return complaint


def accepted(complaint: Complaint, moderator: User, *, now: datetime | None = None) -> Complaint:
    return services.complaint_accept(complaint_id=complaint.pk, actor=moderator, now=now)


def completed(
    complaint: Complaint,
    merchant: User,
    *,
    stars: tuple[int, int, int] = (5, 4, 3),
    comment: str = "",
) -> Complaint:
    """An accepted, processing complaint through reply, completion request and confirmation."""
    services.complaint_reply(complaint_id=complaint.pk, actor=merchant, message="已为您退款")
    services.complaint_request_completion(complaint_id=complaint.pk, actor=merchant)
    attitude, speed, satisfaction = stars
    return services.complaint_confirm_completion(
        complaint_id=complaint.pk,
        actor=complaint.consumer,
        attitude=attitude,
        speed=speed,
        satisfaction=satisfaction,
        comment=comment,
    )


def logged_in(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text(resp: Any) -> str:
    return resp.content.decode()


def days_ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)
