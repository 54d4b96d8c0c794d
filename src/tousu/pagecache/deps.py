"""What kept pages and API answers depend on (docs/adr/0028-public-page-cache.md): the version
keys of a complaint's public page and of its public API detail."""

from __future__ import annotations

from . import cache


def complaint_deps(number: str) -> list[str] | None:
    """A public complaint's page or API detail shows the complaint (its events, evidence,
    ratings, public copy), its company's profile (name, badges, brand) and its author's public
    name. None (not kept) for a number that is not a complaint."""
    from tousu.complaints.models import Complaint

    row = (
        Complaint.objects.filter(public_number=(number or "").upper())
        .values_list("pk", "company_id", "consumer_id")
        .first()
    )
    if row is None:
        return None
    pk, company_id, consumer_id = row
    return [cache.complaint_key(pk), cache.company_key(company_id), cache.user_key(consumer_id)]
