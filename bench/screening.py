"""Cost of screening and the duplicate check per complaint, on one core.

    .venv/bin/python bench/screening.py [--index 20000] [--samples 2000] [--data ../shared/data]

Builds a throw-away SQLite database under ``var/bench/screening-<n>.sqlite3`` (kept between runs)
with ``--index`` complaints indexed for near-duplicates (texts from the shared real data when it
is there, each with a random order number so they are distinct; otherwise a small built-in set),
pins the process to one core, then times, per complaint text:

- ``model``: ``screen_text`` (features + linear model + driving words);
- ``labels``: ``suggest_labels`` (sector and problem types);
- ``signature``: the MinHash signature (rjieba words, bigram shingles, datasketch);
- ``dup_check``: the repeat-of-own-open-complaint query against the index (LSH bands in SQLite);
- ``redaction``: personal-data detection and masking of title and details
  (``tousu.privacy.detectors.redact``, what the submission's privacy listener computes);
- ``screen+dup``: model + signature + duplicate check;
- ``budget``: redaction + screen+dup, what issue 5's budget (≤ 5 ms median) counts;
- ``on_submit``: the whole in-transaction listener (index write, screening, labels, group and
  mass-filing queries, result row), rolled back.

Prints median and p95 in milliseconds, as CPU time of the process's thread (SQLite runs in it;
other work sharing the cores does not count) and as wall time. A benchmark, not a test:
figures go to docs/benchmarks.md ("Screening").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def texts_from(data: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    merged = data / "heimao-chitian-spider/heimao_chitian_merged_dedup.csv"
    if merged.exists():
        with merged.open(encoding="utf-8") as fh:
            out += [(r["投诉标题"][:80], r["投诉详情"][:2000]) for r in csv.DictReader(fh)]
    heimao = data / "heimao-bageyalu160/heimao_data_2025-05-13.json"
    if heimao.exists():
        with heimao.open(encoding="utf-8") as fh:
            out += [(r["title"][:80], r["content"]) for r in json.load(fh)["complaints"]]
    tip = data / "gov-messages-tipdm2020c/messages_with_official_replies.csv"
    if tip.exists():
        with tip.open(encoding="utf-8") as fh:
            out += [(r["留言主题"][:80], r["留言详情"].strip()[:2000]) for r in csv.DictReader(fh)]
    return [(t, d) for t, d in out if len(d) >= 10]


FALLBACK = [
    ("外卖超时两小时拒绝退款", "6月1日在平台点餐，超时两个小时才送到，申请退款被客服拒绝。"),
    ("会员自动续费不退款", "未经同意自动续费了一年会员，客服拒绝退款，要求退还198元。"),
    ("小区道路坑洼积水", "小区门口道路坑洼不平，下雨积水严重，希望有关部门尽快维修。"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--index", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()

    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    var = ROOT / "var" / "bench"
    var.mkdir(parents=True, exist_ok=True)
    db = var / f"screening-{args.index}.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("TOUSU_LOCAL", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction

    from tousu.accounts.models import Role, User
    from tousu.companies.models import Company, Sector
    from tousu.complaints.models import Complaint
    from tousu.complaints.services import content_hash_for
    from tousu.moderation import duplicates, listeners
    from tousu.moderation.features import normalise, normalised_text
    from tousu.moderation.listeners import record_screening
    from tousu.moderation.models import TextSignature
    from tousu.moderation.screening import complaint_text, screen_text, suggest_labels
    from tousu.privacy import detectors

    rng = random.Random(7)
    texts = texts_from(args.data) or FALLBACK
    print(f"{len(texts)} distinct texts ({'shared data' if len(texts) > 3 else 'fallback'})")
    call_command("migrate", verbosity=0)
    have = TextSignature.objects.count()
    if have < args.index:
        print(f"indexing {args.index} complaints into {db} …")
        users = [
            User.objects.get_or_create(
                phone=f"1390000{i:04d}", defaults={"role": Role.CONSUMER, "nickname": f"b{i}"}
            )[0]
            for i in range(200)
        ]
        companies = [
            Company.objects.get_or_create(
                name=f"基准企业{i}", defaults={"sector": Sector.OTHER, "name_key": f"基准企业{i}"}
            )[0]
            for i in range(100)
        ]
        rows = []
        for i in range(have, args.index):
            title, details = rng.choice(texts)
            details = f"{details} 订单号{rng.randrange(10**11, 10**12)}"
            co = rng.choice(companies)
            rows.append(
                Complaint(
                    consumer=rng.choice(users),
                    company=co,
                    title=title,
                    details=details,
                    content_hash=content_hash_for(co.pk, title, details) + str(i),
                    public_number=f"BS{i:08d}",
                )
            )
        with transaction.atomic():
            Complaint.objects.bulk_create(rows, batch_size=2000)
            t0 = time.perf_counter()
            n = duplicates.rebuild()
        print(f"indexed {n} in {time.perf_counter() - t0:.1f} s")

    samples = [rng.choice(texts) for _ in range(args.samples)]
    consumer = User.objects.filter(role=Role.CONSUMER).first()
    company = Company.objects.first()
    assert consumer is not None and company is not None
    steps = (
        "redaction",
        "model",
        "labels",
        "signature",
        "dup_check",
        "screen+dup",
        "budget",
        "on_submit",
    )
    wall: dict[str, list[float]] = {k: [] for k in steps}
    cpu: dict[str, list[float]] = {k: [] for k in steps}
    screen_text("预热")  # load the model once
    detectors.redact("预热 王检世说 13800000000")  # the detectors' tables, the jieba tagger

    def forget() -> None:  # a text repeated among the samples must not find anything cached
        for cached in (
            normalise,
            normalised_text,
            getattr(duplicates, "_signature", None),  # remembered since ADR 0026
            getattr(listeners, "text_screening", None),
        ):
            if cached is not None:
                cached.cache_clear()

    clock = time.thread_time  # CPU time of this thread: other work on the box does not count

    def timed(store: str, fn: Any, *a: Any, **kw: Any) -> Any:
        w0, c0 = time.perf_counter(), clock()
        out = fn(*a, **kw)
        wall[store].append(time.perf_counter() - w0)
        cpu[store].append(clock() - c0)
        return out

    for title, details in samples:
        forget()
        timed("redaction", lambda t, d: (detectors.redact(t), detectors.redact(d)), title, details)
        text = complaint_text(title, details)
        timed("model", screen_text, text)
        timed("labels", suggest_labels, text)
        hv = timed("signature", duplicates.signature, title, details)
        timed(
            "dup_check",
            duplicates.find_own_open_duplicate,
            consumer_id=consumer.pk,
            company_id=company.pk,
            title=title,
            details=details,
            hv=hv,
        )
        for store in (wall, cpu):
            store["screen+dup"].append(
                store["model"][-1] + store["signature"][-1] + store["dup_check"][-1]
            )
            store["budget"].append(store["redaction"][-1] + store["screen+dup"][-1])
    import inspect

    new = {"new": True} if "new" in inspect.signature(record_screening).parameters else {}
    for title, details in samples[: max(50, args.samples // 10)]:
        try:
            with transaction.atomic():
                forget()
                c = Complaint.objects.create(
                    consumer=consumer,
                    company=company,
                    title=title,
                    details=details,
                    content_hash="bench",
                )
                # as the submission calls it: a complaint created in this transaction
                timed("on_submit", record_screening, c, **new)
                raise RuntimeError
        except RuntimeError:
            pass
    chars = statistics.median(len(t) + len(d) for t, d in samples)
    size = TextSignature.objects.count()
    print(f"\nindex size {size}, median text {chars:.0f} characters, one core")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} (2 cores shared)")
    head = ("step", "CPU median", "CPU p95", "wall median", "wall p95", "n")
    print("{:12} {:>10} {:>8} {:>11} {:>9} {:>5}".format(*head))
    for name in steps:
        c, w = sorted(cpu[name]), sorted(wall[name])
        p95 = int(len(c) * 0.95) - 1
        print(
            f"{name:12} {statistics.median(c) * 1000:10.3f} {c[p95] * 1000:8.3f} "
            f"{statistics.median(w) * 1000:11.3f} {w[p95] * 1000:9.3f} {len(c):5d}"
        )


if __name__ == "__main__":
    main()
