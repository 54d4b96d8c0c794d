"""The fixed export format of leads (``tousu-leads/1``), as CSV, XLSX and JSON; documented in
docs/leads.md. Every export is audited."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.utils import timezone

from tousu.accounts.models import User
from tousu.opendata.export import neutralise
from tousu.privacy.selectors import public_title

from .models import Lead, LeadEvent, LeadKind
from .rules import PLATFORM_RULES, SAFETY_RULES
from .selectors import leads_list

FORMAT = "tousu-leads/1"
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CATEGORY_LABELS = {c: label for c, label, _ in (*SAFETY_RULES, *PLATFORM_RULES)}
LEAD_COLUMNS = (
    "lead_id",
    "kind",
    "category",
    "category_label",
    "title",
    "company",
    "uscc",
    "brand",
    "product_model",
    "status",
    "complaint_count",
    "tip_count",
    "amount_total",
    "first_seen_at",
    "last_seen_at",
)
COMPLAINT_COLUMNS = ("lead_id", "public_number", "submitted_at", "title", "amount", "terms")


def _lead_row(lead: Lead) -> dict[str, Any]:
    from .models import ScamType

    label = CATEGORY_LABELS.get(lead.category) or (
        str(ScamType(lead.category).label) if lead.category in ScamType.values else lead.category
    )
    return {
        "lead_id": lead.pk,
        "kind": lead.kind,
        "category": lead.category,
        "category_label": label,
        "title": lead.title,
        "company": lead.company.name if lead.company else "",
        "uscc": (lead.company.uscc or "") if lead.company else "",
        "brand": lead.brand_name,
        "product_model": lead.product_model,
        "status": lead.status,
        "complaint_count": lead.complaint_count,
        "tip_count": lead.tip_count,
        "amount_total": str(lead.amount_total),
        "first_seen_at": timezone.localtime(lead.first_seen_at).isoformat(timespec="seconds"),
        "last_seen_at": timezone.localtime(lead.last_seen_at).isoformat(timespec="seconds"),
    }


def _complaint_rows(lead: Lead) -> list[dict[str, Any]]:
    return [
        {
            "lead_id": lead.pk,
            "public_number": item.complaint.public_number,
            "submitted_at": timezone.localtime(item.complaint.submitted_at).isoformat(
                timespec="seconds"
            ),
            "title": public_title(item.complaint),
            "amount": str(item.complaint.amount) if item.complaint.amount is not None else "",
            "terms": "|".join(item.terms),
        }
        for item in lead.items.select_related("complaint").order_by("complaint__submitted_at")
    ]


def leads_export(*, user: User, kind: str, fmt: str, status: str = "") -> tuple[bytes, str, str]:
    """(body, content type, file name) of the leads the user may see, in the fixed format."""
    if fmt not in FORMATS:
        from tousu.common.errors import ValidationFailed

        raise ValidationFailed(
            "导出格式应为 csv、xlsx 或 json",
            code="invalid_format",
            details={"field": "format", "allowed": list(FORMATS)},
        )
    leads = list(leads_list(user, kind, status))  # permission check
    rows = [_lead_row(lead) for lead in leads]
    complaints = [row for lead in leads for row in _complaint_rows(lead)]
    stamp = timezone.localtime()
    name = f"tousu-{kind}-leads-{stamp:%Y%m%d-%H%M}.{fmt}"
    if fmt == "json":
        payload = {
            "format": FORMAT,
            "kind": kind,
            "generated_at": stamp.isoformat(timespec="seconds"),
            "leads": [
                {**row, "complaints": [c for c in complaints if c["lead_id"] == row["lead_id"]]}
                for row in rows
            ],
        }
        body = json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")
    elif fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow([f"#{FORMAT}", kind, stamp.isoformat(timespec="seconds")])
        writer.writerow(LEAD_COLUMNS)
        for row in rows:
            writer.writerow([neutralise(str(row[c])) for c in LEAD_COLUMNS])
        writer.writerow([])
        writer.writerow(COMPLAINT_COLUMNS)
        for row in complaints:
            writer.writerow([neutralise(str(row[c])) for c in COMPLAINT_COLUMNS])
        body = out.getvalue().encode("utf-8-sig")
    else:
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "leads"
        sheet.append(list(LEAD_COLUMNS))
        for row in rows:
            sheet.append(
                [
                    neutralise(str(row[c])) if isinstance(row[c], str) else row[c]
                    for c in LEAD_COLUMNS
                ]
            )
        items = book.create_sheet("complaints")
        items.append(list(COMPLAINT_COLUMNS))
        for row in complaints:
            items.append([neutralise(str(row[c])) for c in COMPLAINT_COLUMNS])
        meta = book.create_sheet("about")
        meta.append(["format", FORMAT])
        meta.append(["kind", kind])
        meta.append(["generated_at", stamp.isoformat(timespec="seconds")])
        buffer = io.BytesIO()
        book.save(buffer)
        body = buffer.getvalue()
    LeadEvent.objects.create(
        lead=None,
        kind=kind,
        actor=user,
        action="exported",
        meta={"format": fmt, "status": status, "leads": [r["lead_id"] for r in rows]},
    )
    return body, FORMATS[fmt], name


__all__ = ["FORMAT", "FORMATS", "LeadKind", "leads_export"]
