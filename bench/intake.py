"""Where one API submission spends its CPU and its queries, in one process.

    .venv/bin/python bench/intake.py [--complaints 20000] [--requests 300] [--profile]
    .venv/bin/python bench/intake.py --database-url postgres://…   # another database

Uses the database ``bench/run.py --complaints N`` builds (``var/bench/sqlite-N``; run that
first, or give ``--database-url``), makes consumers with API tokens, then sends ``--requests``
submissions to ``POST /api/v1/complaints`` through Django's test client (the same multipart
form as ``bench/run.py``'s intake, every fourth with a PNG) and reports, per submission, the CPU
time of the thread (time.thread_time: other work on the machine does not count; SQLite runs in
this thread, PostgreSQL does not) and the number of SQL queries, split by part of the pipeline:
the in-transaction listeners (moderation, search, metrics, privacy), the near-duplicate
refusal, evidence, the response. ``--profile`` adds a cProfile of the whole run (top functions
by cumulative time). Prints a table; figures go to docs/benchmarks.md. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CLOCK = time.thread_time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=20_000)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--pin", action="store_true", help="pin the process to one core")
    args = parser.parse_args()
    if args.pin:
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    source = ROOT / "var" / "bench" / f"sqlite-{args.complaints}"
    var = ROOT / "var" / "bench" / f"intake-{args.complaints}"  # a fresh copy for every run
    os.environ.update(
        TOUSU_LOCAL="1",
        TOUSU_VAR_DIR=str(var),
        DJANGO_SETTINGS_MODULE="tousu.settings",
        TOUSU_API_READ_PER_MINUTE_ANON=str(10**9),
        TOUSU_API_READ_PER_MINUTE_USER=str(10**9),
        LOG_LEVEL="WARNING",
    )
    os.environ.pop("DEBUG", None)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
        if not (source / "tousu.sqlite3").exists():
            raise SystemExit(
                f"{source} is missing: run bench/run.py --complaints {args.complaints}"
            )
        import sqlite3

        var.mkdir(parents=True, exist_ok=True)
        for old in var.glob("tousu.sqlite3*"):
            old.unlink()
        with (
            sqlite3.connect(source / "tousu.sqlite3") as src,
            sqlite3.connect(var / "tousu.sqlite3") as dst,
        ):
            src.backup(dst)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    from tousu.accounts.models import Role, User
    from tousu.accounts.services import token_create
    from tousu.companies.models import Company
    from tousu.complaints import hooks, services

    settings.ALLOWED_HOSTS = ["*"]
    cpu: dict[str, list[float]] = defaultdict(list)
    queries: dict[str, list[float]] = defaultdict(list)
    current: dict[str, float] = {}
    qcount: dict[str, int] = {}
    executed = [0]

    def count_queries(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        executed[0] += 1
        return execute(sql, params, many, context)

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **kw: Any) -> Any:
            c0, q0 = CLOCK(), executed[0]
            try:
                return fn(*a, **kw)
            finally:
                current[name] = current.get(name, 0.0) + CLOCK() - c0
                qcount[name] = qcount.get(name, 0) + executed[0] - q0

        return wrapper

    # the parts of the pipeline, wrapped where they are looked up
    hooks._listeners[:] = [
        timed(f"listener {fn.__module__.removeprefix('tousu.')}", fn) for fn in hooks._listeners
    ]
    hooks._duplicate_finders[:] = [
        timed("near-duplicate refusal", f) for f in hooks._duplicate_finders
    ]
    preparers = getattr(hooks, "_text_preparers", [])  # since ADR 0026
    preparers[:] = [
        timed(f"text work before the transaction ({f.__module__.removeprefix('tousu.')})", f)
        for f in preparers
    ]
    services.store_evidence = timed("evidence", services.store_evidence)
    import tousu.api.consumer as consumer_api

    if hasattr(consumer_api, "_filed_response"):  # the 201 answer (ADR 0026)
        consumer_api._filed_response = timed("response", consumer_api._filed_response)
    consumer_api.complaint_detail_response = timed(
        "response", consumer_api.complaint_detail_response
    )
    consumer_api.prepare_uploads = timed("upload checks", consumer_api.prepare_uploads)

    company_ids = list(Company.objects.order_by("?").values_list("pk", flat=True)[:500])
    run = uuid.uuid4().hex[:6]
    tokens = []
    for i in range(50):
        user = User.objects.create_user(
            email=f"intake-{run}-{i}@example.invalid", password=None, role=Role.CONSUMER
        )
        tokens.append(token_create(user=user, name="bench")[1])
    png = _png()
    words = ["退款", "发货", "客服", "质量", "售后", "会员", "扣费", "虚假宣传"]
    rnd = random.Random(1)
    client = Client()

    def submit(n: int) -> int:
        data: dict[str, Any] = {
            "title": f"{rnd.choice(words)}问题一直没有解决 {n}-{run}",
            "details": f"第{n}次联系商家，{rnd.choice(words)}的问题拖了两周，要求按承诺处理。" * 4,
            "company_id": str(rnd.choice(company_ids)),
            "problem_types": "refund_difficult",
            "demands": "refund",
            "amount": f"{rnd.randint(10, 5000)}.00",
        }
        if n % 4 == 0:
            from django.core.files.uploadedfile import SimpleUploadedFile

            data["evidence"] = SimpleUploadedFile("shot.png", png, content_type="image/png")
        response = client.post(
            "/api/v1/complaints",
            data,
            HTTP_AUTHORIZATION=f"Bearer {tokens[n % len(tokens)]}",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        return response.status_code

    for n in range(5):  # warm up: imports, models, dictionaries
        submit(10_000 + n)
    profiler = cProfile.Profile() if args.profile else None
    failed = 0
    with connection.execute_wrapper(count_queries):
        for n in range(args.requests):
            current.clear()
            qcount.clear()
            q0 = executed[0]
            c0 = CLOCK()
            if profiler:
                profiler.enable()
            status = submit(n)
            if profiler:
                profiler.disable()
            total = CLOCK() - c0
            failed += status != 201
            cpu["whole request"].append(total)
            queries["whole request"].append(executed[0] - q0)
            for name, value in current.items():
                cpu[name].append(value)
                queries[name].append(qcount.get(name, 0))
            cpu["rest (validation, save, auth, framework)"].append(total - sum(current.values()))
            queries["rest (validation, save, auth, framework)"].append(
                executed[0] - q0 - sum(qcount.values())
            )
    from tousu.moderation import listeners

    if getattr(listeners, "in_background", bool)():  # the worker's share, measured the same way
        screen_missing = listeners.screen_missing
        c0, q0, n = CLOCK(), executed[0], 0
        with connection.execute_wrapper(count_queries):
            while done := screen_missing(limit=100):
                n += done
        if n:
            cpu["background screening (worker)"] = [(CLOCK() - c0) / n]
            queries["background screening (worker)"] = [(executed[0] - q0) / n]
    print(
        f"\n{args.requests} submissions ({failed} not 201) · {connection.vendor} · "
        f"load average {os.getloadavg()[0]:.2f} · CPU of this thread per submission"
    )
    print(f"{'part':<44}{'CPU median ms':>14}{'CPU p95 ms':>12}{'queries':>9}")
    order = sorted(
        cpu,
        key=lambda k: (k != "whole request", "worker" in k, -statistics.median(cpu[k])),
    )
    for name in order:
        c = sorted(cpu[name])
        p95 = c[min(len(c) - 1, int(len(c) * 0.95))]
        q = statistics.mean(queries[name])
        print(f"{name:<44}{statistics.median(c) * 1000:14.2f}{p95 * 1000:12.2f}{q:9.1f}")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (200, 60, 60)).save(buffer, "PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    main()
