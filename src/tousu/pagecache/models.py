"""Versions of what anonymous pages show (docs/adr/0028-public-page-cache.md)."""

from django.db import models


class PageVersion(models.Model):
    """One version per thing a public page depends on: ``c:<complaint id>``, ``p:<company id>``
    (the company's profile: name, badges, brands, aliases), ``m:<company id>`` (its figures and
    recent complaints), ``u:<user id>`` (a consumer's public name), ``l`` (the public lists) and
    ``g`` (everything: bulk writers). A change writes a new random ``value`` after its
    transaction commits; a cached page is served only while every version it was rendered under
    is unchanged. A missing row reads as 0; rows not bumped for longer than a kept page lives
    are pruned (``cache.prune``)."""

    key = models.CharField(max_length=40, primary_key=True)
    value = models.BigIntegerField()
    bumped_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"
