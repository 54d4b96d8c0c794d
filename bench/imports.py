"""Bulk import: rows/s of ``tousu import`` on a large file in a real format.

    python bench/imports.py --rows 200000                       # SQLite file under var/bench/
    DATABASE_URL=postgres://… python bench/imports.py --rows 200000 --reset   # PostgreSQL

Writes (once) ``var/bench/imports/cfpb-<rows>.csv``: the rows of a real CFPB export
(default ``../shared/data/cfpb-sample-ziyuyan9/complaints_sample.csv``; it stays under ``var/``,
never in the repository) multiplied and varied — copy *k* gets new Complaint IDs, dates moved
back *k* days, its narrative's sentences rotated and its numbers changed — so keys, days and
texts differ as in a real load. Then imports it into an empty database and reports:

- the load (parse, history replay, bulk insert, outbox marks) and the read-model catch-up
  (public copies, near-duplicate index, metric counters, search documents) separately, with
  rows/s for each and for the whole;
- a second run of the same file (everything *already imported*);
- ``uptime``'s load average before and after (the machine is shared: read figures with it).

Prints a table and writes ``var/bench/imports-<db>-<rows>-<time>.json``. A benchmark, never a
test: it asserts no target. ``--profile`` writes a cProfile of the import next to the JSON.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = ROOT.parent / "shared/data/cfpb-sample-ziyuyan9/complaints_sample.csv"
_NUMBER = re.compile(r"\d+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _shift(value: str, days: int) -> str:
    """A CFPB date (YYYY/M/D, YYYY-MM-DD or MM/DD/YYYY) moved back ``days``, as YYYY-MM-DD."""
    value = value.strip()
    if not value or value in {"None", "N/A"}:
        return value
    if "/" in value and len(value.split("/")[0]) == 4:
        y, m, d = (int(x) for x in value.split("/"))
    elif "-" in value:
        y, m, d = (int(x) for x in value.split("-"))
    else:
        m, d, y = (int(x) for x in value.split("/"))
    return (date(y, m, d) - timedelta(days=days)).isoformat()


def _vary(text: str, k: int) -> str:
    if not text or k == 0:
        return text
    sentences = _SENTENCE.split(text)
    r = k % len(sentences)
    text = " ".join(sentences[r:] + sentences[:r])
    return _NUMBER.sub(lambda m: str((int(m.group()) + k) % (10 ** len(m.group()))), text)


def write_file(source: Path, rows: int, out: Path) -> None:
    """``rows`` rows: the source's rows copied and varied (see the module docstring)."""
    with source.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        base = list(reader)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        written, k = 0, 0
        while written < rows:
            for row in base:
                if written >= rows:
                    break
                new = dict(row)
                if k:
                    new["Complaint ID"] = str(int(row["Complaint ID"]) + k * 10_000_000)
                    days = k % 1500
                    new["Date received"] = _shift(row["Date received"], days)
                    new["Date sent to company"] = _shift(row["Date sent to company"], days)
                    new["Consumer complaint narrative"] = _vary(
                        row["Consumer complaint narrative"], k
                    )
                writer.writerow(new)
                written += 1
            k += 1
    tmp.replace(out)


def setup(db_path: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tousu.settings")
    os.environ.setdefault("TOUSU_LOCAL", "1")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{db_path}")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--reset", action="store_true", help="flush a non-empty database first")
    parser.add_argument("--reference", action="store_true", help="the reference (slow) path")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--workers", type=int, default=1, help="catch-up threads (PostgreSQL only)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file afterwards")
    args = parser.parse_args()

    out_dir = ROOT / "var" / "bench"
    data = out_dir / "imports" / f"cfpb-{args.rows}.csv"
    if not data.exists():
        print(f"writing {data} …", file=sys.stderr)
        write_file(args.source, args.rows, data)
    db_path = out_dir / "imports" / f"imports-{args.rows}.sqlite3"
    if "DATABASE_URL" not in os.environ:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    setup(db_path)

    from django.core.management import call_command
    from django.db import connection

    from tousu.complaints.models import Complaint, ComplaintEvent
    from tousu.imports.services import import_file

    if Complaint.objects.exists():
        if not args.reset:
            sys.exit("the database holds complaints: use an empty one, or --reset")
        call_command("flush", interactive=False, verbosity=0)

    results: dict[str, Any] = {
        "rows": args.rows,
        "database": connection.vendor,
        "file": str(data),
        "file_bytes": data.stat().st_size,
        "batch_size": args.batch_size,
        "path": "reference" if args.reference else "deferred",
        "workers": args.workers,
        "cpus": os.cpu_count(),
        "uptime_before": uptime(),
        "load_before": load_average(),
    }
    stamp = time.strftime("%Y%m%d-%H%M%S")
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    cpu0 = time.process_time()
    report = import_file(
        format_name="cfpb",
        path=data,
        batch_size=args.batch_size,
        deferred=not args.reference,
        workers=args.workers,
    )
    cpu = time.process_time() - cpu0
    if profiler is not None:
        profiler.disable()
        prof = out_dir / f"imports-{connection.vendor}-{args.rows}-{stamp}.prof"
        profiler.dump_stats(prof)
        results["profile"] = str(prof)
    results["load_after"] = load_average()
    results["uptime_after"] = uptime()
    created = report.counts.get("created", 0)
    results["first_run"] = {
        "counts": report.counts,
        "seconds": round(report.seconds, 2),
        "process_cpu_seconds": round(cpu, 2),
        "load_seconds": round(report.load_seconds, 2),
        "read_model_seconds": round(report.read_model_seconds, 2),
        "rows_per_second": round(args.rows / report.seconds),
        "load_rows_per_second": round(args.rows / max(report.load_seconds, 1e-6)),
        "read_model_rows_per_second": round(created / max(report.read_model_seconds, 1e-6)),
        "complaints": Complaint.objects.count(),
        "events": ComplaintEvent.objects.count(),
    }
    again = import_file(format_name="cfpb", path=data, batch_size=args.batch_size)
    results["second_run"] = {
        "counts": again.counts,
        "seconds": round(again.seconds, 2),
        "rows_per_second": round(args.rows / again.seconds),
    }
    out = out_dir / f"imports-{connection.vendor}-{args.rows}-{stamp}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    f, s = results["first_run"], results["second_run"]
    print(f"{'import':<34}{'seconds':>10}{'rows/s':>10}")
    print(
        f"{'load (parse, replay, insert)':<34}{f['load_seconds']:>10}"
        f"{f['load_rows_per_second']:>10}"
    )
    print(
        f"{'read models (catch-up)':<34}{f['read_model_seconds']:>10}"
        f"{f['read_model_rows_per_second']:>10}"
    )
    print(f"{'whole first run':<34}{f['seconds']:>10}{f['rows_per_second']:>10}")
    print(f"{'second run (already imported)':<34}{s['seconds']:>10}{s['rows_per_second']:>10}")
    print(
        f"{connection.vendor}, {args.rows} rows, {created} created; load {results['load_before']}"
        f" → {results['load_after']}; {out}"
    )
    if str(db_path) in os.environ.get("DATABASE_URL", "") and not args.keep:
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
