"""Monthly and quarterly data reports: figures, typical cases, publication, HTML and PDF."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client

from tousu.accounts.models import User
from tousu.common.errors import Conflict, PermissionDenied, ValidationFailed
from tousu.complaints.models import Complaint
from tousu.insights.models import DataReport
from tousu.insights.reports import (
    month_period,
    period_from_slug,
    quarter_period,
    report_case_add,
    report_generate,
    report_pdf,
    report_publish,
    reports_due,
)

END = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def data(db: None, tmp_path: Path) -> None:
    call_command(
        "bench_data", complaints=1200, days=120, surges=0, end=END.isoformat(),
        truth=str(tmp_path), no_rebuild=True,
    )  # fmt: skip


def test_periods() -> None:
    assert month_period(2026, 2).end.day == 28 and month_period(2026, 12).end.day == 31
    q = quarter_period(2026, 2)
    assert (q.start.isoformat(), q.end.isoformat(), q.slug) == (
        "2026-04-01",
        "2026-06-30",
        "2026-Q2",
    )
    assert period_from_slug("2026-Q3").start.month == 7
    for bad in ("2026-13", "2026-Q5", "x", "2026-"):
        with pytest.raises(ValidationFailed):
            period_from_slug(bad)


def test_figures_add_up(data: None) -> None:
    report = report_generate(month_period(2026, 9))
    d = report.data
    start = datetime(2026, 8, 31, 16, 0, tzinfo=UTC)  # 1 September, Beijing
    end = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)
    in_month = Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
    assert d["submitted"] == in_month.count() > 0
    assert d["accepted"] == in_month.exclude(accepted_at=None).count()
    assert sum(r["complaints"] for r in d["by_sector"]) == d["accepted"]
    assert d["top_companies"][0]["complaints"] >= d["top_companies"][-1]["complaints"]
    assert 0.6 < d["reply_rate"] < 0.95
    assert report_generate(month_period(2026, 9)).pk == report.pk  # regenerated in place


def test_cases_publish_pages_and_pdf(
    data: None, moderator: User, consumer: User, client: Client,
    client_for: Callable[[User | None], Client],
) -> None:  # fmt: skip
    report_generate(month_period(2026, 9))
    public = Complaint.objects.filter(visibility="public").first()
    private = Complaint.objects.exclude(visibility="public").first()
    assert public is not None and private is not None
    with pytest.raises(PermissionDenied):
        report_case_add(user=consumer, slug="2026-09", public_number=public.public_number)
    with pytest.raises(ValidationFailed):
        report_case_add(user=moderator, slug="2026-09", public_number=private.public_number)
    report_case_add(user=moderator, slug="2026-09", public_number=public.public_number,
                    note="预付费退款难的典型")  # fmt: skip
    with pytest.raises(Conflict):
        report_case_add(user=moderator, slug="2026-09", public_number=public.public_number)
    # a draft is not public
    assert client.get("/reports/2026-09/").status_code == 404
    assert client.get("/api/v1/reports/2026-09").status_code == 404
    assert client_for(moderator).get("/reports/2026-09/").status_code == 200
    report_publish(user=moderator, slug="2026-09")
    with pytest.raises(Conflict):
        report_publish(user=moderator, slug="2026-09")
    page = client.get("/reports/2026-09/").content.decode()
    assert "预付费退款难的典型" in page and public.public_number in page
    assert "2026-09" in client.get("/reports/").content.decode()
    api = client.get("/api/v1/reports/2026-09").json()
    assert api["cases"][0]["public_number"] == public.public_number
    assert api["data"]["submitted"] > 0
    pdf = client.get("/reports/2026-09.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) > 2000


def test_pdf_text_is_chinese(data: None) -> None:
    from pypdf import PdfReader

    pdf = report_pdf(report_generate(quarter_period(2026, 3)))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "季度数据报告" in text and "各行业受理投诉量" in text


def test_the_job_drafts_last_month_and_quarter(data: None) -> None:
    now = END + timedelta(days=1)  # 1 November, Beijing
    assert reports_due(now) == {"generated": ["2026-10"]}
    assert reports_due(now) == {"generated": []}
    assert reports_due(datetime(2026, 10, 2, 4, tzinfo=UTC)) == {
        "generated": ["2026-09", "2026-Q3"]
    }
    assert DataReport.objects.filter(published_at=None).count() == 3


def test_staff_draft_a_period_from_the_page(
    data: None, moderator: User, consumer: User, client_for: Callable[[User | None], Client]
) -> None:
    response = client_for(moderator).post("/reports/", {"period": "2026-Q3"})
    assert response.status_code == 302 and DataReport.objects.filter(slug="2026-Q3").exists()
    assert client_for(consumer).post("/reports/", {"period": "2026-08"}).status_code == 403
