"""Evaluate surge detection against the generator's injected surges (or report alarms on real
data without ground truth).

    TOUSU_LOCAL=1 TOUSU_VAR_DIR=var/gen .venv/bin/python scripts/surge_eval.py \
        --truth var/gen/bench-data [--first 2025-01-01 --last 2026-11-28]

Runs the detector of ``tousu.insights`` for every day with a full baseline, groups alert days of
a company into episodes (gaps of at most 3 days), and reports recall on the injected surges,
false alarms per company-year (episodes that touch no injected surge), the detection delay,
the 跑路 classification, and the cost of one daily scan.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
django.setup()

import numpy as np  # noqa: E402

from tousu.complaints.models import Complaint  # noqa: E402
from tousu.insights.detect import Params, evaluate_day  # noqa: E402
from tousu.insights.services import (  # noqa: E402
    EPISODE_GAP_DAYS,
    PREPAID_SECTORS,
    RUNAWAY_SHARE,
    RUNAWAY_TERMS,
    SeriesKind,
    detect,
    load_counts,
    local_day_bounds,
)


def episodes(days: list[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for d in sorted(days):
        if out and d - out[-1][-1] <= EPISODE_GAP_DAYS:
            out[-1].append(d)
        else:
            out.append([d])
    return out


def runaway_share(company_id: int, first: date, last: date) -> float:
    start, end = local_day_bounds(first, last)
    texts = [
        f"{t} {d}"
        for t, d in Complaint.objects.filter(
            company_id=company_id, submitted_at__gte=start, submitted_at__lt=end
        ).values_list("title", "details")[:400]
    ]
    if not texts:
        return 0.0
    return sum(1 for x in texts if any(w in x for w in RUNAWAY_TERMS)) / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--truth", type=Path, help="folder with surges.jsonl (generated data)")
    parser.add_argument("--first", type=date.fromisoformat)
    parser.add_argument("--last", type=date.fromisoformat)
    parser.add_argument("--alpha", type=float, default=Params.alpha)
    parser.add_argument("--min-count", type=int, default=Params.min_count)
    args = parser.parse_args()
    params = Params(alpha=args.alpha, min_count=args.min_count)
    tz_first = Complaint.objects.order_by("submitted_at").values_list("submitted_at", flat=True)
    tz_last = Complaint.objects.order_by("-submitted_at").values_list("submitted_at", flat=True)
    from django.utils import timezone

    first = args.first or timezone.localtime(tz_first[0]).date()
    last = args.last or timezone.localtime(tz_last[0]).date()
    started = time.monotonic()
    counts = load_counts(first, last)
    load_seconds = time.monotonic() - started
    companies = counts.matrices[SeriesKind.COMPANY]
    start_t = params.guard_days + params.baseline_days
    alert_days: dict[str, list[int]] = {}
    other_kinds: dict[str, int] = {}
    started = time.monotonic()
    for t in range(start_t, counts.days):
        for kind, matrix in counts.matrices.items():
            if not matrix.keys:
                continue
            result = evaluate_day(matrix.counts, counts.context, t, params)
            hits = np.nonzero(result.alert)[0]
            if kind == SeriesKind.COMPANY:
                for i in hits:
                    alert_days.setdefault(matrix.keys[i], []).append(t)
            else:
                other_kinds[kind] = other_kinds.get(kind, 0) + len(hits)
    detect_seconds = time.monotonic() - started
    evaluated_days = counts.days - start_t
    company_years = len(companies.keys) * evaluated_days / 365
    eps = {k: episodes(v) for k, v in alert_days.items()}
    truth = []
    if args.truth:
        with (args.truth / "surges.jsonl").open(encoding="utf-8") as fh:
            truth = [json.loads(line) for line in fh]
    truth = [s for s in truth if date.fromisoformat(s["start"]) >= first + timedelta(days=start_t)]
    matched_episodes: set[tuple[str, int]] = set()
    delays, found = [], 0
    runaway_true = runaway_hit = 0
    for s in truth:
        key = str(s["company_id"])
        s0 = counts.index(date.fromisoformat(s["start"]))
        s1 = counts.index(date.fromisoformat(s["end"]))
        hit = None
        for n, ep in enumerate(eps.get(key, [])):
            inside = [d for d in ep if s0 <= d <= s1 + 2]
            if inside:
                matched_episodes.add((key, n))
                hit = min(inside) if hit is None else min(hit, min(inside))
        if hit is not None:
            found += 1
            delays.append(hit - s0)
        if s["kind"] == "runaway":
            runaway_true += 1
            if hit is not None and s["sector"] in PREPAID_SECTORS:
                share = runaway_share(
                    s["company_id"], counts.first + timedelta(days=s0),
                    counts.first + timedelta(days=hit),
                )  # fmt: skip
                runaway_hit += int(share >= RUNAWAY_SHARE)
    false_alarms = [
        (k, n) for k, ep in eps.items() for n in range(len(ep)) if (k, n) not in matched_episodes
    ]
    # runaway false positives: unmatched episodes at prepaid companies classified runaway
    runaway_false = 0
    for k, n in false_alarms:
        if companies.sectors.get(k) in PREPAID_SECTORS:
            ep = eps[k][n]
            share = runaway_share(
                int(k), counts.first + timedelta(days=ep[0]), counts.first + timedelta(days=ep[-1])
            )
            runaway_false += int(share >= RUNAWAY_SHARE)
    # the cost of one daily scan (load the last 44 days + detect all kinds)
    day = last
    started = time.monotonic()
    window = load_counts(day - timedelta(days=params.guard_days + params.baseline_days + 14), day)
    detect(window, day, params)
    scan_seconds = time.monotonic() - started
    report = {
        "complaints": int(counts.context.sum()),
        "companies": len(companies.keys),
        "days_evaluated": evaluated_days,
        "params": vars(params) if hasattr(params, "__dict__") else str(params),
        "injected_surges": len(truth),
        "recall": round(found / len(truth), 3) if truth else None,
        "median_delay_days": statistics.median(delays) if delays else None,
        "max_delay_days": max(delays) if delays else None,
        "false_alarm_episodes": len(false_alarms),
        "false_alarms_per_company_year": round(len(false_alarms) / company_years, 3),
        "runaway_injected": runaway_true,
        "runaway_recognised": runaway_hit,
        "runaway_false_positives": runaway_false,
        "alert_days_other_series": other_kinds,
        "load_all_counts_s": round(load_seconds, 2),
        "detect_all_days_s": round(detect_seconds, 2),
        "daily_scan_s": round(scan_seconds, 2),
    }
    json.dump(report, sys.stdout, ensure_ascii=False, indent=2, default=str)
    print()


if __name__ == "__main__":
    main()
