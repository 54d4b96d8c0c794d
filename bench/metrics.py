"""Metric counters: cost per event, full rebuild, company page and list generation.

    python bench/metrics.py --complaints 100000            # SQLite file under var/bench/
    DATABASE_URL=postgres://… python bench/metrics.py …    # PostgreSQL (an empty database)

Builds the data through ``complaints_import`` (imported histories: accept, replies, completion
requests, confirmations with ratings, auto-completions, reopenings — written in bulk, the
counters maintained by the bulk listener), then measures:

- per event: live service calls (accept, reply) with and without the metrics listener — the
  difference is the cost of keeping the counters;
- ``tousu metrics-rebuild`` over all timelines (and that it gives the same tables);
- the company page (Django test client, in process) and ``windows()`` for the largest company;
- publishing one period of lists (all sectors and per sector).

A benchmark, never a test: it prints figures and asserts no target.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
TZ = ZoneInfo("Asia/Shanghai")


def setup(db_path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (load every view module now, not mid-run)


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def build(n: int, companies: int, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from tousu.accounts.models import Role, User
    from tousu.companies.models import Company, Sector
    from tousu.complaints.services import ImportedComplaint, ImportedStep, complaints_import

    rng = random.Random(seed)
    consumer, _ = User.objects.get_or_create(
        phone="13500000001", defaults={"role": Role.CONSUMER, "nickname": "bench"}
    )
    sectors = list(Sector.values)
    existing = Company.objects.count()
    Company.objects.bulk_create(
        [
            Company(name=f"基准企业{i}", name_key=f"基准企业{i}", sector=sectors[i % len(sectors)])
            for i in range(existing, companies)
        ]
    )
    ids = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    # a few big companies, many small ones
    weights = [1 / (i + 1) for i in range(len(ids))]
    end = datetime.now(TZ) - timedelta(days=1)
    t0 = time.perf_counter()
    batch: list[ImportedComplaint] = []
    done = 0
    while done < n:
        at = end - timedelta(seconds=rng.randrange(0, 400 * 86400))
        accepted = at + timedelta(hours=rng.randint(1, 40))
        steps = [ImportedStep("accept", accepted, target="processing")]
        t = steps[-1].at
        r = rng.random()
        if r < 0.8:
            t += timedelta(hours=rng.expovariate(1 / 30))
            steps.append(ImportedStep("reply", t, message="已处理"))
            if rng.random() < 0.6:
                t += timedelta(hours=rng.randint(1, 72))
                steps.append(ImportedStep("request_completion", t))
                t += timedelta(hours=rng.randint(1, 150))
                if rng.random() < 0.6:
                    stars = (rng.randint(1, 5), rng.randint(1, 5), rng.randint(1, 5))
                    steps.append(ImportedStep("confirm", t, rating=stars))
                    if rng.random() < 0.05:
                        steps.append(ImportedStep("reopen", t + timedelta(days=2)))
                else:
                    steps.append(ImportedStep("auto_complete", t))
        batch.append(
            ImportedComplaint(
                title=f"基准投诉{done}",
                details=f"基准投诉{done}：订单未按约定处理，要求退款。",
                company_id=rng.choices(ids, weights)[0],
                submitted_at=at,
                steps=steps,
                problem_types=[rng.choice(["refund_difficult", "quality", "delivery"])],
            )
        )
        done += 1
        if len(batch) == 2000 or done == n:
            with transaction.atomic():
                complaints_import(consumer=consumer, records=batch)
            batch = []
    return {"complaints": n, "companies": len(ids), "import_s": round(time.perf_counter() - t0, 1)}


def per_event(samples: int) -> dict[str, Any]:
    """Live accepts and replies, with and without the metrics listener."""
    from django.utils import timezone

    from tousu.accounts.models import Role, User
    from tousu.companies.models import Company, CompanyMembership, MemberRole
    from tousu.complaints import hooks, services
    from tousu.metrics.services import on_event

    consumer, _ = User.objects.get_or_create(
        phone="13500000002", defaults={"role": Role.CONSUMER, "nickname": "live"}
    )
    moderator, _ = User.objects.get_or_create(
        phone="13500000003", defaults={"role": Role.MODERATOR, "nickname": "mod"}
    )
    merchant, _ = User.objects.get_or_create(
        phone="13500000004", defaults={"role": Role.MERCHANT, "nickname": "m"}
    )
    company = Company.objects.order_by("pk").first()
    assert company is not None
    CompanyMembership.objects.get_or_create(
        company=company, user=merchant, defaults={"role": MemberRole.OWNER}
    )
    result: dict[str, Any] = {}
    unlisted: list[int] = []
    for label, listening in (("without", False), ("with", True)):
        if not listening and on_event in hooks._listeners:
            hooks._listeners.remove(on_event)
        if listening:
            hooks.register(on_event)
        times: list[float] = []
        for i in range(samples):
            c, _ = services.complaint_submit(
                consumer=consumer,
                data=services.ComplaintInput(
                    title=f"实时投诉{label}{i}{time.time_ns()}",
                    details=f"实时投诉{label}{i}：商家拒绝退款，要求处理。{time.time_ns()}",
                    company_id=company.pk,
                    problem_types=["refund_difficult"],
                    demands=["refund"],
                ),
            )
            if not listening:
                unlisted.append(c.pk)
            now = timezone.now()
            t0 = time.perf_counter()
            services.complaint_accept(complaint_id=c.pk, actor=moderator, now=now)
            services.complaint_reply(complaint_id=c.pk, actor=merchant, message="好的", now=now)
            times.append((time.perf_counter() - t0) / 2)
        result[label] = round(1000 * statistics.median(times), 3)
    result["extra_ms_per_event"] = round(result["with"] - result["without"], 3)
    hooks.register(on_event)
    from tousu.metrics.services import refresh

    refresh(unlisted)  # the complaints handled without the listener: counted now
    return result


def company_page(requests: int) -> dict[str, Any]:
    from django.db.models import Sum
    from django.test import Client

    from tousu.metrics.models import CompanyDay
    from tousu.metrics.selectors import Scope, windows

    top = CompanyDay.objects.values("company_id").annotate(n=Sum("valid")).order_by("-n").first()
    assert top is not None
    company_id = top["company_id"]
    client = Client(SERVER_NAME="localhost")
    page, sel = [], []
    for _ in range(requests):
        t0 = time.perf_counter()
        resp = client.get(f"/companies/{company_id}/")
        page.append(time.perf_counter() - t0)
        assert resp.status_code == 200, resp.status_code
        t0 = time.perf_counter()
        windows(Scope(company_id=company_id))
        sel.append(time.perf_counter() - t0)
    return {
        "company_valid": top["n"],
        "page_p50_ms": round(1000 * pct(page, 0.5), 2),
        "page_p95_ms": round(1000 * pct(page, 0.95), 2),
        "windows_p50_ms": round(1000 * pct(sel, 0.5), 2),
        "windows_p95_ms": round(1000 * pct(sel, 0.95), 2),
    }


def lists() -> dict[str, Any]:
    from django.utils import timezone

    from tousu.metrics.rankings import periods, publish

    out = {}
    for kind, (start, end) in periods(timezone.localdate()).items():
        t0 = time.perf_counter()
        made = publish(f"{kind}", start, end)
        out[f"{kind}_s"] = round(time.perf_counter() - t0, 2)
        out[f"{kind}_lists"] = len(made)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--companies", type=int, default=2000)
    parser.add_argument("--events", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    db = ROOT / "var" / "bench" / f"metrics-{args.complaints}.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    fresh = not db.exists() and not os.environ.get("DATABASE_URL")
    setup(db)
    from tests.metrics.conftest import complaint_table, day_table  # noqa: F401 (same tables)

    from tousu.complaints.models import Complaint

    out: dict[str, Any] = {"db": os.environ["DATABASE_URL"].split(":", 1)[0]}

    def stage(name: str, value: Any) -> None:
        out[name] = value
        print(name, json.dumps(value, ensure_ascii=False), flush=True)

    if fresh or not Complaint.objects.exists():
        stage("build", build(args.complaints, args.companies, args.seed))
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics after the bulk load
        cursor.execute("ANALYZE")
    from tousu.metrics.services import rebuild

    before = day_table()
    stage("rebuild", rebuild())
    stage("rebuild_identical", day_table() == before)
    stage("per_event_ms", per_event(args.events))
    stage("company_page", company_page(args.requests))
    stage("lists", lists())
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
