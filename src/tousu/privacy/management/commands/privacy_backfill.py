"""``tousu privacy-backfill``: compute the public (redacted) copy of complaints, and of public
timeline messages (follow-ups, replies, rating comments), that lack a current one. Batched, one
transaction per batch, idempotent: an interrupted run is resumed by running it again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from tousu.privacy.services import backfill


class Command(BaseCommand):
    help = (
        "Compute the redacted public copy (and redaction rows) of every complaint and every "
        "public timeline message that lacks a current one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--all", action="store_true", help="recompute every complaint")
        parser.add_argument("--batch", type=int, default=500)
        parser.add_argument(
            "--skip-messages", action="store_true", help="complaints only, no timeline messages"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        done = backfill(
            batch=options["batch"], all_=options["all"], messages=not options["skip_messages"]
        )
        self.stdout.write(
            f"public copies computed: {done.complaints} complaints, {done.messages} messages"
        )
