"""红黑榜 generation at the 30M shape without 30M complaints (issue 6).

What a list reads is the counters, not the complaints: at 30M complaints there were 200,000
companies and 9.56M ``CompanyDay`` rows over two years. This benchmark synthesises day rows of
that shape into a database that already has the companies (``tousu bench-data --complaints
50000 --companies 200000 --no-rebuild``), fills the month rollup from them as the rebuild does,
then times ``publish`` for each period inside rolled-back transactions.

    DATABASE_URL=sqlite:///var/lists.sqlite3 python bench/lists_scale.py --synthesise 30000000
    DATABASE_URL=sqlite:///var/lists.sqlite3 python bench/lists_scale.py --runs 2

The day rows: company ``i`` (by id) gets ``complaints × w_i / Σw`` complaints, ``w_i = 1 /
(i + 1) ** 1.07`` (the generator's Zipf weights), spread evenly over ``--days`` days and two keys
(half the complaints name the company's brand); a (company, key, day) cell holds a row when
a Poisson draw of that rate is non-zero. The counters are binomial thinnings (valid 94 %,
assigned 97 %, replied 77 %, …): only their order of magnitude matters for the timing. The
expected number of rows at 30M / 200,000 / 730 days is 9.6M (the 30M run had 9,558,571).

A benchmark, never a test: it prints wall and process CPU seconds per list period (on a shared
machine CPU time is the steadier figure) and writes JSON beside the database.
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


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*args, **kwargs)
    return out, round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)


def hist_of(replied: int) -> tuple[int, ...]:
    """The first-reply histogram: every reply in the 12–24 h bucket (lists do not read it)."""
    return (0, 0, 0, replied, 0, 0, 0, 0, 0, 0, 0)


def synthesise(complaints: int, days: int, seed: int) -> dict[str, Any]:
    """Replace the day rows with ``complaints`` complaints' worth of the 30M shape."""
    import numpy as np
    from django.db import connection, transaction

    from tousu.companies.models import Brand, Company
    from tousu.metrics.models import COUNTERS, CompanyDay

    rng = np.random.default_rng(seed)
    company_ids = list(Company.objects.order_by("id").values_list("id", flat=True))
    brand_of = dict(
        Brand.objects.order_by("company_id", "id").values_list("company_id", "id").distinct()
    )
    n = len(company_ids)
    w = 1.0 / np.arange(1, n + 1) ** 1.07
    per_cell = complaints * w / w.sum() / days / 2  # Poisson rate of one (key, day) cell
    cells = days * 2
    last = date.today()
    first = last - timedelta(days=days - 1)
    day_text = [
        (first + timedelta(days=k)).isoformat()
        if connection.vendor == "sqlite"
        else first + timedelta(days=k)
        for k in range(days)
    ]
    columns = ["company_id", "brand_key", "day", *COUNTERS]
    qn = connection.ops.quote_name
    table = qn(CompanyDay._meta.db_table)
    rows_written = 0
    t0 = time.perf_counter()
    with transaction.atomic():
        CompanyDay.objects.all().delete()
        batch: list[tuple[Any, ...]] = []

        def flush() -> None:
            nonlocal rows_written
            if not batch:
                return
            batch.sort()
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cols = ", ".join(qn(c) for c in columns)
                    with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                        for row in batch:
                            copy.write_row(row)
                else:
                    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
                        table, ", ".join(qn(c) for c in columns), ", ".join(["?"] * len(columns))
                    )
                    cursor.cursor.executemany(sql, batch)
            rows_written += len(batch)
            batch.clear()

        for i, company_id in enumerate(company_ids):
            lam = per_cell[i]
            k = rng.binomial(cells, -np.expm1(-lam))
            if k == 0:
                continue
            chosen = rng.choice(cells, size=k, replace=False)
            # a zero-truncated Poisson count per chosen cell (mean λ / (1 - e^-λ))
            mean = lam / -np.expm1(-lam)
            count = 1 + rng.poisson(max(mean - 1, 0.0), size=k)
            valid = rng.binomial(count, 0.94)
            assigned = rng.binomial(valid, 0.97)
            replied = rng.binomial(assigned, 0.77)
            in_sla = rng.binomial(replied, 0.8)
            completed = rng.binomial(valid, 0.5)
            rated = rng.binomial(completed, 0.6)
            stars = rated * 3 + rng.binomial(rated * 2, 0.5)
            frt = replied * rng.integers(3600, 200_000, size=k)
            brand = brand_of.get(company_id, 0)
            for j in range(k):
                cell = int(chosen[j])
                r = int(replied[j])
                batch.append(
                    (
                        company_id,
                        brand if cell % 2 else 0,
                        day_text[cell // 2],
                        int(count[j]),  # submitted
                        int(valid[j]),
                        int(assigned[j]),
                        r,
                        int(in_sla[j]),
                        int(completed[j]),
                        int(rated[j]),
                        int(stars[j]),
                        int(stars[j]),
                        int(stars[j]),
                        int(frt[j]),
                        *hist_of(r),
                    )
                )
            if len(batch) >= 200_000:
                flush()
        flush()
        rollup = _fill_rollup()
    return {
        "day_rows": rows_written,
        "rollup_rows": rollup,
        "companies": n,
        "first_day": first.isoformat(),
        "last_day": last.isoformat(),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def _fill_rollup() -> int | None:
    """The month rollup from the day rows, as the rebuild fills it (absent before ADR 0032)."""
    try:
        from tousu.metrics import services
    except ImportError:
        return None
    fill = getattr(services, "rollup_from_days", None)
    if fill is None:
        return None
    return fill()


def lists(runs: int, source: str | None) -> dict[str, Any]:
    from django.db import transaction
    from django.utils import timezone

    from tousu.metrics import rankings

    out: dict[str, Any] = {}
    for run in range(runs):
        for kind, (start, end) in rankings.periods(timezone.localdate()).items():
            with transaction.atomic():
                # (the code before ADR 0032 has no ``rollup`` argument: run it without --source)
                kwargs = {"rollup": source == "rollup"} if source else {}
                made, wall, cpu = timed(rankings.publish, str(kind), start, end, **kwargs)
                transaction.set_rollback(True)
            entries = made[0].rated + made[0].not_rated if made else 0
            out.setdefault(str(kind), []).append(
                {"lists": len(made), "companies": entries, "wall_s": wall, "cpu_s": cpu}
            )
            print(run, kind, len(made), entries, f"{wall} s wall, {cpu} s CPU", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--synthesise", type=int, metavar="COMPLAINTS", default=0)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--source", choices=["days", "rollup"], help="read lists from")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    import django

    django.setup()
    from django.db import connection

    out: dict[str, Any] = {"db": connection.vendor, "load": os.getloadavg()}
    if args.synthesise:
        out["synthesised"] = synthesise(args.synthesise, args.days, args.seed)
        print("synthesised", out["synthesised"], flush=True)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA analysis_limit = 1000")
                cursor.execute("ANALYZE")
        else:
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
    if args.runs:
        out["lists"] = lists(args.runs, args.source)
    out["load_after"] = os.getloadavg()
    name = f"lists-scale-{connection.vendor}{'-' + args.label if args.label else ''}.json"
    (ROOT / "var" / name).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
