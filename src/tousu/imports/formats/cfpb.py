"""The US CFPB Consumer Complaint Database CSV export (18 standard columns). See
docs/importers.md."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

from tousu.companies.models import Sector
from tousu.complaints.models import ProblemType
from tousu.complaints.services import ImportedStep
from tousu.complaints.states import Action, Status

from .base import (
    BadRow,
    Item,
    RowError,
    Skipped,
    SourceRecord,
    at_noon,
    check_decoded,
    clean_details,
    clean_title,
    csv_rows,
)

SOURCE = "cfpb"
REQUIRED = [
    "Date received",
    "Product",
    "Issue",
    "Company",
    "Company response to consumer",
    "Complaint ID",
]
OPTIONAL = [
    "Sub-product",
    "Sub-issue",
    "Consumer complaint narrative",
    "Company public response",
    "State",
    "ZIP code",
    "Tags",
    "Consumer consent provided?",
    "Submitted via",
    "Date sent to company",
    "Timely response?",
    "Consumer disputed?",
]
NONE_VALUES = {"", "None", "N/A", "NA", "null"}
# public responses that say nothing: not taken as the text of the company's reply
SILENT_RESPONSES = {
    "Company has responded to the consumer and the CFPB and chooses not to provide a public "
    "response",
    "Company chooses not to provide a public response",
}
CLOSED_RESPONSES = {
    "Closed with explanation",
    "Closed with monetary relief",
    "Closed with non-monetary relief",
    "Closed with relief",
    "Closed without relief",
    "Closed",
}

PROBLEM_RULES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), v)
    for p, v in (
        (r"fraud|scam|identity theft", ProblemType.FRAUD),
        (r"communication tactics|threaten|harass|abusive", ProblemType.HARASSMENT),
        (r"privacy|shar(ed|ing) .*information", ProblemType.PRIVACY),
        (r"fee|interest|charg|pric|cost", ProblemType.PRICE),
        (r"refund|payoff|money back", ProblemType.REFUND),
        (r"misleading|advertis|marketing|false statements", ProblemType.FALSE_ADVERTISING),
        (r"account|closing|frozen", ProblemType.ACCOUNT),
        (r"terms|contract", ProblemType.UNFAIR_TERMS),
        (r"customer service|managing|dealing with", ProblemType.AFTER_SALES),
    )
)


def _value(row: dict[str, str], name: str) -> str:
    value = (row.get(name) or "").strip()
    return "" if value in NONE_VALUES else value


def _parse_date(raw: str, name: str) -> date:
    text = raw.strip()
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise RowError(f"{name} 日期无效 (bad date): {text[:20]!r}")


def _record(line: int, row: dict[str, str]) -> SourceRecord:
    check_decoded(list(row.values()))
    ext_id = _value(row, "Complaint ID")
    if not ext_id.isdigit():
        raise RowError(f"Complaint ID 无效 (bad id): {ext_id[:20]!r}")
    company = " ".join(_value(row, "Company").split())
    if not company:
        raise RowError("没有 Company (no company)")
    issue = _value(row, "Issue")
    product = _value(row, "Product")
    if not issue and not product:
        raise RowError("没有 Product 和 Issue (no product and no issue)")
    received = _parse_date(_value(row, "Date received"), "Date received")
    sent_raw = _value(row, "Date sent to company")
    sent = _parse_date(sent_raw, "Date sent to company") if sent_raw else received
    response = _value(row, "Company response to consumer")
    public = _value(row, "Company public response")
    narrative = clean_details(_value(row, "Consumer complaint narrative"))
    sub_product, sub_issue = _value(row, "Sub-product"), _value(row, "Sub-issue")
    summary = [
        f"Product: {product}" + (f" / {sub_product}" if sub_product else ""),
        f"Issue: {issue}" + (f" / {sub_issue}" if sub_issue else ""),
    ]
    details = narrative or "\n".join(summary) + "\n(The consumer did not publish a narrative.)"
    submitted = at_noon(received)
    sent_at = at_noon(sent)

    def step(action: str, *, known: bool = False, **kw: Any) -> ImportedStep:
        return ImportedStep(action=action, at=sent_at, date_known=known, **kw)

    # CFPB forwards every published complaint to the company (Date sent to company)
    steps = [step(Action.ACCEPT, known=bool(sent_raw), target=Status.PROCESSING)]
    reply = public if public and public not in SILENT_RESPONSES else ""
    if response in CLOSED_RESPONSES:
        steps += [
            step(Action.REPLY, message=reply or f"Company response: {response}"),
            step(Action.REQUEST_COMPLETION, payload={"company_response": response}),
            # the company closed it; the consumer did not confirm anything on this platform
            step(Action.AUTO_COMPLETE),
        ]
    elif response == "Untimely response":
        steps.append(step(Action.CLOSE_OVERDUE, payload={"company_response": response}))
    elif response == "In progress":
        pass
    else:
        raise RowError(f"未知的企业答复 (unknown company response): {response[:40]!r}")
    problem_text = " ".join((issue, sub_issue))
    problem_types = [v for p, v in PROBLEM_RULES if p.search(problem_text)][:3]
    payload: dict[str, Any] = {"source": SOURCE, "source_id": ext_id, "product": product}
    for name, key in (
        ("Sub-product", "sub_product"),
        ("Issue", "issue"),
        ("Sub-issue", "sub_issue"),
        ("State", "state"),
        ("ZIP code", "zip"),
        ("Tags", "tags"),
        ("Submitted via", "submitted_via"),
        ("Company response to consumer", "company_response"),
        ("Timely response?", "timely"),
        ("Consumer disputed?", "disputed"),
    ):
        if _value(row, name):
            payload[key] = _value(row, name)[:200]
    return SourceRecord(
        line=line,
        key=ext_id,
        title=clean_title(issue or product, details),
        details=details,
        company_name=company,
        sector=Sector.FINANCE,
        submitted_at=submitted,
        steps=steps,
        problem_types=problem_types or [ProblemType.OTHER],
        problem_other=(sub_issue or issue)[:100],
        payload=payload,
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
            missing = [c for c in REQUIRED if c not in cells]
            if missing:
                yield BadRow(line, f"表头缺少列 (header lacks columns): {', '.join(missing)}")
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
