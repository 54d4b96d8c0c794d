"""What a format reader yields, and the mappings the Chinese formats share."""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.conf import settings

from tousu.common.errors import ValidationFailed
from tousu.common.text import normalize_text
from tousu.complaints.models import Demand, ProblemType
from tousu.complaints.services import ImportedStep, validate_amount
from tousu.complaints.states import Action, Status

TITLE_MAX = 80
DETAILS_MIN = 4


@dataclass
class SourceRecord:
    """One complaint read from a file, mapped to our fields but not yet written."""

    line: int
    key: str  # stable external key, unique within the source
    title: str
    details: str
    company_name: str
    sector: str
    submitted_at: datetime
    steps: list[ImportedStep] = field(default_factory=list)
    brand_name: str = ""
    problem_types: list[str] = field(default_factory=list)
    problem_other: str = ""
    demands: list[str] = field(default_factory=list)
    demand_other: str = ""
    amount: Decimal | None = None
    payload: dict[str, Any] = field(default_factory=dict)
    repaired: bool = False


@dataclass
class BadRow:
    line: int
    reason: str


@dataclass
class Skipped:
    """A row that is not a record: a repeated header row."""

    line: int
    what: str


Item = SourceRecord | BadRow | Skipped


class RowError(Exception):
    """A row cannot be imported; the message says why (shown with the line number)."""


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def at_noon(day: date) -> datetime:
    """A date without a time: midday, local time (the middle of the day it names)."""
    return datetime.combine(day, time(12, 0), tzinfo=local_tz())


def text_key(*parts: str) -> str:
    """A stable key for a record without an id: the hash of its normalised text."""
    joined = "\x1f".join(normalize_text(p) for p in parts)
    return "h" + hashlib.sha256(joined.encode()).hexdigest()[:40]


def clean_title(raw: str, details: str) -> str:
    title = " ".join((raw or "").split())
    if not title:
        # the first sentence of the details
        first = re.split(r"[。！？!?\n]", details.strip(), maxsplit=1)[0]
        title = " ".join(first.split())
    if not title:
        raise RowError("没有标题也没有详情 (no title and no details)")
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    return title


def clean_details(raw: str) -> str:
    text = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text)


def parse_amount(raw: Any) -> Decimal | None:
    if raw is None:
        return None
    text = str(raw).strip().removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    if text in ("", "-", "None", "null", "无"):
        return None
    try:
        return validate_amount(text)
    except ValidationFailed as exc:
        raise RowError(f"涉诉金额无效 (bad amount): {str(raw)[:30]!r} — {exc.message}") from exc


# --- 投诉问题 / 投诉要求 → our taxonomies -------------------------------------------------------

# first matching rule wins for each tag; tags nothing matches go to problem_other
PROBLEM_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), value)
    for pattern, value in (
        (r"诈骗|骗局|跑路|传销|非法集资", ProblemType.FRAUD),
        (r"催收|骚扰|暴力", ProblemType.HARASSMENT),
        (r"泄露|个人信息|隐私", ProblemType.PRIVACY),
        (r"安全|起火|爆炸|自燃|刹车|断轴", ProblemType.SAFETY),
        (r"封号|冻结|账号|账户", ProblemType.ACCOUNT),
        (r"续费|自动扣|扣费|连续包月", ProblemType.AUTO_RENEWAL),
        (r"虚假|欺骗|误导|宣传", ProblemType.FALSE_ADVERTISING),
        (r"霸王|条款|强制", ProblemType.UNFAIR_TERMS),
        (r"乱收费|价格|多收|收费|利息|费用", ProblemType.PRICE),
        (r"退款|退费|退货|拒绝退", ProblemType.REFUND),
        (r"发货|物流|快递|送达|配送", ProblemType.DELIVERY),
        (r"质量|故障|异响|漏|破损|过敏|异物|虫", ProblemType.QUALITY),
        (r"售后|客服|处理|服务|响应", ProblemType.AFTER_SALES),
    )
)

DEMAND_WORDS: dict[str, str] = {
    "退货退款": Demand.RETURN_REFUND,
    "退款": Demand.REFUND,
    "赔偿": Demand.COMPENSATION,
    "道歉": Demand.APOLOGY,
    "解释": Demand.EXPLANATION,
    "换货": Demand.EXCHANGE,
    "维修": Demand.REPAIR,
    "停止骚扰": Demand.STOP_HARASSMENT,
    "依法处理": Demand.LEGAL,
    "作出处罚": Demand.LEGAL,
    "做出处罚": Demand.LEGAL,
}

