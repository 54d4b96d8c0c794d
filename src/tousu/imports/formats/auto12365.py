"""车质网 (12365auto.com) complaint list CSV: id, brand, car_model, type, desc, problem, datetime,
status. See docs/importers.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tousu.companies.models import Sector
from tousu.complaints.models import ProblemType
from tousu.complaints.states import Status

from .base import (
    BadRow,
    Item,
    RowError,
    Skipped,
    SourceRecord,
    at_noon,
    check_decoded,
    clean_title,
    csv_rows,
    history,
    map_problems,
    repair_mojibake,
)

SOURCE = "12365auto"
HEADER = ["id", "brand", "car_model", "type", "desc", "problem", "datetime", "status"]

# 车质网's workflow: 信息审核 (the platform checks the complaint) → 厂家受理 (sent to and accepted
# by the manufacturer) → 处理反馈 (the manufacturer answered) → 用户评分 (the consumer rated it)
STATUSES: dict[str, str] = {
    "信息审核": Status.PENDING_REVIEW,
    "厂家受理": Status.PROCESSING,
    "处理反馈": Status.REPLIED,
    "用户评分": Status.COMPLETED,
}
_CODE = re.compile(r"^[A-Z]{1,2}\d{1,4}$")


def _parse_date(raw: str) -> date:
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError as exc:
        raise RowError(f"日期无效 (bad date): {raw[:20]!r}") from exc


def _record(line: int, row: dict[str, str]) -> SourceRecord:
    check_decoded(list(row.values()))
    repaired = False
    for k, v in row.items():
        row[k], fixed = repair_mojibake(v)
        repaired = repaired or fixed
    ext_id = row["id"].strip()
    if not ext_id.isdigit():
        raise RowError(f"投诉编号无效 (bad id): {ext_id[:20]!r}")
    brand = " ".join(row["brand"].split())
    if not brand:
        raise RowError("没有品牌/厂家 (no brand)")
    desc = " ".join(row["desc"].split())
    if not desc:
        raise RowError("没有问题简述 (no desc)")
    status_text = row["status"].strip()
    final = STATUSES.get(status_text)
    if final is None:
        raise RowError(f"未知的投诉状态 (unknown status): {status_text[:20]!r}")
    codes = [c.strip() for c in row["problem"].split(",") if c.strip()]
    bad_codes = [c for c in codes if not _CODE.match(c)]
    if bad_codes:
        raise RowError(f"问题代码无效 (bad problem codes): {','.join(bad_codes)[:40]!r}")
    submitted = at_noon(_parse_date(row["datetime"]))
    model = " ".join(row["car_model"].split())
    trim = " ".join(row["type"].split())
    lines = [desc]
    if model or trim:
        lines.append(f"车型：{' '.join(p for p in (brand, model, trim) if p)}")
    if codes:
        lines.append(f"车质网典型问题代码：{'、'.join(codes)}")
    problem_types, _ = map_problems(desc)
    if ProblemType.OTHER in problem_types or not problem_types:
        problem_types = [ProblemType.QUALITY]
    payload: dict[str, Any] = {
        "source": SOURCE,
        "source_id": ext_id,
        "source_status": status_text,
        "car_model": model,
        "car_type": trim,
        "problem_codes": codes,
    }
    if repaired:
        payload["repaired_mojibake"] = True
    return SourceRecord(
        line=line,
        key=ext_id,
        title=clean_title(desc, desc),
        details="\n".join(lines),
        company_name=brand,
        brand_name=model,
        sector=Sector.AUTO,
        submitted_at=submitted,
        steps=history(final, submitted),
        problem_types=problem_types,
        payload=payload,
        repaired=repaired,
    )


def read(path: Path, *, now: datetime) -> Iterator[Item]:
    header: list[str] | None = None
    for line, row, error in csv_rows(path):
        if error:
            yield BadRow(line, error)
            continue
        if not row or not any(v.strip() for v in row):
            continue
        cells = [v.strip() for v in row]
        if header is None:
            if cells != HEADER:
                yield BadRow(line, f"表头应为 (header must be) {','.join(HEADER)}")
                return
            header = cells
            continue
        if cells == header:
            yield Skipped(line, "repeated header")
            continue
        if len(row) != len(header):
            yield BadRow(line, f"字段数为{len(row)}，应为{len(header)} (wrong number of fields)")
            continue
        try:
            yield _record(line, dict(zip(header, row, strict=True)))
        except RowError as exc:
            yield BadRow(line, str(exc))
