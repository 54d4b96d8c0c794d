"""``tousu partner-key create|revoke|list``: partner API keys for media and researchers."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tousu.common.errors import DomainError
from tousu.partners.models import PartnerKey
from tousu.partners.services import partner_key_create, partner_key_revoke


class Command(BaseCommand):
    help = "Create, revoke or list partner API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create")
        create.add_argument("--name", required=True)
        create.add_argument("--organisation", required=True)
        create.add_argument("--email", required=True)
        create.add_argument("--scopes", default="read", help="comma-separated: read,insights")
        create.add_argument("--per-minute", type=int, default=300)
        create.add_argument("--daily-quota", type=int, default=100_000)
        revoke = sub.add_parser("revoke")
        revoke.add_argument("key_id", type=int)
        sub.add_parser("list")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                key, raw = partner_key_create(
                    name=options["name"],
                    organisation=options["organisation"],
                    contact_email=options["email"],
                    scopes=[s.strip() for s in options["scopes"].split(",") if s.strip()],
                    per_minute=options["per_minute"],
                    daily_quota=options["daily_quota"],
                )
                self.stdout.write(f"key {key.pk} for {key.organisation}: {raw}")
                self.stdout.write("Shown once: give it to the partner now; only its hash is kept.")
            elif options["action"] == "revoke":
                key = partner_key_revoke(key_id=options["key_id"])
                self.stdout.write(f"revoked {key}")
            else:
                for key in PartnerKey.objects.all():
                    state = "active" if key.is_active else "revoked"
                    self.stdout.write(
                        f"{key.pk}\t{key}\t{','.join(key.scopes)}\t"
                        f"{key.per_minute}/min\t{key.daily_quota}/day\t{state}"
                    )
        except DomainError as exc:
            raise CommandError(exc.message) from exc
