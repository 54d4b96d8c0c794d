"""The public pages: company page metrics from the counters, 红黑榜, the formula page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tousu.accounts.models import User
from tousu.companies.models import Company, CompanyMembership, MemberRole
from tousu.complaints import services
from tousu.complaints.models import Complaint
from tousu.metrics.rankings import rankings_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_company(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
) -> Company:
    CompanyMembership.objects.get_or_create(
        company=company, user=merchant, defaults={"role": MemberRole.OWNER}
    )
    start = timezone.now() - timedelta(days=20)
    for i in range(11):
        c = file_complaint(company, start + timedelta(hours=i))
        services.complaint_accept(
            complaint_id=c.pk, actor=moderator, now=start + timedelta(hours=i)
        )
        if i % 2 == 0:
            services.complaint_reply(
                complaint_id=c.pk,
                actor=merchant,
                message="已联系您处理",
                now=start + timedelta(hours=i + 3),
            )
    return company


def test_company_page_shows_index_windows_and_sla_without_scanning_complaints(
    busy_company: Company, client: Client
) -> None:
    with CaptureQueriesContext(connection) as queries:
        resp = client.get(f"/companies/{busy_company.pk}/")
    assert resp.status_code == 200
    html = resp.content.decode()
    assert "服务指数" in html and "近30天" in html and "首次回复用时分布" in html
    assert "6 / 11" not in html  # rates are shown as percentages
    assert "55%" in html  # 6 of 11 replied
    # the chart's data, the vendored library (no CDN) and the table fallback
    assert 'id="weekly-data"' in html and "vendor/uPlot-1.6.32.iife.min.js" in html
    assert "//cdn" not in html.lower() and "cdn." not in html.lower()
    assert "数据表" in html
    aggregates_over_complaints = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "complaints_complaint"' in q["sql"]
        and ("COUNT(" in q["sql"] or "SUM(" in q["sql"])
    ]
    assert aggregates_over_complaints == []


def test_rankings_pages(busy_company: Company, client: Client) -> None:
    rankings_generate(today=timezone.localdate() + timedelta(days=8))
    index = client.get("/rankings/")
    assert index.status_code == 200
    assert busy_company.name in index.content.decode()
    formula_page = client.get("/rankings/formula/")
    assert formula_page.status_code == 200
    assert busy_company.name in formula_page.content.decode()
    assert "Wilson" in formula_page.content.decode()
    from tousu.metrics.models import RankingList

    one = RankingList.objects.filter(sector="").first()
    assert one is not None
    assert client.get(f"/rankings/{one.pk}/").status_code == 200
    assert client.get("/rankings/999999/").status_code == 404
    assert client.get("/rankings/?sector=nonsense").status_code == 200


def test_position_history_sector_figures_and_compare(
    busy_company: Company, other_company: Company, client: Client
) -> None:
    rankings_generate(today=timezone.localdate() + timedelta(days=8))
    page = client.get(f"/companies/{busy_company.pk}/").content.decode()
    assert "红黑榜名次" in page and "1 / 1" in page
    sector = client.get(f"/rankings/?sector={busy_company.sector}").content.decode()
    assert "行业数据" in sector and "55%" in sector
    both = client.get(f"/companies/compare/?ids={busy_company.pk},{other_company.pk}")
    assert both.status_code == 200
    html = both.content.decode()
    assert busy_company.name in html and other_company.name in html and "55%" in html
    added = client.get(f"/companies/compare/?ids={busy_company.pk}&add={other_company.name}")
    assert added.status_code == 200 and "回复率（近90天）" in added.content.decode()
    assert client.get("/companies/compare/?ids=1,2,3,4,5").status_code == 400
    missing = client.get(f"/companies/compare/?ids={busy_company.pk}&add=不存在的公司")
    assert missing.status_code == 400
    assert client.get("/companies/compare/").status_code == 200


def test_company_metrics_api_lists_each_brand_with_its_own_figures(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    client: Client,
) -> None:
    from tousu.companies.services import company_brand_get_or_create

    errand = company.brands.get(name="快乐跑腿")
    market = company_brand_get_or_create(company=company, name="快乐超市")
    company_brand_get_or_create(company=company, name="快乐药房")  # no complaints: not listed
    start = timezone.now() - timedelta(days=20)
    filed = [
        (errand, True),
        (errand, True),
        (errand, False),
        (market, False),
        (None, True),  # no brand: counts for the company only
    ]
    for i, (brand, reply) in enumerate(filed):
        at = start + timedelta(hours=i)
        c = file_complaint(company, at, brand_id=brand.pk if brand else None)
        services.complaint_accept(complaint_id=c.pk, actor=moderator, now=at)
        if reply:
            services.complaint_reply(
                complaint_id=c.pk, actor=merchant, message="已联系您", now=at + timedelta(hours=2)
            )
    services.sla_sweep(now=timezone.now())

    body = client.get(f"/api/v1/companies/{company.pk}/metrics").json()
    assert body["windows"]["all"]["valid"] == 5
    assert body["windows"]["all"]["overdue_now"] == 2
    by_name = {b["name"]: b for b in body["brands"]}
    assert set(by_name) == {"快乐跑腿", "快乐超市"}
    assert [b["brand_id"] for b in body["brands"]] == list(
        company.brands.filter(name__in=by_name)
        .order_by("name_key", "id")
        .values_list("id", flat=True)
    )
    got = {
        name: (b["valid"], b["assigned"], b["replied"], b["replied_in_sla"], b["overdue_now"])
        for name, b in by_name.items()
    }
    assert got == {"快乐跑腿": (3, 3, 2, 2, 1), "快乐超市": (1, 1, 0, 0, 1)}
    assert by_name["快乐跑腿"]["reply_rate"] == pytest.approx(2 / 3)
    assert by_name["快乐超市"]["reply_rate"] == 0


def test_company_page_shows_the_overdue_count_and_the_overdue_badge(
    file_complaint: Callable[..., Complaint],
    company: Company,
    merchant: User,
    moderator: User,
    client: Client,
) -> None:
    start = timezone.now() - timedelta(days=20)
    late = file_complaint(company, start)
    services.complaint_accept(complaint_id=late.pk, actor=moderator, now=start)
    fresh = file_complaint(company, timezone.now() - timedelta(hours=1))
    services.complaint_accept(
        complaint_id=fresh.pk, actor=moderator, now=timezone.now() - timedelta(hours=1)
    )

    services.sla_sweep(now=timezone.now())  # marks the late one overdue (the counter)

    html = client.get(f"/companies/{company.pk}/").content.decode()
    section = html.split('id="sla-title"', 1)[1].split("</section>", 1)[0]
    assert '当前超时未回复</dt><dd><strong class="danger">1</strong>' in section
    # one badge, on the overdue complaint's row in the latest complaints
    assert html.count('class="sla overdue"') == 1
    row = next(part for part in html.split("<li") if 'class="sla overdue"' in part)
    assert f"/complaints/{late.public_number}" in row
    assert "商家已超时" in row
    fresh_row = next(
        part for part in html.split("<li") if f"/complaints/{fresh.public_number}" in part
    )
    assert "overdue" not in fresh_row
