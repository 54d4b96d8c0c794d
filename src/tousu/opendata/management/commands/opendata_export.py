"""``tousu opendata-export [--day YYYY-MM-DD]``: build the open-data release now (the worker
does it daily); prints where it is and its checksums."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.opendata.export import release_build, releases_prune


class Command(BaseCommand):
    help = "Build today's open-data release (public complaints as CSV and JSON Lines)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", help="release date, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["day"]:
            try:
                day = date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"--day must be YYYY-MM-DD, not {options['day']!r}") from exc
        release = release_build(day=day)
        releases_prune()
        self.stdout.write(f"{release.path}  rows={release.manifest['rows']}")
        for f in release.manifest["files"]:
            self.stdout.write(f"  {f['sha256']}  {f['name']}  {f['bytes']} bytes")
