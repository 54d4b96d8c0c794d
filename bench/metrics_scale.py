"""Metrics at scale on a generated database (``tousu bench-data``): the SQL rebuild, list
generation and the largest company's page.

    tousu --db sqlite:///var/m1m.sqlite3 bench-data --complaints 1000000 --no-rebuild
    DATABASE_URL=sqlite:///var/m1m.sqlite3 python bench/metrics_scale.py [--python] [--compare]

``--python`` also times the Python fold (``rebuild_python``); ``--compare`` checks that both
give the same tables (reads them into memory). Lists are published inside a transaction that
is rolled back, so the database is left as it was. A benchmark, never a test: it prints
figures (wall and process CPU seconds: on a loaded machine CPU time is the steadier figure)
and writes JSON beside the database.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", action="store_true", help="also time the Python fold")
    parser.add_argument("--compare", action="store_true", help="check SQL == Python tables")
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument(
        "--no-analyze",
        action="store_true",
        help="skip the ANALYZE before and after the rebuild (a full ANALYZE at 30M takes minutes: "
        "run `planner_statistics` once instead)",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    # the page itself, not the public page cache (ADR 0028): every request renders
    os.environ.setdefault("TOUSU_PAGE_CACHE", "0")
    sys.path.insert(0, str(ROOT / "tests" / "metrics"))
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Sum
    from django.test import Client
    from django.urls import get_resolver
    from django.utils import timezone

    from tousu.complaints.models import Complaint, ComplaintEvent
    from tousu.metrics.models import CompanyDay
    from tousu.metrics.rankings import periods, publish
    from tousu.metrics.selectors import Scope, windows
    from tousu.metrics.services import rebuild, rebuild_python

    get_resolver().url_patterns  # noqa: B018 (load the views before timing)
    out: dict[str, Any] = {
        "db": connection.vendor,
        "complaints": Complaint.objects.count(),
        "events": ComplaintEvent.objects.count(),
    }

    def stage(name: str, value: Any) -> None:
        out[name] = value
        print(name, json.dumps(value, ensure_ascii=False, default=str), flush=True)

    if not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    if args.python:
        result, wall, cpu = timed(rebuild_python)
        stage("rebuild_python", {**result, "wall_s": wall, "cpu_s": cpu})
        if args.compare:
            from conftest import complaint_table, day_table

            reference = (day_table(), complaint_table())
    result, wall, cpu = timed(rebuild)
    stage("rebuild_sql", {**result, "wall_s": wall, "cpu_s": cpu})
    if args.python and args.compare:
        stage("identical", (day_table(), complaint_table()) == reference)
    if not args.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    lists: dict[str, Any] = {}
    with transaction.atomic():
        for kind, (start, end) in periods(timezone.localdate()).items():
            made, wall, cpu = timed(publish, str(kind), start, end)
            lists[str(kind)] = {"lists": len(made), "wall_s": wall, "cpu_s": cpu}
        transaction.set_rollback(True)
    stage("lists", lists)

    top = CompanyDay.objects.values("company_id").annotate(n=Sum("valid")).order_by("-n").first()
    assert top is not None
    client = Client(SERVER_NAME="localhost")
    page, sel = [], []
    for _ in range(args.requests):
        t0 = time.perf_counter()
        resp = client.get(f"/companies/{top['company_id']}/")
        page.append(time.perf_counter() - t0)
        assert resp.status_code == 200, resp.status_code
        t0 = time.perf_counter()
        windows(Scope(company_id=top["company_id"]))
        sel.append(time.perf_counter() - t0)
    page.sort()
    sel.sort()
    stage(
        "company_page",
        {
            "company_valid": top["n"],
            "page_p50_ms": round(1000 * page[len(page) // 2], 1),
            "page_p95_ms": round(1000 * page[int(0.95 * (len(page) - 1))], 1),
            "page_max_ms": round(1000 * page[-1], 1),
            "windows_p50_ms": round(1000 * sel[len(sel) // 2], 1),
        },
    )
    target = ROOT / "var" / f"metrics-scale-{connection.vendor}-{out['complaints']}.json"
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
