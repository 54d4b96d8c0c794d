"""The daily surge scan on generated data with injected surges; who sees the alerts."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tousu.accounts.models import RegulatorScope, Role, User
from tousu.complaints.models import Complaint
from tousu.insights.models import AlertRegion, SurgeAlert, SurgeScan
from tousu.insights.services import PREPAID_SECTORS, surge_scan, surge_scan_due

END = datetime(2026, 10, 31, 12, 0, tzinfo=UTC)


@pytest.fixture
def surges(db: None, tmp_path: Path) -> list[dict[str, Any]]:
    call_command(
        "bench_data",
        complaints=2500,
        days=150,
        surges=4,
        companies=80,
        end=END.isoformat(),
        truth=str(tmp_path),
        no_rebuild=True,
    )
    call_command("metrics_rebuild")  # the scan reads the metric counters
    lines = (tmp_path / "surges.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(x) for x in lines]


def _day(s: dict[str, Any], key: str) -> date:
    return date.fromisoformat(s[key])


def test_injected_surges_are_found_and_explained(surges: list[dict[str, Any]]) -> None:
    # the generator's fixed seed plants one surge of each kind here
    assert {s["kind"] for s in surges} == {"plain", "runaway", "defect", "fraud"}
    for s in surges:
        surge_scan(_day(s, "start") + timedelta(days=1))
        alert = SurgeAlert.objects.filter(series_kind="company", series_key=str(s["company_id"]))
        assert alert.exists(), s
        a = alert.get()
        assert a.observed >= 5 and a.observed > 2 * a.expected
        assert a.first_day <= _day(s, "start") + timedelta(days=1)
        assert a.company_id == s["company_id"] and a.sector == s["sector"]
        # public numbers on both sides: every example is one of the injected complaints
        assert a.examples, "public example complaints"
        assert set(a.examples) <= set(s["complaints"]), (a.examples, s["kind"])
        terms = {t["term"] for t in a.terms}
        assert AlertRegion.objects.filter(alert=a).exists()
        if s["kind"] == "runaway":
            assert a.kind == "runaway"
            assert a.runaway_share >= 0.3
            assert set(s["terms"]) & terms  # the planted 跑路 words rose
        elif s["kind"] == "fraud":
            assert a.kind == "surge"
            # the planted phrase, and the platform's name (split by the tokenizer, e.g. 金盛投资)
            assert "无法提现" in terms
            assert any(len(t) >= 2 and t in s["platform"] for t in terms), (terms, s["platform"])
        elif s["kind"] == "defect":
            assert a.kind == "surge" and s["defect"] in terms


def test_brand_and_problem_type_surges_are_found_and_explained(
    surges: list[dict[str, Any]],
) -> None:
    # the defect and fraud surges: about half of their complaints name the company's brand, and
    # their problem types (safety, fraud) are rare nationally, so both series rise
    for s in (x for x in surges if x["kind"] in ("defect", "fraud")):
        surge_scan(_day(s, "start") + timedelta(days=1))
        brands = Counter(
            Complaint.objects.filter(public_number__in=s["complaints"], brand__isnull=False)
            .values_list("brand_id", flat=True)
        )
        [(brand_id, _n)] = brands.most_common(1)
        injected = set(s["complaints"])
        brand = SurgeAlert.objects.get(series_kind="brand", series_key=str(brand_id))
        problem = SurgeAlert.objects.get(series_kind="problem", series_key=s["problem"])
        for a in (brand, problem):
            assert a.observed >= 5 and a.observed > 2 * a.expected, (a.series_kind, s)
            assert _day(s, "start") <= a.first_day <= _day(s, "start") + timedelta(days=1)
            assert a.kind == "surge" and a.examples
        assert brand.sector == s["sector"] and set(brand.examples) <= injected
        # a problem type is national: most, not all, of its examples are the injected ones
        assert sum(e in injected for e in problem.examples) >= 0.75 * len(problem.examples)
        if s["kind"] == "fraud":
            assert any(t["term"] in s["platform"] for t in problem.terms if len(t["term"]) >= 2)
            assert "无法提现" in {t["term"] for t in brand.terms}
        else:
            assert s["defect"] in {t["term"] for t in problem.terms}


def test_runaway_words_outside_prepaid_sectors_make_no_runaway_alert(
    surges: list[dict[str, Any]],
) -> None:
    s = next(x for x in surges if x["kind"] == "plain")
    assert s["sector"] not in PREPAID_SECTORS  # ecommerce: no prepaid fees to run away with
    Complaint.objects.filter(public_number__in=s["complaints"]).update(
        title="商家跑路了，联系不上",
        details="店铺突然关门停业，客服联系不上，已付的货款不退费，疑似卷款跑路。",
        public_source_hash="",  # the public copy is redacted afresh from the new text
    )
    surge_scan(_day(s, "start") + timedelta(days=1))
    alert = SurgeAlert.objects.get(series_kind="company", series_key=str(s["company_id"]))
    assert alert.runaway_share >= 0.5  # the words were read
    assert alert.kind == "surge"
    assert not SurgeAlert.objects.filter(kind="runaway").exists()


def test_rescanning_a_day_changes_nothing_and_days_extend_one_episode(
    surges: list[dict[str, Any]],
) -> None:
    s = max(surges, key=lambda x: _day(x, "end") - _day(x, "start"))
    first = _day(s, "start")
    surge_scan(first)
    count = SurgeAlert.objects.count()
    surge_scan(first)
    assert SurgeAlert.objects.count() == count
    surge_scan(first + timedelta(days=1))
    alert = SurgeAlert.objects.get(series_kind="company", series_key=str(s["company_id"]))
    assert alert.alert_days == 2 and alert.last_day == first + timedelta(days=1)


def test_quiet_days_raise_no_company_alert(surges: list[dict[str, Any]]) -> None:
    surge_days = {(_day(s, "start") + timedelta(days=k)) for s in surges for k in range(-3, 14)}
    quiet = [END.date() - timedelta(days=k) for k in range(2, 40)]
    quiet = [d for d in quiet if d not in surge_days][:10]
    for d in quiet:
        surge_scan(d)
    # 80 companies × 10 days: at most one chance alarm
    assert SurgeAlert.objects.filter(series_kind="company").count() <= 1


@pytest.fixture
def scanned(surges: list[dict[str, Any]]) -> SurgeAlert:
    s = next(x for x in surges if x["kind"] == "runaway")
    surge_scan(_day(s, "start") + timedelta(days=1))
    return SurgeAlert.objects.get(series_kind="company", series_key=str(s["company_id"]))


def _regulator(phone: str, regions: list[str], sectors: list[str]) -> User:
    user = User.objects.create_user(phone=phone, password="pw-123456", role=Role.REGULATOR)
    RegulatorScope.objects.create(user=user, region_codes=regions, sectors=sectors)
    return user


def test_regulators_see_only_their_scope(
    scanned: SurgeAlert, client_for: Callable[[User | None], Client]
) -> None:
    code = AlertRegion.objects.filter(alert=scanned).order_by("-complaints").first()
    assert code is not None
    inside = _regulator("13911110001", [code.code[:2] + "0000"], [])
    wrong_sector = _regulator("13911110002", [code.code[:2] + "0000"], ["finance"])
    covered = set(AlertRegion.objects.filter(alert=scanned).values_list("code", flat=True))
    outside_province = next(
        p for p in ("540000", "630000", "640000", "460000", "650000")
        if not any(c.startswith(p[:2]) for c in covered)
    )  # fmt: skip
    outside = _regulator("13911110003", [outside_province], [])
    url = f"/api/v1/insights/surges/{scanned.pk}"
    assert client_for(inside).get(url).status_code == 200
    assert client_for(wrong_sector).get(url).status_code == 404
    assert client_for(outside).get(url).status_code == 404
    ids = [a["id"] for a in client_for(inside).get("/api/v1/insights/surges").json()]
    assert scanned.pk in ids
    assert client_for(outside).get("/api/v1/insights/surges").json() == []
    page = client_for(outside).get(f"/insights/surges/{scanned.pk}/")
    assert page.status_code == 404


def test_alert_detail_and_acknowledge(
    scanned: SurgeAlert, moderator: User, consumer: User,
    client_for: Callable[[User | None], Client],
) -> None:  # fmt: skip
    web = client_for(moderator)
    page = web.get(f"/insights/surges/{scanned.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert scanned.label in html and "疑似跑路" in html and scanned.examples[0] in html
    listing = web.get("/insights/surges/?kind=runaway")
    assert scanned.label in listing.content.decode()
    data = web.get(f"/api/v1/insights/surges/{scanned.pk}").json()
    assert data["observed"] == scanned.observed and data["regions"]
    assert data["search_url"].startswith("/search/?")
    call_command("search_rebuild", stdout=open(os.devnull, "w"))  # noqa: SIM115
    found = web.get(data["search_url"].split("&q=")[0])  # the company's complaints of the window
    assert found.status_code == 200 and scanned.examples[0] in found.content.decode()
    response = web.post(f"/api/v1/insights/surges/{scanned.pk}/acknowledge")
    assert response.status_code == 200 and response.json()["state"] == "acknowledged"
    again = web.post(f"/api/v1/insights/surges/{scanned.pk}/acknowledge")
    assert again.status_code == 409
    assert client_for(consumer).get("/api/v1/insights/surges").status_code == 403
    assert client_for(consumer).get("/insights/surges/").status_code == 403


def test_the_daily_job_scans_yesterday_once(surges: list[dict[str, Any]]) -> None:
    now = END + timedelta(days=1)  # 20:00 local time, the day after the data ends
    first = surge_scan_due(now)
    assert first["day"] == str((now + timedelta(hours=8)).date() - timedelta(days=1))
    assert SurgeScan.objects.count() == 1
    assert "skipped" in surge_scan_due(now)


def test_series_filters_match_the_counts(surges: list[dict[str, Any]]) -> None:
    from tousu.insights.services import _series_complaints, load_counts

    first, last = END.date() - timedelta(days=20), END.date()
    counts = load_counts(first, last)
    regions = counts.matrices["region"]
    for i, key in enumerate(regions.keys[:3]):
        assert _series_complaints("region", key, first, last).count() == regions.counts[i].sum()
    sectors = counts.matrices["sector"]
    for i, key in enumerate(sectors.keys[:3]):
        assert _series_complaints("sector", key, first, last).count() == sectors.counts[i].sum()
    assert counts.context.sum() == sum(
        1
        for c in Complaint.objects.all()
        if first <= (c.submitted_at + timedelta(hours=8)).date() <= last
    )
