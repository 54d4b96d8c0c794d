"""The surge scan's daily series come from the metric counters (``CompanyDay.submitted``,
``SubmissionDay``), never from the complaints: here they must equal the series counted the
slow way, straight from the complaints, through every path that moves a complaint."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from tousu.accounts.models import User
from tousu.companies.models import Brand, Company
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.insights.services import Counts, load_counts, local_day, local_day_bounds

pytestmark = pytest.mark.django_db

KINDS = ("company", "brand", "region", "problem")
T0 = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in Beijing: the local day decides


def scanned(first: date, last: date) -> dict[str, Counter[tuple[str, int]]]:
    """The reference: the window's complaints grouped by local day and each series' key."""
    start, end = local_day_bounds(first, last)
    base = Complaint.objects.filter(submitted_at__gte=start, submitted_at__lt=end).annotate(
        day=local_day()
    )
    out: dict[str, Counter[tuple[str, int]]] = {k: Counter() for k in KINDS}
    for field, kind in zip(
        ("company_id", "brand_id", "consumer_region_id", "problem_types"), KINDS, strict=True
    ):
        for row in base.values(field, "day").annotate(n=Count("id")).order_by():
            d, value = (row["day"] - first).days, row[field]
            if kind == "problem":
                for t in set(value or []):
                    out[kind][(t, d)] += row["n"]
            elif kind == "region":
                if value:
                    out[kind][(value[:2] + "0000", d)] += row["n"]
            elif value is not None:
                out[kind][(str(value), d)] += row["n"]
    return out


def counted(counts: Counts) -> dict[str, Counter[tuple[str, int]]]:
    out: dict[str, Counter[tuple[str, int]]] = {}
    for kind in KINDS:
        m = counts.matrices[kind]
        out[kind] = Counter(
            {
                (key, d): int(m.counts[i, d])
                for i, key in enumerate(m.keys)
                for d in range(counts.days)
                if m.counts[i, d]
            }
        )
    return out


def _same(first: date, last: date) -> dict[str, Counter[tuple[str, int]]]:
    expected = scanned(first, last)
    assert counted(load_counts(first, last)) == expected
    return expected


def test_counts_follow_submissions_reviews_merges_and_a_rebuild(
    consumer: User, moderator: User, company: Company, other_company: Company,
    make_user: object,
) -> None:  # fmt: skip
    from tousu.companies.services import company_confirm

    brand = Brand.objects.create(company=company, name="快乐优选", name_key="快乐优选")
    shapes = [
        (company, brand.pk, ["refund_difficult"], "110105"),
        (company, None, ["refund_difficult", "quality"], "310104"),
        (other_company, None, [], None),
        (other_company, None, ["quality", "quality"], "440305"),
    ]
    filed = []
    for i in range(12):
        target, brand_id, types, region = shapes[i % len(shapes)]
        data = services.ComplaintInput(
            title=f"外卖超时拒绝退款{i}",
            details=f"第{i}单：超时两个小时才送到，申请退款被客服拒绝，要求退款。",
            company_id=target.pk,
            brand_id=brand_id,
            problem_types=types,
            problem_other="" if types else "态度恶劣",
            demands=["refund"],
            consumer_region=region,
        )
        # two an hour apart around local midnight, then a day later
        at = T0 + timedelta(hours=i % 2, days=i // 3)
        c, _ = services.complaint_submit(consumer=consumer, data=data, now=at)
        filed.append(c)
    first, last = date(2026, 2, 25), date(2026, 3, 8)
    expected = _same(first, last)
    assert sum(expected["company"].values()) == 12
    assert len({d for _, d in expected["company"]}) > 1
    assert {k for k, _ in expected["region"]} == {"110000", "310000", "440000"}

    # reviews change no series; a rejection does not take the complaint out of them
    services.complaint_accept(complaint_id=filed[0].pk, actor=moderator, now=T0 + timedelta(1))
    services.complaint_reject(
        complaint_id=filed[1].pk, actor=moderator, reason="not_consumer_dispute",
        now=T0 + timedelta(days=1),
    )  # fmt: skip
    assert _same(first, last) == expected

    # a merged company takes its complaints' series with it
    staff = make_user(role="moderator", phone="13900009998")
    company_confirm(company_id=other_company.pk, merge_into_id=company.pk, actor=staff)
    merged = _same(first, last)
    assert {k for k, _ in merged["company"]} == {str(company.pk)}

    call_command("metrics_rebuild")
    assert _same(first, last) == merged


def test_counts_of_generated_data_after_a_rebuild(tmp_path: Path) -> None:
    end = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)
    call_command(
        "bench_data", complaints=1500, days=150, surges=2, companies=40, end=end.isoformat(),
        truth=str(tmp_path), no_rebuild=True,
    )  # fmt: skip
    first, last = date(2026, 5, 1), date(2026, 10, 31)
    assert counted(load_counts(first, last))["company"] == Counter()  # not built yet
    call_command("metrics_rebuild")
    expected = _same(first, last)
    assert sum(expected["company"].values()) == Complaint.objects.count() == 1500
    assert expected["brand"] and expected["region"] and expected["problem"]
