"""``tousu surge-scan [--day D | --from D --to D]``: detect complaint surges (daily job)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.insights.services import surge_scan


class Command(BaseCommand):
    help = "Detect complaint surges for a day (default yesterday) or a range of days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=date.fromisoformat)
        parser.add_argument("--from", dest="first", type=date.fromisoformat)
        parser.add_argument("--to", dest="last", type=date.fromisoformat)

    def handle(self, *args: Any, **opts: Any) -> None:
        if opts["first"] or opts["last"]:
            if not (opts["first"] and opts["last"]) or opts["first"] > opts["last"]:
                raise CommandError("--from and --to go together, --from first")
            day = opts["first"]
            while day <= opts["last"]:
                self.stdout.write(f"{day}: {surge_scan(day)}")
                day += timedelta(days=1)
            return
        self.stdout.write(str(surge_scan(opts["day"])))
