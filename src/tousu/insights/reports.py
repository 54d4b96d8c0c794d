"""Monthly and quarterly data reports (数据报告): figures, typical cases, HTML and PDF.

The worker computes a draft after each month and quarter; staff add typical cases and publish.
The PDF is drawn with ReportLab using its built-in Adobe CJK font (STSong-Light), so no font
file has to be installed for Chinese text; charts are ReportLab bar charts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from tousu.accounts.models import Role, User
from tousu.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from tousu.companies.models import Region, Sector
from tousu.complaints.models import Complaint, ProblemType, Visibility

from .models import DataReport, ReportCase, ReportPeriod
from .services import local_day_bounds, public_text

TOP = 10


@dataclass(frozen=True)
class Period:
    kind: str
    slug: str
    start: date
    end: date


def month_period(year: int, month: int) -> Period:
    start = date(year, month, 1)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return Period(ReportPeriod.MONTH, f"{year}-{month:02d}", start, nxt - timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    end = month_period(year, 3 * quarter).end
    return Period(ReportPeriod.QUARTER, f"{year}-Q{quarter}", start, end)


def period_from_slug(slug: str) -> Period:
    try:
        year_s, rest = slug.split("-", 1)
        year = int(year_s)
        if rest.startswith("Q"):
            quarter = int(rest[1:])
            if not 1 <= quarter <= 4:
                raise ValueError
            return quarter_period(year, quarter)
        month = int(rest)
        if not 1 <= month <= 12:
            raise ValueError
        return month_period(year, month)
    except ValueError as exc:
        raise ValidationFailed(
            "报告期应写作 2026-05 或 2026-Q2", code="invalid_period", details={"field": "period"}
        ) from exc


def _window(first: date, last: date) -> Any:
    start, end = local_day_bounds(first, last)
    return Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end)


def report_figures(period: Period) -> dict[str, Any]:
    """Everything the report shows, computed from the complaints of the period."""
    qs = _window(period.start, period.end)
    length = (period.end - period.start).days + 1
    previous = _window(period.start - timedelta(days=length), period.start - timedelta(days=1))
    accepted = qs.exclude(accepted_at=None)
    total, accepted_n = qs.count(), accepted.count()
    replied = accepted.exclude(first_reply_at=None).count()
    completed = accepted.filter(status="completed").count()
    sectors = dict(Sector.choices)
    by_sector = [
        {
            "key": r["company__sector"],
            "label": str(sectors.get(r["company__sector"], "")),
            "complaints": r["n"],
        }
        for r in accepted.values("company__sector").annotate(n=Count("id")).order_by("-n")
    ]
    provinces: dict[str, int] = {}
    for r in accepted.values("consumer_region_id").annotate(n=Count("id")).order_by():
        code = r["consumer_region_id"]
        if code:
            provinces[code[:2] + "0000"] = provinces.get(code[:2] + "0000", 0) + r["n"]
    names = dict(Region.objects.filter(code__in=provinces).values_list("code", "name"))
    by_region = [
        {"key": code, "label": names.get(code, code), "complaints": n}
        for code, n in sorted(provinces.items(), key=lambda x: -x[1])[:TOP]
    ]
    problems: dict[str, int] = {}
    for types, n in accepted.values_list("problem_types").annotate(n=Count("id")).order_by():
        for p in types or []:
            problems[p] = problems.get(p, 0) + n
    labels = dict(ProblemType.choices)
    by_problem = [
        {"key": p, "label": str(labels.get(p, p)), "complaints": n}
        for p, n in sorted(problems.items(), key=lambda x: -x[1])[:TOP]
    ]
    companies = [
        {
            "id": r["company_id"],
            "name": r["company__name"],
            "complaints": r["n"],
            "reply_rate": round(r["replied"] / r["n"], 3) if r["n"] else None,
        }
        for r in accepted.values("company_id", "company__name")
        .annotate(n=Count("id"), replied=Count("id", filter=Q(first_reply_at__isnull=False)))
        .order_by("-n", "company_id")[:TOP]
    ]
    return {
        "period": period.slug,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "submitted": total,
        "submitted_previous": previous.count(),
        "accepted": accepted_n,
        "reply_rate": round(replied / accepted_n, 3) if accepted_n else None,
        "completed": completed,
        "by_sector": by_sector,
        "by_region": by_region,
        "by_problem": by_problem,
        "top_companies": companies,
    }


def report_generate(period: Period) -> DataReport:
    """Compute (again) the figures of a period; a published report keeps its publication."""
    data = report_figures(period)
    report, _ = DataReport.objects.update_or_create(
        slug=period.slug,
        defaults={
            "period": period.kind,
            "start": period.start,
            "end": period.end,
            "data": data,
            "generated_at": timezone.now(),
        },
    )
    return report


def reports_due(now: Any = None) -> dict[str, Any]:
    """The periodic job: draft last month's report (and last quarter's) once."""
    today = timezone.localtime(now or timezone.now()).date()
    last_month_end = today.replace(day=1) - timedelta(days=1)
    made = []
    periods = [month_period(last_month_end.year, last_month_end.month)]
    if last_month_end.month % 3 == 0:
        periods.append(quarter_period(last_month_end.year, last_month_end.month // 3))
    for p in periods:
        if not DataReport.objects.filter(slug=p.slug).exists():
            report_generate(p)
            made.append(p.slug)
    return {"generated": made}


def _require_staff(user: User) -> None:
    if not user.is_authenticated or user.role != Role.MODERATOR:
        raise PermissionDenied("只有平台工作人员可以编辑数据报告", code="reports_staff_only")


def report_case_add(*, user: User, slug: str, public_number: str, note: str = "") -> ReportCase:
    _require_staff(user)
    report = DataReport.objects.filter(slug=slug).first()
    if report is None:
        raise NotFound("找不到该报告", code="report_not_found")
    complaint = Complaint.objects.filter(
        public_number=(public_number or "").strip().upper(), visibility=Visibility.PUBLIC
    ).first()
    if complaint is None:
        raise ValidationFailed(
            "找不到该公开投诉（典型案例只能选公开的投诉）",
            code="case_not_public",
            details={"field": "public_number"},
        )
    try:
        with transaction.atomic():
            return ReportCase.objects.create(
                report=report, complaint=complaint, note=(note or "").strip()[:500], chosen_by=user
            )
    except IntegrityError as exc:
        raise Conflict("该投诉已在报告中", code="case_exists") from exc


def report_case_remove(*, user: User, slug: str, case_id: int) -> None:
    _require_staff(user)
    deleted, _ = ReportCase.objects.filter(report__slug=slug, pk=case_id).delete()
    if not deleted:
        raise NotFound("找不到该案例", code="case_not_found")


def report_publish(*, user: User, slug: str) -> DataReport:
    _require_staff(user)
    with transaction.atomic():
        report = DataReport.objects.select_for_update().filter(slug=slug).first()
        if report is None:
            raise NotFound("找不到该报告", code="report_not_found")
        if report.published_at is not None:
            raise Conflict("该报告已发布", code="report_published")
        report.published_at = timezone.now()
        report.save(update_fields=["published_at"])
    return report


def report_for(user: User | None, slug: str) -> DataReport:
    """A published report for everyone; drafts only for staff."""
    report = DataReport.objects.filter(slug=slug).first()
    staff = user is not None and user.is_authenticated and user.role == Role.MODERATOR
    if report is None or (report.published_at is None and not staff):
        raise NotFound("找不到该报告", code="report_not_found")
    return report


def report_cases(report: DataReport) -> list[dict[str, Any]]:
    out = []
    for case in report.cases.select_related("complaint", "complaint__company"):
        c = case.complaint
        if c.visibility != Visibility.PUBLIC:
            continue  # hidden since it was chosen
        text = public_text(c)
        out.append(
            {
                "public_number": c.public_number,
                "company": c.company.name,
                "text": text[:300],
                "note": case.note,
                "id": case.pk,
            }
        )
    return out


# --- PDF --------------------------------------------------------------------------------------


def report_pdf(report: DataReport) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.graphics.charts.barcharts import HorizontalBarChart
    from reportlab.graphics.shapes import Drawing
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    body = ParagraphStyle("body", fontName="STSong-Light", fontSize=10, leading=15)
    h1 = ParagraphStyle("h1", parent=body, fontSize=18, leading=24, spaceAfter=8)
    h2 = ParagraphStyle("h2", parent=body, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4)
    d = report.data
    kind = "月度" if report.period == ReportPeriod.MONTH else "季度"
    rate = "—" if d["reply_rate"] is None else f"{d['reply_rate'] * 100:.1f}%"
    story: list[Any] = [
        Paragraph(escape(f"投诉{kind}数据报告 {report.slug}"), h1),
        Paragraph(escape(f"统计期：{d['start']} 至 {d['end']}（北京时间）"), body),
        Paragraph(
            escape(
                f"收到投诉 {d['submitted']} 件（上期 {d['submitted_previous']} 件），"
                f"受理 {d['accepted']} 件，商家回复率 {rate}，"
                f"消费者确认完成 {d['completed']} 件。"
            ),
            body,
        ),
    ]

    def chart(rows: list[dict[str, Any]], title: str) -> None:
        story.append(Paragraph(escape(title), h2))
        if not rows:
            story.append(Paragraph("—", body))
            return
        rows = rows[:TOP]
        height = 14 * len(rows) + 20
        drawing = Drawing(170 * mm, height)
        bars = HorizontalBarChart()
        bars.x, bars.y, bars.width, bars.height = 90, 10, 330, height - 20
        bars.data = [[r["complaints"] for r in reversed(rows)]]
        bars.categoryAxis.categoryNames = [r["label"][:12] for r in reversed(rows)]
        bars.categoryAxis.labels.fontName = "STSong-Light"
        bars.categoryAxis.labels.fontSize = 8
        bars.valueAxis.valueMin = 0
        bars.valueAxis.labels.fontSize = 7
        bars.bars[0].fillColor = colors.HexColor("#c0392b")
        drawing.add(bars)
        story.append(drawing)

    chart(d["by_sector"], "各行业受理投诉量")
    chart(d["by_region"], "投诉量最多的省份")
    chart(d["by_problem"], "主要问题类型")
    story.append(Paragraph("被投诉最多的企业", h2))
    table = [["企业", "受理投诉", "回复率"]] + [
        [
            Paragraph(escape(c["name"]), body),
            str(c["complaints"]),
            "—" if c["reply_rate"] is None else f"{c['reply_rate'] * 100:.0f}%",
        ]
        for c in d["top_companies"]
    ]
    t = Table(table, colWidths=[110 * mm, 30 * mm, 25 * mm])
    t.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                ("FONTSIZE", (0, 0), (-1, -1), 9),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ]
        )
    )
    story.append(t)
    cases = report_cases(report)
    if cases:
        story.append(Paragraph("典型案例", h2))
        for c in cases:
            story.append(
                Paragraph(escape(f"{c['public_number']} · {c['company']}：{c['text']}"), body)
            )
            if c["note"]:
                story.append(Paragraph(escape(f"点评：{c['note']}"), body))
            story.append(Spacer(1, 4))
    story.append(Spacer(1, 8))
    story.append(Paragraph(escape("数据来自 Tousu 公开投诉平台；个人信息已隐去。"), body))
    out = io.BytesIO()
    SimpleDocTemplate(
        out, pagesize=A4, title=f"Tousu {report.slug}", author="Tousu",
        leftMargin=18 * mm, rightMargin=18 * mm, topMargin=18 * mm, bottomMargin=18 * mm,
    ).build(story)  # fmt: skip
    return out.getvalue()
