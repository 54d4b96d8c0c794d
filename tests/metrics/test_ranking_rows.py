"""A published list's entries are rows (``RankingPosition``, ADR 0032 amendment): every list,
sector lists too, with its own ranks 1..n; the page and the API read one page of them by rank;
the company page's history stays on the all-sector lists."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tousu.companies.models import Company, Sector
from tousu.metrics.models import CompanyDay, RankingList, RankingPosition
from tousu.metrics.rankings import publish
from tousu.metrics.selectors import company_positions

pytestmark = pytest.mark.django_db

START, END = date(2026, 5, 4), date(2026, 5, 10)
SECTORS = {Sector.ECOMMERCE: 80, Sector.TRAVEL: 50}  # 130 rated companies: three pages of 50


@pytest.fixture
def lists() -> dict[str, RankingList]:
    """A weekly list of 130 companies with distinct indexes (their day rows: the lists read
    nothing else), published from the day rows."""
    companies = Company.objects.bulk_create(
        Company(name=f"榜单企业{i:03d}", name_key=f"榜单企业{i:03d}", sector=sector)
        for i, sector in enumerate(s for s, n in SECTORS.items() for _ in range(n))
    )
    CompanyDay.objects.bulk_create(
        CompanyDay(
            company=c,
            day=START + timedelta(days=i % 7),
            submitted=40,
            valid=40,
            assigned=40,
            replied=40 - i % 40,
            replied_in_sla=max(0, 30 - i % 31),
            completed=(i * 7) % 41,
            rated=10,
            attitude_sum=30 + i % 20,
            speed_sum=30,
            satisfaction_sum=30,
        )
        for i, c in enumerate(companies)
    )
    made = publish("weekly", START, END, rollup=False)
    return {r.sector: r for r in made}


def _rows(ranking: RankingList) -> list[RankingPosition]:
    return list(RankingPosition.objects.filter(ranking=ranking).order_by("rank"))


def test_every_list_has_its_own_ranked_rows(lists: dict[str, RankingList]) -> None:
    assert set(lists) == {"", Sector.ECOMMERCE, Sector.TRAVEL}
    overall = _rows(lists[""])
    assert lists[""].rated == len(overall) == 130
    for sector, n in SECTORS.items():
        rows = _rows(lists[sector])
        assert lists[sector].rated == len(rows) == n
        assert [p.rank for p in rows] == list(range(1, n + 1))
        entries = [p.data for p in rows]
        assert {e["sector"] for e in entries} == {sector}
        assert [e["rank"] for e in entries] == list(range(1, n + 1))
        # the sector's order is the all-sector order filtered; its ranks its own
        assert [p.company_id for p in rows] == [
            p.company_id for p in overall if p.data["sector"] == sector
        ]
        assert rows[-1].rank < max(p.rank for p in overall if p.data["sector"] == sector)
        assert [e["company_id"] for e in lists[sector].red] == [
            e["company_id"] for e in entries[:10]
        ]
        assert [p.on_list for p in rows].count("red") == 10
        assert [p.on_list for p in rows].count("black") == 10
        assert [p.company_id for p in rows if p.on_list == "black"] == [
            e["company_id"] for e in reversed(lists[sector].black)
        ]
        assert [e["rank"] for e in lists[sector].black] == list(range(n, n - 10, -1))
    first = overall[0].data  # the entry keeps its fields
    assert set(first) == {
        "company_id", "name", "sector", "index", "components", "inputs", "intervals", "rank"
    }  # fmt: skip
    assert first["inputs"]["valid"] == 40 and first["index"] == overall[0].index


def test_position_history_shows_the_all_sector_lists_only(lists: dict[str, RankingList]) -> None:
    company = RankingPosition.objects.get(ranking=lists[Sector.TRAVEL], rank=1).company_id
    in_all = RankingPosition.objects.get(ranking=lists[""], company_id=company)
    assert in_all.rank > 1  # (its rank in its sector's list differs)
    assert company_positions(company) == [
        {
            "list_id": lists[""].pk,
            "kind": "weekly",
            "period_end": END,
            "rank": in_all.rank,
            "rated": 130,
            "index": in_all.index,
            "list": in_all.on_list,
        }
    ]


def _position_queries(ctx: CaptureQueriesContext) -> list[str]:
    table = RankingPosition._meta.db_table
    return [q["sql"] for q in ctx.captured_queries if table in q["sql"]]


def test_the_page_reads_only_its_page(
    lists: dict[str, RankingList], client: Client, django_assert_max_num_queries
) -> None:
    ranking = lists[""]
    with CaptureQueriesContext(connection) as first:
        assert client.get(f"/rankings/{ranking.pk}/").status_code == 200
    with CaptureQueriesContext(connection) as ctx, django_assert_max_num_queries(len(first)):
        page = client.get(f"/rankings/{ranking.pk}/?page=2").content.decode()
    (sql,) = _position_queries(ctx)  # one query for the page's rows, by rank
    assert '"rank" > 50' in sql and '"rank" <= 100' in sql
    names = [p.data["name"] for p in _rows(ranking)]
    assert "2 / 3" in page
    assert all(names[i] in page for i in range(50, 100))
    shown = [n for n in names if n in page]  # the rows, red and black, in rank order
    assert names[50] in shown and names[0] in shown and names[75] in shown
    assert page.index(names[50]) < page.index(names[99])
    assert names[100] not in page and names[30] not in page  # (neither red nor black)
    last = client.get(f"/rankings/{ranking.pk}/?page=3").content.decode()
    assert names[129] in last and "3 / 3" in last


def test_the_api_pages_the_entries(lists: dict[str, RankingList], client: Client) -> None:
    ranking = lists[Sector.ECOMMERCE]
    stored = [p.data for p in _rows(ranking)]
    with CaptureQueriesContext(connection) as ctx:
        body = client.get(f"/api/v1/rankings/{ranking.pk}?limit=30&offset=40").json()
    (sql,) = _position_queries(ctx)
    assert '"rank" > 40' in sql and '"rank" <= 70' in sql
    assert body["entries"] == stored[40:70]
    assert (body["limit"], body["offset"], body["rated"], body["sector"]) == (
        30,
        40,
        80,
        "ecommerce",
    )
    stored_list = RankingList.objects.get(pk=ranking.pk)
    assert body["red"] == stored_list.red == stored[:10]
    assert body["black"] == stored_list.black == stored[:-11:-1]
    assert body["formula"]["version"] == ranking.formula_version
    default = client.get(f"/api/v1/rankings/{ranking.pk}").json()
    assert default["entries"] == stored[:80] and default["limit"] == 100
    assert client.get(f"/api/v1/rankings/{ranking.pk}?offset=80").json()["entries"] == []
    for bad in ("limit=0", "limit=1001", "offset=-1"):
        r = client.get(f"/api/v1/rankings/{ranking.pk}?{bad}")
        assert r.status_code == 422 and r.json()["code"] == "invalid_paging", bad
    assert json.loads(json.dumps(body)) == body
