"""Write the daily open-data release: ``<OPEN_DATA_DIR>/<YYYY-MM-DD>/`` holding
``complaints.csv.gz``, ``complaints.jsonl.gz``, ``complaints.parquet`` (typed columns, zstd) and
``manifest.json`` (row count, sizes, SHA-256).

A release is built in a hidden temporary directory and renamed into place in one step, so a
reader never sees half a release; a release that exists is never rewritten (the job is
idempotent). Rows stream from the database in primary-key order with a bounded chunk size, so
memory stays flat at any size. Only ``complaints_public()`` rows are written, and only the
fields listed in ``FIELDS`` — the public copy that anyone can already read on the site.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Prefetch
from django.utils import timezone

from tousu.complaints.models import Complaint, Rating
from tousu.complaints.selectors import complaints_public

SCHEMA_VERSION = "1.0"
# (day, schema version, note) — newest last; shown on /open-data/, carried in every manifest,
# and mirrored in docs/open-data.md ("Versioning and change notes")
CHANGE_NOTES: tuple[tuple[str, str, str], ...] = (
    ("2026-11-28", "1.0", "首次发布：CSV 和 JSON Lines。"),
    ("2026-11-29", "1.0", "每个版本增加 complaints.parquet（字段相同，列带类型）。"),
)
FILES = ("complaints.csv.gz", "complaints.jsonl.gz", "complaints.parquet")
KEEP_RELEASES = 14
CHUNK = 2000
PARQUET_ROW_GROUP = 50_000  # rows buffered before a Parquet row group is written

# (name, description) — the order of the CSV columns; documented in docs/open-data.md
FIELDS: tuple[tuple[str, str], ...] = (
    ("public_number", "投诉编号"),
    ("url", "投诉页面地址（相对路径）"),
    ("submitted_at", "提交时间（ISO 8601，北京时间）"),
    ("accepted_at", "审核通过时间"),
    ("company_id", "企业编号"),
    ("company_name", "企业名称"),
    ("company_uscc", "统一社会信用代码（企业已提供时）"),
    ("company_verified", "企业是否已认证"),
    ("sector", "行业代码"),
    ("brand", "品牌"),
    ("title", "标题（公开稿）"),
    ("details", "详情（公开稿）"),
    ("problem_types", "问题类型代码，以 | 分隔"),
    ("problem_other", "其他问题"),
    ("demands", "诉求代码，以 | 分隔"),
    ("demand_other", "其他诉求"),
    ("amount", "涉诉金额（元）"),
    ("status", "状态代码"),
    ("company_replied", "企业是否已回复"),
    ("first_reply_at", "企业首次回复时间"),
    ("is_overdue", "企业是否超时未回复"),
    ("completed_at", "完成时间"),
    ("closed_at", "关闭时间"),
    ("rating_attitude", "服务态度评分 1–5（消费者确认完成时）"),
    ("rating_speed", "处理速度评分 1–5"),
    ("rating_satisfaction", "满意度评分 1–5"),
)
FIELD_NAMES = tuple(name for name, _ in FIELDS)

# TIME_COLUMNS of the Parquet file are instants (UTC microseconds with the zone noted)
TIME_COLUMNS = frozenset(
    ("submitted_at", "accepted_at", "first_reply_at", "completed_at", "closed_at")
)


@lru_cache(maxsize=1)
def parquet_schema() -> Any:
    """The Parquet column types (the same fields and order as the CSV): times keep their
    instant, amounts are exact decimals, lists stay lists. pyarrow is imported here, not with
    the module: it adds ≈25 MB to every web worker, which only the daily build needs."""
    import pyarrow as pa

    time_type = pa.timestamp("us", tz="Asia/Shanghai")
    types: dict[str, Any] = {
        "company_id": pa.int64(),
        "company_verified": pa.bool_(),
        "company_replied": pa.bool_(),
        "is_overdue": pa.bool_(),
        "problem_types": pa.list_(pa.string()),
        "demands": pa.list_(pa.string()),
        "amount": pa.decimal128(14, 2),
        "rating_attitude": pa.int8(),
        "rating_speed": pa.int8(),
        "rating_satisfaction": pa.int8(),
        **dict.fromkeys(TIME_COLUMNS, time_type),
    }
    return pa.schema(
        [
            pa.field(name, types.get(name, pa.string()), metadata={"description": text})
            for name, text in FIELDS
        ],
        metadata={"schema_version": SCHEMA_VERSION},
    )


# A spreadsheet treats a cell starting with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def release_root() -> Path:
    return Path(getattr(settings, "OPEN_DATA_DIR", Path(settings.VAR_DIR) / "opendata"))


def public_text(complaint: Complaint) -> tuple[str, str]:
    """The title and details that may be published: the one place open data reads them (the
    redacted public copy of tousu.privacy)."""
    from tousu.privacy.selectors import public_text as redacted

    return redacted(complaint)


def neutralise(cell: str) -> str:
    """Keep a CSV cell from being run as a formula by spreadsheet software (OWASP advice:
    prefix a single quote)."""
    return "'" + cell if cell.startswith(FORMULA_PREFIXES) else cell


def _iso(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def record(complaint: Complaint) -> dict[str, Any]:
    title, details = public_text(complaint)
    company = complaint.company
    ratings = getattr(complaint, "rating_list", None)
    if ratings is None:
        ratings = list(complaint.ratings.order_by("id"))
    rating = ratings[-1] if ratings else None  # the latest confirmation counts
    amount: Decimal | None = complaint.amount
    return {
        "public_number": complaint.public_number,
        "url": f"/complaints/{complaint.public_number}/",
        "submitted_at": _iso(complaint.submitted_at),
        "accepted_at": _iso(complaint.accepted_at),
        "company_id": company.pk,
        "company_name": company.name,
        "company_uscc": company.uscc or None,
        "company_verified": bool(company.is_verified),
        "sector": company.sector or None,
        "brand": complaint.brand.name if complaint.brand else None,
        "title": title,
        "details": details,
        "problem_types": list(complaint.problem_types),
        "problem_other": complaint.problem_other,
        "demands": list(complaint.demands),
        "demand_other": complaint.demand_other,
        "amount": str(amount) if amount is not None else None,
        "status": complaint.status,
        "company_replied": complaint.first_reply_at is not None,
        "first_reply_at": _iso(complaint.first_reply_at),
        "is_overdue": complaint.is_overdue,
        "completed_at": _iso(complaint.completed_at),
        "closed_at": _iso(complaint.closed_at),
        "rating_attitude": rating.attitude if rating else None,
        "rating_speed": rating.speed if rating else None,
        "rating_satisfaction": rating.satisfaction if rating else None,
    }


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        value = "|".join(str(v) for v in value)
    return neutralise(str(value))


def public_records() -> Iterator[dict[str, Any]]:
    """Every public complaint as an open-data record, in public-number-stable id order."""
    ratings = Prefetch("ratings", queryset=Rating.objects.order_by("id"), to_attr="rating_list")
    queryset = complaints_public().order_by("id").prefetch_related(ratings)
    for complaint in queryset.iterator(chunk_size=CHUNK):
        yield record(complaint)


@dataclass(frozen=True)
class Release:
    day: str
    path: Path
    manifest: dict[str, Any]


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _parquet_value(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in TIME_COLUMNS:
        return datetime.fromisoformat(value)
    if name == "amount":
        return Decimal(value)
    return value


class _ParquetSink:
    """Buffers records and writes them as row groups: memory stays bounded at any size."""

    def __init__(self, path: Path) -> None:
        # no creation timestamp or writer-dependent statistics: the bytes depend on the content
        import pyarrow.parquet as pq

        self.writer = pq.ParquetWriter(path, parquet_schema(), compression="zstd")
        self.columns: dict[str, list[Any]] = {name: [] for name in FIELD_NAMES}
        self.buffered = 0

    def add(self, row: dict[str, Any]) -> None:
        for name in FIELD_NAMES:
            self.columns[name].append(_parquet_value(name, row[name]))
        self.buffered += 1
        if self.buffered >= PARQUET_ROW_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.buffered:
            return
        import pyarrow as pa

        table = pa.Table.from_pydict(self.columns, schema=parquet_schema())
        self.writer.write_table(table)
        self.columns = {name: [] for name in FIELD_NAMES}
        self.buffered = 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def _write_files(tmp: Path) -> int:
    parquet = _ParquetSink(tmp / "complaints.parquet")
    try:
        rows = _write_rows(tmp, parquet)
    finally:
        parquet.close()
    return rows


def _write_rows(tmp: Path, parquet: _ParquetSink) -> int:
    rows = 0
    # mtime=0 keeps the gzip bytes a function of the content only
    with (
        gzip.GzipFile(tmp / "complaints.csv.gz", "wb", mtime=0) as csv_raw,
        gzip.GzipFile(tmp / "complaints.jsonl.gz", "wb", mtime=0) as jsonl_raw,
    ):
        csv_text = io.TextIOWrapper(csv_raw, encoding="utf-8-sig", newline="")
        jsonl_text = io.TextIOWrapper(jsonl_raw, encoding="utf-8", newline="\n")
        writer = csv.writer(csv_text, lineterminator="\r\n")
        writer.writerow(FIELD_NAMES)
        for row in public_records():
            writer.writerow([_csv_cell(row[name]) for name in FIELD_NAMES])
            jsonl_text.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
            parquet.add(row)
            rows += 1
        csv_text.flush()
        jsonl_text.flush()
        csv_text.detach()
        jsonl_text.detach()
    return rows


def release_build(*, day: date | None = None, root: Path | None = None) -> Release:
    """Build the release of ``day`` (today, local time) unless it exists; return it."""
    root = root or release_root()
    day_s = (day or timezone.localdate()).isoformat()
    final = root / day_s
    if (final / "manifest.json").exists():
        return Release(day_s, final, json.loads((final / "manifest.json").read_text("utf-8")))
    root.mkdir(parents=True, exist_ok=True)
    tmp = root / f".build-{day_s}-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        started = timezone.now()
        rows = _write_files(tmp)
        files = [
            {"name": name, "bytes": (tmp / name).stat().st_size, "sha256": _sha256(tmp / name)}
            for name in FILES
        ]
        manifest: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "release": day_s,
            "generated_at": _iso(timezone.now()),
            "started_at": _iso(started),
            "rows": rows,
            "fields": [{"name": n, "description": d} for n, d in FIELDS],
            "changes": [
                {"day": day, "schema_version": version, "note": note}
                for day, version, note in CHANGE_NOTES
            ],
            "files": files,
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        (tmp / "SHA256SUMS").write_text(
            "".join(f"{f['sha256']}  {f['name']}\n" for f in files), encoding="utf-8"
        )
        for path in tmp.iterdir():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())
        try:
            tmp.rename(final)
        except OSError:  # another builder won the race: theirs is as good as ours
            shutil.rmtree(tmp, ignore_errors=True)
            return Release(day_s, final, json.loads((final / "manifest.json").read_text("utf-8")))
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return Release(day_s, final, manifest)


def releases(root: Path | None = None) -> list[Release]:
    """Finished releases, newest first."""
    root = root or release_root()
    if not root.is_dir():
        return []
    found = []
    for path in root.iterdir():
        manifest = path / "manifest.json"
        if path.name.startswith(".") or not manifest.is_file():
            continue
        try:
            date.fromisoformat(path.name)
        except ValueError:
            continue
        found.append(Release(path.name, path, json.loads(manifest.read_text("utf-8"))))
    return sorted(found, key=lambda r: r.day, reverse=True)


def releases_prune(*, keep: int = KEEP_RELEASES, root: Path | None = None) -> int:
    """Delete all but the newest ``keep`` releases and stale temporary directories."""
    root = root or release_root()
    removed = 0
    for old in releases(root)[keep:]:
        shutil.rmtree(old.path, ignore_errors=True)
        removed += 1
    if root.is_dir():
        today = timezone.localdate().isoformat()
        for path in root.glob(".build-*"):
            if today not in path.name:
                shutil.rmtree(path, ignore_errors=True)
    return removed
