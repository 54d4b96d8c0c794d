"""``tousu privacy-backfill``: compute the public (redacted) copy of complaints that lack one."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tousu.privacy.services import backfill


class Command(BaseCommand):
    help = "Compute the redacted public copy of every complaint that lacks a current one."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every complaint")
        parser.add_argument("--batch", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        done = backfill(batch=options["batch"], all_=options["all"])
        self.stdout.write(f"public copies computed: {done}")
