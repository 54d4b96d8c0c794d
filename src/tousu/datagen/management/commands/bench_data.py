"""``tousu bench-data --complaints N [--db URL]``: realistic synthetic complaints in bulk.

Writes companies, consumers and complaints with whole timelines into the configured database
(``--db`` or ``DATABASE_URL``; SQLite by default), the ground truth (personal data positions,
injected surges) as JSON Lines beside it, then rebuilds the read models. See
docs/benchmarks.md ("Data generation") and docs/adr/0015-bulk-generated-data.md.
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tousu.datagen.generate import Plan
from tousu.datagen.load import load, rebuild_read_models


def _default_processes(complaints: int) -> int:
    """Two from 100,000 complaints: a forked child generates while this process writes. On
    PostgreSQL that overlaps the client's encoding with the server's work (1M: 13,054/s against
    8,414/s). SQLite writes in this process: on the shared machine a child made it slower
    (1M: 6,683/s against 10,242/s), so one process (docs/benchmarks.md, "Data generation")."""
    from django.db import connection

    cores = os.cpu_count() or 1
    if complaints < 100_000 or cores < 2:
        return 1
    return 2 if connection.vendor == "postgresql" else 1


class Command(BaseCommand):
    help = "Generate N realistic complaints with timelines and ground truth (bulk, fast)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--complaints", type=int, required=True)
        parser.add_argument("--companies", type=int, default=None)
        parser.add_argument("--consumers", type=int, default=None)
        parser.add_argument(
            "--days", type=int, default=None, help="history length (default 365/730)"
        )
        parser.add_argument("--surges", type=int, default=None, help="injected surges")
        parser.add_argument(
            "--surge-scale", type=float, default=None, help="surge size factor (1 = default)"
        )
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--end", default=None, help="last moment, ISO (default: now)")
        parser.add_argument("--batch", type=int, default=50_000, help="complaints per chunk")
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="2: a forked process generates while this one writes (default: 2 on PostgreSQL "
            "from 100,000 complaints, else 1)",
        )
        parser.add_argument(
            "--writers",
            type=int,
            default=2,
            help="PostgreSQL: connections that COPY chunks at the same time (default 2)",
        )
        parser.add_argument(
            "--keep-indexes",
            action="store_true",
            help="do not drop the secondary indexes during a big load (default: drop them from "
            "100,000 complaints and rebuild them at the end)",
        )
        parser.add_argument("--truth", default=None, help="ground-truth folder")
        parser.add_argument("--no-rebuild", action="store_true", help="skip read-model rebuilds")
        parser.add_argument(
            "--db", default=None, help="database URL (handled by the tousu command)"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["complaints"] < 1:
            raise CommandError("--complaints must be at least 1")
        end = timezone.now()
        if opts["end"]:
            end = datetime.fromisoformat(opts["end"])
            if end.tzinfo is None:
                end = end.replace(tzinfo=UTC)
        over = {
            k: opts[k]
            for k in ("companies", "consumers", "days", "surges", "surge_scale")
            if opts[k] is not None
        }
        from tousu.complaints.models import Complaint

        # a rerun adds complaints: a different seed per existing size, same companies
        seed = opts["seed"] + Complaint.objects.count()
        plan = Plan.for_size(opts["complaints"], end=end, seed=seed, **over)
        plan = Plan(**{**vars(plan), "seed": seed})
        truth = Path(opts["truth"] or Path(settings.VAR_DIR) / "bench-data")
        self.stdout.write(
            f"generating {plan.complaints:,} complaints · {plan.companies:,} companies · "
            f"{plan.consumers:,} consumers · {plan.days} days · {plan.surges} surges → {truth}"
        )
        processes = opts["processes"] or _default_processes(plan.complaints)
        manifest = load(
            plan, truth_dir=truth, batch=opts["batch"], out=sys.stderr, processes=processes,
            writers=opts["writers"],
            drop_indexes=False if opts["keep_indexes"] else None,
        )  # fmt: skip
        self.stdout.write(
            f"{manifest['counts']['complaints']:,} complaints, {manifest['counts']['events']:,} "
            f"events, {manifest['counts']['ratings']:,} ratings in {manifest['total_seconds']} s "
            f"(rows {manifest['load_seconds']} s, indexes {manifest['index_seconds']} s): "
            f"{manifest['complaints_per_second']:,} complaints/s"
        )
        if not opts["no_rebuild"]:
            timings = rebuild_read_models(sys.stdout)
            for name, seconds in timings.items():
                self.stdout.write(f"{name}: {seconds} s")
