"""``tousu metrics-rebuild``: recompute every metric counter from the complaint timelines."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tousu.metrics.services import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the metric counters (ComplaintMetric, CompanyDay and its month and all-time"
        " rollups, problem types, submissions) from the timelines."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = rebuild()
        self.stdout.write(
            f"rebuilt {result['complaints']} complaints into {result['day_rows']} day rows "
            f"in {result['seconds']} s"
        )
