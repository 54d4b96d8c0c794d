"""Open data in Chromium: a visitor finds the open-data page from the footer, sees the newest
release with its checksums, the field list and the change notes, and downloads the CSV and the
JSON Lines file through the links. The files were built by the real command, and what comes
down is the redacted public copy: a phone number in a complaint arrives masked, never as
written, and a cell that starts with '=' is neutralised for spreadsheets."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tousu.accounts.models import User
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.opendata.export import CHANGE_NOTES, SCHEMA_VERSION

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = "13812345678"
MASKED = "138****5678"
FORMULA_TITLE = '=HYPERLINK("http://evil.example") 屏幕坏了不给换'


def _download(page: Any, link_name: str) -> tuple[str, bytes]:
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name, exact=True).click()
    download = info.value
    return download.suggested_filename, Path(download.path()).read_bytes()


def test_visitor_downloads_the_redacted_release(
    page: Any, live_server: Any, consumer: User, moderator: User, company: Company
) -> None:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=FORMULA_TITLE,
            details=f"买了手机第三天屏幕出现绿线，商家拒绝换货。客服让我打{PHONE}联系，一直没人接。",
            company_id=company.pk,
            problem_types=["quality"],
            demands=["exchange"],
            amount="3999.00",
        ),
    )
    services.complaint_accept(complaint_id=complaint.pk, actor=moderator)
    out = StringIO()
    call_command("opendata_export", stdout=out)  # what the worker's daily job runs
    assert "rows=1" in out.getvalue()

    page.goto("/")
    page.get_by_role("link", name="开放数据").click()
    expect(page.get_by_role("heading", name="开放数据", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="最新版本：")).to_be_visible()
    expect(page.get_by_text(f"共 1 条投诉，数据格式版本 {SCHEMA_VERSION}。")).to_be_visible()
    expect(page.get_by_role("cell", name="public_number", exact=True)).to_be_visible()
    expect(page.get_by_text(CHANGE_NOTES[-1][2])).to_be_visible()
    listed = {
        row.locator("td").nth(0).inner_text(): row.locator("td").nth(2).inner_text()
        for row in page.locator("section[aria-labelledby=latest-h] tbody tr").all()
    }

    csv_name, csv_gz = _download(page, "complaints.csv.gz")
    jsonl_name, jsonl_gz = _download(page, "complaints.jsonl.gz")
    assert csv_name.startswith("tousu-") and csv_name.endswith("-complaints.csv.gz")
    assert jsonl_name.endswith("-complaints.jsonl.gz")
    # the checksums the page shows are those of the bytes that came down
    assert listed["complaints.csv.gz"] == hashlib.sha256(csv_gz).hexdigest()
    assert listed["complaints.jsonl.gz"] == hashlib.sha256(jsonl_gz).hexdigest()
    sums = page.request.get(f"{live_server.url}/open-data/latest/SHA256SUMS").text()
    assert f"{hashlib.sha256(csv_gz).hexdigest()}  complaints.csv.gz" in sums

    csv_text = gzip.decompress(csv_gz).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert [r["public_number"] for r in rows] == [complaint.public_number]
    assert MASKED in rows[0]["details"] and PHONE not in csv_text
    assert rows[0]["title"] == "'" + FORMULA_TITLE  # neutralised: a spreadsheet shows text
    assert not any(v.startswith(("=", "+", "-", "@")) for r in rows for v in r.values() if v)

    jsonl_text = gzip.decompress(jsonl_gz).decode("utf-8")
    records = [json.loads(line) for line in jsonl_text.splitlines()]
    assert [r["public_number"] for r in records] == [complaint.public_number]
    assert MASKED in records[0]["details"] and PHONE not in jsonl_text
    assert records[0]["title"] == FORMULA_TITLE  # JSON is data, not a spreadsheet: as published
