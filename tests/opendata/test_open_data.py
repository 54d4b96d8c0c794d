"""The daily open-data release: only public complaints, only public fields, checksums that
match, CSV injection neutralised, idempotent builds, stable addresses."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from tousu.accounts.models import User
from tousu.common.jobs import JOBS
from tousu.companies.models import Company
from tousu.complaints import services
from tousu.complaints.models import Complaint, HideReason
from tousu.opendata.export import (
    CHANGE_NOTES,
    FIELD_NAMES,
    FIELDS,
    SCHEMA_VERSION,
    neutralise,
    release_build,
    releases,
    releases_prune,
)

pytestmark = pytest.mark.django_db

DOC = Path(__file__).resolve().parents[2] / "docs" / "open-data.md"
ORDER_NUMBER = "JD2025060112345678901234567890"


@pytest.fixture(autouse=True)
def _open_data_dir(settings: Any, tmp_path: Path) -> Path:
    settings.OPEN_DATA_DIR = tmp_path / "opendata"
    return settings.OPEN_DATA_DIR


def _file(consumer: User, company: Company, title: str, details: str = "") -> int:
    complaint, _ = services.complaint_submit(
        consumer=consumer,
        data=services.ComplaintInput(
            title=title,
            details=details or "购买后第七天屏幕出现大片绿线，商家拒绝按三包规定换货维修。",
            company_id=company.pk,
            problem_types=["quality"],
            demands=["exchange"],
            amount="5999.00",
            order_number=ORDER_NUMBER,
        ),
    )
    return complaint.pk


@pytest.fixture
def filed(
    consumer: User, other_consumer: User, company: Company, moderator: User, merchant: User
) -> dict[str, str]:
    public = _file(consumer, company, '=HYPERLINK("http://evil") 手机屏幕坏了')
    services.complaint_accept(complaint_id=public, actor=moderator)
    services.complaint_reply(complaint_id=public, actor=merchant, message="已安排上门检测。")
    services.complaint_request_completion(complaint_id=public, actor=merchant, message="已换新")
    services.complaint_confirm_completion(
        complaint_id=public, actor=consumer, attitude=5, speed=4, satisfaction=3
    )
    hidden = _file(other_consumer, company, "被隐藏的投诉标题")
    services.complaint_accept(complaint_id=hidden, actor=moderator)
    services.complaint_hide(complaint_id=hidden, actor=moderator, reason=HideReason.values[0])
    # (another text: the same details again would repeat the consumer's open complaint)
    pending = _file(
        other_consumer, company, "还在审核中的投诉标题", "耳机左声道没有声音，商家拒绝退货。"
    )
    return {
        k: Complaint.objects.get(pk=pk).public_number
        for k, pk in (("public", public), ("hidden", hidden), ("pending", pending))
    }


def _rows(release_dir: Path) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    with gzip.open(release_dir / "complaints.csv.gz", "rb") as fh:
        text = fh.read().decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(text)))
    with gzip.open(release_dir / "complaints.jsonl.gz", "rt", encoding="utf-8") as fh:
        json_rows = [json.loads(line) for line in fh]
    return csv_rows, json_rows


def test_release_has_only_public_complaints_and_public_fields(filed: dict[str, str]) -> None:
    release = release_build(day=date(2026, 11, 28))
    csv_rows, json_rows = _rows(release.path)
    assert [r["public_number"] for r in csv_rows] == [filed["public"]]
    assert [r["public_number"] for r in json_rows] == [filed["public"]]
    assert list(csv_rows[0]) == list(FIELD_NAMES)
    assert set(json_rows[0]) == set(FIELD_NAMES)
    raw = b"".join(
        gzip.decompress((release.path / name).read_bytes())
        for name in ("complaints.csv.gz", "complaints.jsonl.gz")
    ).decode("utf-8")
    assert ORDER_NUMBER not in raw
    assert "被隐藏的投诉标题" not in raw and "还在审核中的投诉标题" not in raw
    row = json_rows[0]
    assert row["status"] == "completed" and row["company_replied"] is True
    assert (row["rating_attitude"], row["rating_speed"], row["rating_satisfaction"]) == (5, 4, 3)
    assert row["amount"] == "5999.00" and row["problem_types"] == ["quality"]
    assert csv_rows[0]["problem_types"] == "quality" and csv_rows[0]["company_replied"] == "true"


def test_parquet_holds_the_same_rows_with_types(filed: dict[str, str]) -> None:
    import pyarrow.parquet as pq

    release = release_build(day=date(2026, 11, 28))
    _, json_rows = _rows(release.path)
    table = pq.read_table(release.path / "complaints.parquet")
    assert table.column_names == list(FIELD_NAMES)
    assert table.schema.metadata[b"schema_version"] == b"1.0"
    parquet_rows = table.to_pylist()
    assert [r["public_number"] for r in parquet_rows] == [filed["public"]]
    row, expected = parquet_rows[0], json_rows[0]
    assert str(row["amount"]) == expected["amount"] == "5999.00"
    assert row["problem_types"] == ["quality"] and row["company_replied"] is True
    # the same instant as the JSON's +08:00 text
    assert row["submitted_at"] == datetime.fromisoformat(expected["submitted_at"])
    assert row["rating_satisfaction"] == 3 and row["title"] == expected["title"]
    assert row["closed_at"] is None or isinstance(row["closed_at"], datetime)
    raw = (release.path / "complaints.parquet").read_bytes()
    assert ORDER_NUMBER.encode() not in raw and "被隐藏的投诉标题".encode() not in raw
    assert "complaints.parquet" in {f["name"] for f in release.manifest["files"]}


def test_parquet_row_groups_bound_memory(
    filed: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
    consumer: User,
    company: Company,
    moderator: User,
) -> None:
    import pyarrow.parquet as pq

    import tousu.opendata.export as export

    for n in range(3):
        pk = _file(
            consumer, company, f"第{n}号屏幕问题", f"第{n}次购买的耳机出现杂音，商家不处理。"
        )
        services.complaint_accept(complaint_id=pk, actor=moderator)
    monkeypatch.setattr(export, "PARQUET_ROW_GROUP", 2)
    release = release_build(day=date(2026, 11, 28))
    meta = pq.ParquetFile(release.path / "complaints.parquet").metadata
    assert meta.num_rows == release.manifest["rows"] == 4
    assert meta.num_row_groups == 2


def test_csv_cells_that_look_like_formulas_are_neutralised(filed: dict[str, str]) -> None:
    release = release_build(day=date(2026, 11, 28))
    csv_rows, json_rows = _rows(release.path)
    assert csv_rows[0]["title"].startswith("'=HYPERLINK")
    assert json_rows[0]["title"].startswith("=HYPERLINK")  # JSON is data, not a spreadsheet
    assert [neutralise(s) for s in ("=1", "+1", "-1", "@x", "\t1", "1=")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@x",
        "'\t1",
        "1=",
    ]


def test_manifest_checksums_match_the_files(filed: dict[str, str]) -> None:
    release = release_build(day=date(2026, 11, 28))
    manifest = json.loads((release.path / "manifest.json").read_text("utf-8"))
    assert manifest["rows"] == 1 and manifest["schema_version"] == "1.0"
    sums = (release.path / "SHA256SUMS").read_text("utf-8")
    for f in manifest["files"]:
        data = (release.path / f["name"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert len(data) == f["bytes"]
        assert f"{f['sha256']}  {f['name']}" in sums


def test_a_release_is_built_once_and_old_ones_are_pruned(
    filed: dict[str, str], moderator: User
) -> None:
    first = release_build(day=date(2026, 11, 28))
    digest = first.manifest["files"][0]["sha256"]
    # a change after publication does not rewrite the published release
    services.complaint_hide(
        complaint_id=Complaint.objects.get(public_number=filed["public"]).pk,
        actor=moderator,
        reason=HideReason.values[0],
    )
    again = release_build(day=date(2026, 11, 28))
    assert again.manifest["files"][0]["sha256"] == digest
    nextday = release_build(day=date(2026, 11, 29))
    assert nextday.manifest["rows"] == 0
    assert [r.day for r in releases()] == ["2026-11-29", "2026-11-28"]
    assert releases_prune(keep=1) == 1
    assert [r.day for r in releases()] == ["2026-11-29"]


def test_a_failed_build_leaves_nothing_half_written(
    filed: dict[str, str], monkeypatch: pytest.MonkeyPatch, _open_data_dir: Path
) -> None:
    import tousu.opendata.export as export

    def boom(row: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(export, "record", boom)
    with pytest.raises(RuntimeError):
        release_build(day=date(2026, 11, 28))
    assert releases() == []
    assert list(_open_data_dir.iterdir()) == []


def test_job_is_registered_and_idempotent(filed: dict[str, str]) -> None:
    job = {j.name: j for j in JOBS}["open_data"]
    first = job.run()
    second = job.run()
    assert first["rows"] == second["rows"] == 1
    assert len(releases()) == 1


def test_pages_and_stable_addresses(
    filed: dict[str, str], client_for: Callable[[User | None], Client]
) -> None:
    client = client_for(None)
    empty = client.get("/open-data/")
    assert empty.status_code == 200 and "还没有发布数据文件" in empty.content.decode()
    assert client.get("/open-data/latest/complaints.csv.gz").status_code == 404
    release = release_build()
    page = client.get("/open-data/")
    html = page.content.decode()
    assert page.status_code == 200 and release.manifest["files"][0]["sha256"] in html
    latest = client.get("/open-data/latest/complaints.jsonl.gz")
    assert latest.status_code == 200
    body = b"".join(latest.streaming_content)  # type: ignore[attr-defined]
    assert body == (release.path / "complaints.jsonl.gz").read_bytes()
    assert latest["ETag"].strip('"') == release.manifest["files"][1]["sha256"]
    assert (
        client.get(
            "/open-data/latest/complaints.jsonl.gz", HTTP_IF_NONE_MATCH=latest["ETag"]
        ).status_code
        == 304
    )
    dated = client.get(f"/open-data/{release.day}/complaints.csv.gz")
    assert dated.status_code == 200
    for bad in (
        f"/open-data/{release.day}/..%2Fmanifest.json",
        f"/open-data/{release.day}/evil.sh",
        "/open-data/2020-01-01/complaints.csv.gz",
        "/open-data/2026-13-45/complaints.csv.gz",
        "/open-data/latest/..%2F..%2Fsettings.py",
    ):
        assert client.get(bad).status_code == 404, bad
    assert client.post("/open-data/").status_code == 405
    api = client.get("/api/v1/open-data")
    assert api.status_code == 200
    [entry] = api.json()
    assert entry["rows"] == 1
    assert entry["files"][0]["url"] == f"/open-data/{release.day}/complaints.csv.gz"


def _documented_schema() -> tuple[list[str], list[tuple[str, str]]]:
    """The "## Schema, version X" headings of docs/open-data.md and the table under them."""
    text = DOC.read_text("utf-8")
    versions = re.findall(r"^## Schema, version (.*)$", text, flags=re.M)
    section = text.split("## Schema, version", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z_]+)` \| (.+?) \|$", section, flags=re.M)
    return versions, rows


def test_documented_schema_matches_the_exporter() -> None:
    versions, rows = _documented_schema()
    assert versions == [SCHEMA_VERSION]
    # names in CSV order and the same descriptions ("|" is escaped in a Markdown table)
    assert [(name, text.replace("\\|", "|")) for name, text in rows] == list(FIELDS)
    assert tuple(name for name, _ in rows) == FIELD_NAMES


def test_change_notes_are_in_the_manifest_on_the_page_and_in_the_docs(
    filed: dict[str, str], client_for: Callable[[User | None], Client]
) -> None:
    release = release_build(day=date(2026, 11, 28))
    manifest = json.loads((release.path / "manifest.json").read_text("utf-8"))
    assert manifest["changes"] == [
        {"day": day, "schema_version": version, "note": note}
        for day, version, note in CHANGE_NOTES
    ]
    html = client_for(None).get("/open-data/").content.decode()
    doc = DOC.read_text("utf-8")
    for day, version, note in CHANGE_NOTES:
        assert f"{day}（版本 {version}）：{note}" in html
        assert day in doc
    assert CHANGE_NOTES[-1][1] == SCHEMA_VERSION
