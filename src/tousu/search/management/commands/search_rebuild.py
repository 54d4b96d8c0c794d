"""``tousu search-rebuild``: re-derive the search index from the complaints, in bulk.

Safe to run on a live site (each batch is one transaction; see ``index.rebuild_all`` for what
searches see meanwhile); prints the rate as it goes and the CPU time of this process.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from tousu.search import index, suggest
from tousu.search.backends import backend_for
from tousu.search.text import dictionary_reload


class Command(BaseCommand):
    help = "Rebuild the full-text search index and the company typeahead keys."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=5000)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, int(options["batch"]))
        dictionary_reload()
        with transaction.atomic():
            backend_for(connection).install(connection)  # triggers survive table rebuilds
        last_report = [0.0]

        def progress(done: int, elapsed: float) -> None:
            if elapsed - last_report[0] >= 5:
                last_report[0] = elapsed
                self.stdout.write(f"{done} complaints indexed, {done / elapsed:,.0f}/s")

        stats = index.rebuild_all(batch=batch, progress=progress)
        # fresh planner statistics for the rebuilt tables (SQLite has none otherwise: ADR 0027)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")
        started = time.monotonic()
        with transaction.atomic():
            keys = suggest.rebuild_all()
        keys_seconds = time.monotonic() - started
        n = stats.complaints
        self.stdout.write(
            self.style.SUCCESS(
                f"search index rebuilt: {n} complaints in {stats.seconds:.1f} s "
                f"({n / max(stats.seconds, 1e-9):,.0f}/s wall, "
                f"{n / max(stats.cpu_seconds, 1e-9):,.0f}/s per CPU second of this process); "
                f"{keys} typeahead keys in {keys_seconds:.1f} s"
            )
        )
        parts = ", ".join(f"{k} {v:.1f} s" for k, v in stats.cpu_parts.items() if v >= 0.05)
        self.stdout.write(f"CPU of this process: {parts}")
