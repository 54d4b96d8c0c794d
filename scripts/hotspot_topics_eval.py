"""Evaluate the hotspot topics against the generator's injected surges.

    TOUSU_LOCAL=1 DATABASE_URL=sqlite:///var/topics.sqlite3 .venv/bin/python \
        scripts/hotspot_topics_eval.py --truth var/topics-truth [--quiet-weeks 8]

Builds the hotspots (``hotspots_build``, which writes the rows: run it on a generated database)
of every week that holds a day of an injected surge, and of ``--quiet-weeks`` weeks without any,
and reports:

- recall: the injected surges that show up as a topic in their sector's scope, nationally, or in
  any scope. A topic *is* a surge's when more than half of its example complaints are that
  surge's injected complaints (the ground truth lists them);
- for surges whose truth names words (跑路 terms, the defect, the fraud platform): whether the
  topic has one of them among its words;
- topics per scope kind and how many of them belong to no injected surge (in the generator
  every other topic is chance: its base complaints have no patterns), in surge weeks and in
  quiet weeks;
- the time one week's build takes (wall and process CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
django.setup()

from tousu.complaints.models import Complaint  # noqa: E402
from tousu.insights.hotspots import hotspots_build, topic_rose  # noqa: E402
from tousu.insights.models import Hotspot  # noqa: E402


def monday(d: date) -> date:
    return d - timedelta(days=d.weekday())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--quiet-weeks", type=int, default=8)
    parser.add_argument(
        "--rescore",
        action="store_true",
        help="score the stored rows of built weeks again (after a change of topic_rose)",
    )
    parser.add_argument("--max-surge-weeks", type=int, default=0, help="every n-th surge week")
    parser.add_argument("--out", type=Path, default=Path("var/hotspot_topics_eval.json"))
    args = parser.parse_args()
    surges = [json.loads(line) for line in (args.truth / "surges.jsonl").open(encoding="utf-8")]
    first = Complaint.objects.order_by("submitted_at").values_list("submitted_at", flat=True)[0]
    earliest = monday(first.date()) + timedelta(days=35)  # a full four-week baseline
    surge_weeks: dict[date, list[int]] = defaultdict(list)
    for i, s in enumerate(surges):
        d, end = date.fromisoformat(s["start"]), date.fromisoformat(s["end"])
        while d <= end:
            if monday(d) >= earliest and i not in surge_weeks[monday(d)]:
                surge_weeks[monday(d)].append(i)
            d += timedelta(days=1)
    last = monday(
        Complaint.objects.order_by("-submitted_at").values_list("submitted_at", flat=True)[0].date()
    ) - timedelta(days=7)
    quiet: list[date] = []
    week = last
    step = max(1, ((last - earliest).days // 7) // max(args.quiet_weeks, 1))
    while week >= earliest and len(quiet) < args.quiet_weeks:
        if week not in surge_weeks:
            quiet.append(week)
        week -= timedelta(days=7 * step)
    if args.max_surge_weeks and len(surge_weeks) > args.max_surge_weeks:
        ordered = sorted(surge_weeks)
        step_s = len(ordered) / args.max_surge_weeks
        keep = {ordered[int(i * step_s)] for i in range(args.max_surge_weeks)}
        surge_weeks = defaultdict(list, {w: surge_weeks[w] for w in keep})
    number_surge = {n: i for i, s in enumerate(surges) for n in s["complaints"]}
    found: dict[int, set[str]] = defaultdict(set)  # surge → scope kinds where it is a topic
    term_hit: dict[int, bool] = {}
    topics_by: Counter[tuple[str, str, bool]] = Counter()  # (weeks, scope kind, is a surge's)
    scopes_by: Counter[tuple[str, str]] = Counter()
    timings = []
    for week in sorted(surge_weeks) + sorted(quiet):
        kind_of_week = "surge" if week in surge_weeks else "quiet"
        built = Hotspot.objects.filter(week_start=week).exists()
        if not (args.rescore and built):
            t0, c0 = time.perf_counter(), time.process_time()
            hotspots_build(week)
            timings.append((time.perf_counter() - t0, time.process_time() - c0))
        for h in Hotspot.objects.filter(week_start=week):
            scopes_by[(kind_of_week, h.scope_kind)] += 1
            for topic in h.topics:
                if not topic_rose(topic["complaints"], topic["baseline_weekly"]):
                    continue
                owners = Counter(number_surge[n] for n in topic["examples"] if n in number_surge)
                owner = next((i for i, k in owners.items() if k * 2 > len(topic["examples"])), None)
                topics_by[(kind_of_week, h.scope_kind, owner is not None)] += 1
                if owner is None:
                    continue
                s = surges[owner]
                if h.scope_kind == "sector" and h.scope_key != s["sector"]:
                    continue
                found[owner].add(h.scope_kind)
                words = {t["term"] for t in topic["terms"]}
                truth = set(s.get("terms", [])) | {s[k] for k in ("defect", "platform") if s.get(k)}
                if truth:
                    term_hit[owner] = term_hit.get(owner, False) or any(
                        w in t or t in w for w in words for t in truth
                    )
    report: dict[str, Any] = {
        "surges": len(surges),
        "evaluated_surges": len({i for ids in surge_weeks.values() for i in ids}),
        "surge_weeks": len(surge_weeks),
        "quiet_weeks": len(quiet),
        "recall": {},
        "topics": {},
        "build_seconds": {
            "weeks": len(timings),
            "wall_median": round(statistics.median(t for t, _ in timings), 1) if timings else None,
            "cpu_median": round(statistics.median(c for _, c in timings), 1) if timings else None,
        },
    }
    evaluated = sorted({i for ids in surge_weeks.values() for i in ids})
    for kind in ("plain", "runaway", "defect", "fraud", "all"):
        ids = [i for i in evaluated if kind == "all" or surges[i]["kind"] == kind]
        if not ids:
            continue
        with_terms = [i for i in ids if i in term_hit]
        report["recall"][kind] = {
            "n": len(ids),
            "sector": sum(1 for i in ids if "sector" in found[i]),
            "national": sum(1 for i in ids if "all" in found[i]),
            "region": sum(1 for i in ids if "region" in found[i]),
            "any": sum(1 for i in ids if found[i]),
            "truth_word_in_topic": f"{sum(term_hit[i] for i in with_terms)}/{len(with_terms)}",
        }
    for (weeks, scope), n in sorted(scopes_by.items()):
        report["topics"][f"{weeks} weeks, {scope}"] = {
            "scopes": n,
            "topics": topics_by[(weeks, scope, True)] + topics_by[(weeks, scope, False)],
            "of_a_surge": topics_by[(weeks, scope, True)],
            "of_no_surge": topics_by[(weeks, scope, False)],
        }
    missed = [
        {k: surges[i][k] for k in ("kind", "company", "sector", "start", "end", "extra")}
        for i in evaluated
        if not found[i]
    ]
    report["missed"] = missed
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
