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
