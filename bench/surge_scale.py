"""The daily surge scan at scale on a generated database (``tousu bench-data`` then
``tousu metrics-rebuild``: the scan reads the metric counters, ADR 0029).

    DATABASE_URL=sqlite:///var/big.sqlite3 python bench/surge_scale.py [--day 2026-11-27]

Times reading the 44-day window's counters (``load_counts``), detection over every company,
brand, sector, province and problem type (``detect``), and the whole job (``surge_scan``: with
the alerts' explanations, examples and records), in a transaction that is rolled back so the
database is left as it was. Wall and process CPU seconds; a benchmark, never a test. Writes
JSON under ``var/``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--day", type=date.fromisoformat, help="default: the day before the last day with data"
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Max

    from tousu.insights.detect import DEFAULT_PARAMS
    from tousu.insights.services import LOOKBACK_DAYS, detect, load_counts, surge_scan
    from tousu.metrics.models import CompanyDay

    last = CompanyDay.objects.aggregate(d=Max("day"))["d"]
    if last is None:
        raise SystemExit("no metric counters: run `tousu metrics-rebuild` first")
    day = args.day or last - timedelta(days=1)  # the last whole day (as the daily job scans)
    p = DEFAULT_PARAMS
    first = day - timedelta(days=p.guard_days + p.baseline_days + LOOKBACK_DAYS)
    out: dict[str, Any] = {"db": connection.vendor, "day": str(day), "first": str(first)}
    counts, wall, cpu = timed(load_counts, first, day)
    out["load_counts"] = {
        "wall_s": wall,
        "cpu_s": cpu,
        "complaints_in_window": int(counts.context.sum()),
        "series": {k: len(m.keys) for k, m in counts.matrices.items()},
    }
    print("load_counts", json.dumps(out["load_counts"]), flush=True)
    found, wall, cpu = timed(detect, counts, day)
    out["detect"] = {"wall_s": wall, "cpu_s": cpu, "alerts": len(found)}
    print("detect", json.dumps(out["detect"]), flush=True)
    with transaction.atomic():
        result, wall, cpu = timed(surge_scan, day)
        transaction.set_rollback(True)
    out["surge_scan"] = {"wall_s": wall, "cpu_s": cpu, **result}
    print("surge_scan", json.dumps(out["surge_scan"]), flush=True)
    target = ROOT / "var" / f"surge-scale-{connection.vendor}-{day}.json"
    target.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
