"""``tousu search-rebuild``: re-derive the search index from the complaints, in batches.

Safe to run on a live site (each batch is one transaction); prints the rate as it goes.
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
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args: Any, **options: Any) -> None:
        batch = max(1, int(options["batch"]))
        dictionary_reload()
        with transaction.atomic():
            backend_for(connection).install(connection)  # triggers survive table rebuilds
        started = time.monotonic()
        done, last = 0, 0
        while True:
            n, last = index.rebuild_batch(last, batch)
            if not n:
                break
            done += n
            elapsed = time.monotonic() - started
            self.stdout.write(f"{done} complaints indexed, {done / max(elapsed, 1e-9):,.0f}/s")
        with transaction.atomic():
            keys = suggest.rebuild_all()
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"search index rebuilt: {done} complaints in {elapsed:.1f} s "
                f"({done / max(elapsed, 1e-9):,.0f}/s), {keys} typeahead keys"
            )
        )
