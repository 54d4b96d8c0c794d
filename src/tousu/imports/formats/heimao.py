"""黑猫投诉 (tousu.sina.com.cn) scrapes: the JSON of crawlers and the CSV of the chitian spider.

See docs/importers.md for the field and status mapping.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from tousu.companies.models import Sector
from tousu.complaints.states import Status

from .base import (
    BadRow,
    Item,
    RowError,
    Skipped,
    SourceRecord,
    check_decoded,
    clean_details,
    clean_title,
    csv_rows,
    history,
    local_tz,
    map_demands,
    map_problems,
    parse_amount,
    repair_mojibake,
    text_key,
)

SOURCE = "heimao"

# The heimao API's status codes (4 处理中, 6 已回复, 7 已完成, 8 已关闭 as other scrapers document
# them; 3 appears on fresh complaints and is taken as 待分配) and the words its pages show.
STATUS_CODES: dict[str, str] = {
    "3": Status.UNASSIGNED,
    "4": Status.PROCESSING,
    "6": Status.REPLIED,
    "7": Status.COMPLETED,
    "8": Status.CLOSED,
    "待分配": Status.UNASSIGNED,
    "处理中": Status.PROCESSING,
    "已回复": Status.REPLIED,
    "已完成": Status.COMPLETED,
    "已关闭": Status.CLOSED,
}

# the keys of the Chinese-keyed variant (black_cat.txt NDJSON, the CSV header)
CHINESE_KEYS = {
    "投诉编号": "id",
    "投诉标题": "title",
    "投诉详情": "content",
    "投诉对象": "company",
    "投诉问题": "issue",
    "投诉要求": "appeal",
    "涉诉金额": "cost",
    "投诉时间": "timestamp",
    "投诉进度": "status",
}
CSV_HEADER = ["投诉标题", "投诉详情", "投诉对象", "投诉问题", "投诉要求"]


def _parse_time(raw: Any) -> datetime:
    text = str(raw or "").strip()
    if not text:
        raise RowError("没有投诉时间 (no timestamp)")
    try:
        if text.isdigit():  # epoch seconds or milliseconds
            value = int(text)
            return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, local_tz())
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("/", "-"))
    except (ValueError, OverflowError, OSError) as exc:
        raise RowError(f"投诉时间无效 (bad timestamp): {text[:30]!r}") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=local_tz())
    return parsed


def record_from_fields(
    line: int, raw: dict[str, Any], *, default_time: datetime, keyed: bool
) -> SourceRecord:
    """A heimao record from its fields (English keys; Chinese keys are mapped first)."""
    data = {CHINESE_KEYS.get(k.strip(), k.strip()): v for k, v in raw.items()}
    fields = {k: ("" if v is None else str(v)) for k, v in data.items()}
    check_decoded(list(fields.values()))
    repaired = False
    for k, v in fields.items():
        fields[k], fixed = repair_mojibake(v)
        repaired = repaired or fixed
    details = clean_details(fields.get("content", ""))
    company = " ".join(fields.get("company", "").split())
    if not company:
        raise RowError("没有投诉对象 (no company)")
    if not details:
        raise RowError("没有投诉详情 (no details)")
    title = clean_title(fields.get("title", ""), details)
    ext_id = fields.get("id", "").strip()
    if keyed and not ext_id:
        raise RowError("没有投诉编号 (no id)")
    if ext_id and not re.fullmatch(r"[0-9A-Za-z_-]{1,60}", ext_id):
        raise RowError(f"投诉编号无效 (bad id): {ext_id[:30]!r}")
    has_time = bool(fields.get("timestamp", "").strip())
    submitted = _parse_time(fields["timestamp"]) if has_time else default_time
    raw_status = fields.get("status", "").strip()
    if raw_status:
        final = STATUS_CODES.get(raw_status)
        if final is None:
            raise RowError(f"未知的投诉状态 (unknown status): {raw_status[:20]!r}")
    else:
        final = Status.UNASSIGNED  # published on heimao, state unknown
    problem_types, problem_other = map_problems(fields.get("issue", ""))
    demands, demand_other = map_demands(fields.get("appeal", ""))
    payload: dict[str, Any] = {"source": SOURCE}
    if ext_id:
        payload["source_id"] = ext_id
    for name in ("url", "issue", "appeal"):
        if fields.get(name, "").strip():
            payload[f"source_{name}"] = fields[name].strip()[:500]
    if raw_status:
        payload["source_status"] = raw_status
    if not has_time:
        payload["date_known"] = False
    if repaired:
        payload["repaired_mojibake"] = True
    return SourceRecord(
        line=line,
        key=ext_id or text_key(company, title, details),
        title=title,
        details=details,
        company_name=company,
        sector=Sector.OTHER,
        submitted_at=submitted,
        steps=history(final, submitted),
        problem_types=problem_types,
        problem_other=problem_other,
        demands=demands,
        demand_other=demand_other,
        amount=parse_amount(fields.get("cost")),
        payload=payload,
        repaired=repaired,
    )


def _json_objects(text: str) -> Iterator[tuple[int, Any, str]]:
    """``(line, object, error)`` for each element of the record array, with the line where it
    starts; a syntax error ends the file with one error item."""
    decoder = json.JSONDecoder()
    stripped = text.lstrip()
    if stripped.startswith("{") and not _looks_like_ndjson(text):
        match = re.match(r'\s*\{\s*"complaints"\s*:\s*\[', text)
        if not match:
            yield 1, None, 'JSON 对象中没有 "complaints" 数组 (no "complaints" array)'
            return
        pos = match.end()
    elif stripped.startswith("["):
        pos = text.index("[") + 1
    else:  # NDJSON: one object per line
        for number, row in enumerate(text.splitlines(), 1):
            if not row.strip():
                continue
            try:
                yield number, json.loads(row), ""
            except json.JSONDecodeError as exc:
                yield number, None, f"JSON 无法解析 (invalid JSON): {exc.msg}"
        return
    line = text.count("\n", 0, pos) + 1
    counted = pos
    while True:
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text):
            yield text.count("\n") + 1, None, "JSON 意外结束 (truncated JSON)"
            return
        if text[pos] == "]":
            return
        line += text.count("\n", counted, pos)
        counted = pos
        try:
            obj, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            yield exc.lineno, None, f"JSON 无法解析，其后的内容未导入 (invalid JSON): {exc.msg}"
            return
        yield line, obj, ""
        pos = end


def _looks_like_ndjson(text: str) -> bool:
    lines = [ln for ln in text.splitlines()[:3] if ln.strip()]
    if len(lines) < 2:
        return False
    try:
        return all(isinstance(json.loads(ln), dict) for ln in lines)
    except json.JSONDecodeError:
        return False


def read_json(path: Path, *, now: datetime) -> Iterator[Item]:
    text = path.read_bytes().decode("utf-8-sig", errors="replace")
    for line, obj, error in _json_objects(text):
        if error:
            yield BadRow(line, error)
            continue
        if not isinstance(obj, dict):
            yield BadRow(line, "记录不是 JSON 对象 (record is not an object)")
            continue
        try:
            yield record_from_fields(line, obj, default_time=now, keyed=False)
        except RowError as exc:
            yield BadRow(line, str(exc))


def read_csv(path: Path, *, now: datetime) -> Iterator[Item]:
    header: list[str] | None = None
    for line, row, error in csv_rows(path):
        if error:
            yield BadRow(line, error)
            continue
        if not row or not any(v.strip() for v in row):
            continue  # blank line
        cells = [v.strip() for v in row]
        if header is None:
            if not set(CSV_HEADER) <= set(cells):
                yield BadRow(line, f"缺少表头 (no header with {','.join(CSV_HEADER)})")
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
            yield record_from_fields(
                line, dict(zip(header, row, strict=True)), default_time=now, keyed=False
            )
        except RowError as exc:
            yield BadRow(line, str(exc))