_TAG_SPLIT = re.compile(r"[,，、;；/]+")


def split_tags(raw: str) -> list[str]:
    return [t.strip() for t in _TAG_SPLIT.split(raw or "") if t.strip()]


def map_problems(raw: str) -> tuple[list[str], str]:
    types: list[str] = []
    other: list[str] = []
    for tag in split_tags(raw):
        value = next((v for p, v in PROBLEM_RULES if p.search(tag)), None)
        if value is None:
            other.append(tag)
        elif value not in types:
            types.append(value)
    if not types and not other:
        types = [ProblemType.OTHER]
    return types, "，".join(other)[:100]


def map_demands(raw: str) -> tuple[list[str], str]:
    demands: list[str] = []
    other: list[str] = []
    for tag in split_tags(raw):
        value = DEMAND_WORDS.get(tag)
        if value is None:
            other.append(tag)
        elif value not in demands:
            demands.append(value)
    return demands, "，".join(other)[:100]


# --- histories ------------------------------------------------------------------------------


def history(final: str, submitted: datetime, *, reply: str = "") -> list[ImportedStep]:
    """The steps that lead from submission to ``final`` on the usual path, all dated at the
    submission (``date_known=False``): for sources that give only a status and one date."""

    def step(action: str, **kw: Any) -> ImportedStep:
        return ImportedStep(action=action, at=submitted, date_known=False, **kw)

    if final == Status.PENDING_REVIEW:
        return []
    if final == Status.UNASSIGNED:
        return [step(Action.ACCEPT, target=Status.UNASSIGNED)]
    steps = [step(Action.ACCEPT, target=Status.PROCESSING)]
    if final == Status.PROCESSING:
        return steps
    if final == Status.CLOSED:
        return [*steps, step(Action.CLOSE_OVERDUE)]
    steps.append(step(Action.REPLY, message=reply))
    if final == Status.REPLIED:
        return steps
    steps.append(step(Action.REQUEST_COMPLETION))
    if final == Status.COMPLETED:
        return [*steps, step(Action.CONFIRM)]
    if final == Status.AUTO_COMPLETED:
        return [*steps, step(Action.AUTO_COMPLETE)]
    raise ValueError(final)


# --- CSV with physical line numbers -----------------------------------------------------------


def _physical_lines(fh: TextIO) -> Iterator[str]:
    """The file's lines split on ``\\n`` only, with any run of ``\\r`` before it dropped: rows
    ending in ``\\r\\r\\n`` (heimao-chitian) stay one line, so ``csv``'s ``line_num`` is the line
    number an editor or ``grep -n`` shows."""
    for line in fh:
        yield line.rstrip("\r\n").rstrip("\r") + "\n"


def csv_rows(path: Path, *, encoding: str = "utf-8-sig") -> Iterator[tuple[int, list[str], str]]:
    """``(first line number, fields, error)`` for each CSV row; ``error`` is empty or says why
    the row could not be parsed. Undecodable bytes become U+FFFD so that one bad row does not
    stop the file (``check_decoded`` then refuses the row)."""
    with path.open(encoding=encoding, errors="replace", newline="\n") as fh:
        reader = csv.reader(_physical_lines(fh))
        start = 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, [], f"CSV 无法解析 (malformed CSV): {exc}"
            else:
                yield start, row, ""
            start = reader.line_num + 1


def check_decoded(values: list[str]) -> None:
    if any("\ufffd" in v for v in values):
        raise RowError("含有无法解码的字节 (bytes that are not UTF-8)")


# UTF-8 lead byte followed by a continuation byte, both read as Latin-1: "æ\x8b¼å¤\x9a" for 拼多
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf]")


def repair_mojibake(value: str) -> tuple[str, bool]:
    """Undo UTF-8 text that was decoded as Latin-1 (or Windows-1252) and saved again as UTF-8.

    Returns ``(text, repaired)``; raises ``RowError`` when the text looks like mojibake but the
    bytes do not decode (truncated or double-broken)."""
    if not _MOJIBAKE.search(value):
        return value, False
    for codec in ("latin-1", "cp1252"):
        try:
            return value.encode(codec).decode("utf-8"), True
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
    raise RowError("乱码无法修复 (mojibake that cannot be repaired)")
