"""``tousu rebuild-duplicates``: recompute the near-duplicate index (MinHash signatures and LSH
bands) from the complaints, e.g. after a bulk load that bypassed the services or a change of
the shingling. ``--rescreen`` also screens again every complaint waiting for review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction


class Command(BaseCommand):
    help = "Rebuild the near-duplicate index (and optionally re-screen pending complaints)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--rescreen", action="store_true", help="screen pending complaints again"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from tousu.complaints.models import Complaint
        from tousu.complaints.states import Status
        from tousu.moderation import duplicates
        from tousu.moderation.listeners import record_screening
        from tousu.moderation.models import TextSignature

        with transaction.atomic():
            n = duplicates.rebuild()
        self.stdout.write(f"indexed {n} complaints")
        if options["rescreen"]:
            done = 0
            pending = Complaint.objects.filter(status=Status.PENDING_REVIEW).select_related(
                "company"
            )
            for complaint in pending.iterator(chunk_size=500):
                with transaction.atomic():
                    # indexed just now, with the stored address and device: screen with them
                    # (re-indexing here would replace them with those of no request)
                    sig = TextSignature.objects.filter(pk=complaint.pk).first()
                    record_screening(
                        complaint,
                        now=complaint.submitted_at,
                        client_ip=sig.client_ip if sig else None,
                        device_hash=sig.device_hash if sig else None,
                        indexed=sig is not None,
                    )
                done += 1
            self.stdout.write(f"screened {done} pending complaints")
