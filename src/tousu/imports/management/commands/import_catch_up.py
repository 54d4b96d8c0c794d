"""``tousu import-catch-up``: bring the read models (search, metrics, public copies,
near-duplicate index) up to date for imported complaints an interrupted ``tousu import`` left
marked (ADR 0025). ``tousu import`` and the worker do this too; this is the manual door."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tousu.imports.services import read_models_catch_up


class Command(BaseCommand):
    help = "Bring the read models up to date for imported complaints still marked pending"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--workers",
            type=int,
            default=1,
            help="threads (PostgreSQL only; SQLite has one writer)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = read_models_catch_up(
            batch_size=max(1, options["batch_size"]), workers=max(1, options["workers"])
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"{done.complaints} complaints brought up to date in {done.seconds:.1f} s"
            )
        )
