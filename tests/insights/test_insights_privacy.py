"""Hotspots and data reports are built from the public (redacted) copy: personal data written in
a complaint's text never reaches a hotspot term or topic, a report page, its API or its PDF."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from urllib.parse import unquote

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.insights.detect import rising_terms
from tousu.insights.hotspots import hotspots_build
from tousu.insights.models import Hotspot
from tousu.insights.reports import month_period, report_case_add, report_generate, report_publish

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 6, 1)
MOBILE = "13912345678"
ID_NUMBER = "110105199003071239"  # valid GB 11643 checksum
WECHAT = "wangxm1988"
NAME = "王小明"
PERSONAL = (MOBILE, ID_NUMBER, WECHAT, NAME)


def _file(user: User, moderator: User, company: Company, when: datetime, title: str,
          details: str) -> Complaint:  # fmt: skip
    complaint, _ = services.complaint_submit(
        consumer=user,
        data=services.ComplaintInput(
            title=title,
            details=details,
            company_id=company.pk,
            problem_types=["refund_difficult"],
            demands=["refund"],
        ),
        now=when,
    )
    services.complaint_accept(
        complaint_id=complaint.pk, actor=moderator, now=when + timedelta(hours=2)
    )
    return complaint


@pytest.fixture
def week_with_personal_data(
    make_user: Callable[..., User], moderator: User, company: Company
) -> list[Complaint]:
    start = datetime(2026, 5, 4, 2, 0, tzinfo=UTC)  # the four weeks before MONDAY
    for i in range(40):
        when = start + timedelta(hours=16 * i)
        title, details = f"外卖超时送达第{i}次", f"订单{i}：外卖超时送达，客服一直推脱，要求退款。"
        _file(make_user(role="consumer"), moderator, company, when, title, details)
    week = []
    for i in range(30):
        when = datetime(2026, 6, 1, 2, 0, tzinfo=UTC) + timedelta(hours=5 * i)
        week.append(
            _file(
                make_user(role="consumer"),
                moderator,
                company,
                when,
                f"会员被自动续费扣款第{i}次",
                f"我叫{NAME}，会员被自动续费扣款，手机{MOBILE}，身份证号{ID_NUMBER}，"
                f"微信号{WECHAT}，客服一直推脱，要求退款。",
            )
        )
    return week


def _leaks(text: str) -> list[str]:
    return [p for p in PERSONAL if p in text]


def test_hotspot_terms_never_contain_personal_data(
    week_with_personal_data: list[Complaint],
) -> None:
    # the original texts would put the WeChat ID and the name among the rising words
    raw = rising_terms(
        [f"{c.title} {c.details}" for c in week_with_personal_data],
        ["外卖超时送达，客服一直推脱，要求退款。"] * 40,
        top=20,
    )
    assert {WECHAT, NAME} <= {t.term for t in raw}

    assert hotspots_build(MONDAY) >= 1
    rows = list(Hotspot.objects.filter(week_start=MONDAY))
    terms = [t["term"] for row in rows for t in row.terms]
    assert "自动续费" in terms or "续费" in terms
    assert _leaks(" ".join(terms)) == []
    assert not [t for t in terms if re.search(r"\d{4}", t)]
    # the topics group those words: no personal data in their words, labels, examples or links
    topics = [t for row in rows for t in row.topics]
    assert topics
    numbers = {c.public_number for c in week_with_personal_data}
    assert {n for t in topics for n in t["examples"]} <= numbers
    stored = json.dumps([row.topics for row in rows], ensure_ascii=False)
    assert _leaks(stored) == [] and _leaks(unquote(stored)) == []
    assert not re.search(r"\d{5}", " ".join(w["term"] for t in topics for w in t["terms"]))


def test_report_page_api_and_pdf_show_only_the_public_copy(
    week_with_personal_data: list[Complaint], moderator: User, client: Client
) -> None:
    from pypdf import PdfReader

    case = week_with_personal_data[0]
    report_generate(month_period(2026, 6))
    report_case_add(user=moderator, slug="2026-06", public_number=case.public_number,
                    note="自动续费的典型")  # fmt: skip
    report_publish(user=moderator, slug="2026-06")

    page = client.get("/reports/2026-06/").content.decode()
    assert case.public_number in page and "139****5678" in page
    assert _leaks(page) == []
    api = client.get("/api/v1/reports/2026-06")
    assert api.status_code == 200
    assert case.public_number in api.content.decode("utf-8")
    assert _leaks(api.content.decode("utf-8")) == []

    pdf = client.get("/reports/2026-06.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    text = "".join(text.split())  # lines are wrapped
    assert case.public_number in text and "典型案例" in text
    assert _leaks(text) == []
