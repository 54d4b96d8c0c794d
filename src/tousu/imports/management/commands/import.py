"""``tousu import FORMAT FILE``: import complaints from a file of another platform.

Prints the bad rows with their line numbers and reasons, and a summary. Running it again on the
same file creates nothing new; after an interruption it resumes where it stopped.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.common.errors import DomainError
from tousu.imports.formats import FORMATS
from tousu.imports.models import ImportRun
from tousu.imports.services import import_file


class Command(BaseCommand):
    help = "Import complaints from a file: " + "; ".join(
        f"{f.name} ({f.description})" for f in FORMATS.values()
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("format", choices=sorted(FORMATS))
        parser.add_argument("file", type=Path)
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--reference",
            action="store_true",
            help="the reference path: read models updated inside each batch (slow; ADR 0025)",
        )
        parser.add_argument(
            "--show", type=int, default=50, help="how many bad or duplicate rows to list"
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="threads of the read-model catch-up (PostgreSQL only; SQLite has one writer)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        show: int = options["show"]
        tty = sys.stderr.isatty()

        def progress(run: ImportRun) -> None:
            if tty:
                c = run.counts
                sys.stderr.write(
                    f"\r{run.checkpoint} rows read, {c.get('created', 0)} created, "
                    f"{c.get('bad', 0)} bad"
                )
                sys.stderr.flush()

        try:
            report = import_file(
                format_name=options["format"],
                path=path,
                batch_size=max(1, options["batch_size"]),
                progress=progress,
                deferred=not options["reference"],
                workers=max(1, options["workers"]),
            )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if tty:
            sys.stderr.write("\n")
        if report.resumed_from:
            self.stdout.write(
                f"resumed run {report.run_id}: the first {report.resumed_from} rows were "
                "imported before the interruption"
            )
        listed = [p for p in report.new_problems if p["kind"] == "bad"]
        listed += [p for p in report.new_problems if p["kind"] != "bad"]
        for p in listed[:show]:
            self.stdout.write(f"{path}:{p['line']}: {p['kind']}: {p['reason']}")
        if len(listed) > show:
            self.stdout.write(f"… and {len(listed) - show} more (ImportRun {report.run_id})")
        c = report.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{report.format} {path}: {c.get('created', 0)} created, "
                f"{c.get('already_imported', 0)} already imported, "
                f"{c.get('duplicates', 0)} duplicates, {c.get('bad', 0)} bad rows skipped, "
                f"{c.get('repaired', 0)} repaired (mojibake), "
                f"{c.get('skipped', 0)} repeated headers; {report.seconds:.1f} s "
                f"(load {report.load_seconds:.1f} s, read models "
                f"{report.read_model_seconds:.1f} s; run {report.run_id})"
            )
        )
