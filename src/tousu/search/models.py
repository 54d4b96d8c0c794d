"""The search read model: one row per complaint, kept in step by ``tousu.search.index``.

The full-text part lives beside it, created by migration 0002 for the configured database:
SQLite, an external-content FTS5 table ``search_fts`` over ``title_tokens``/``body_tokens``
kept by triggers; PostgreSQL, a stored ``tsv`` column (``to_tsvector('simple', …)``) with a
GIN index. Filters and facets read the ordinary columns.
"""

from __future__ import annotations

from django.db import models

from tousu.companies.models import Company
from tousu.complaints.models import Complaint


class SearchDocument(models.Model):
    complaint = models.OneToOneField(
        Complaint, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # plain integers, not foreign keys: a company merge re-points them (index.on_company_gone)
    company_id = models.BigIntegerField()
    brand_id = models.BigIntegerField(null=True)
    sector = models.CharField(max_length=20)
    # the consumer's region (GB/T 2260 code), "" when unknown; filtered by code prefix
    region_code = models.CharField(max_length=6, blank=True)
    status = models.CharField(max_length=24)
    # bit i set = the i-th ProblemType / Demand choice (tousu.search.documents.PROBLEM_BITS …)
    problem_mask = models.IntegerField(default=0)
    demand_mask = models.IntegerField(default=0)
    submitted_ts = models.BigIntegerField(help_text="submitted_at, Unix seconds")
    amount_cents = models.BigIntegerField(null=True)
    has_reply = models.BooleanField(default=False)
    is_overdue = models.BooleanField(default=False)
    is_public = models.BooleanField(default=False)
    # the public text cut by tousu.search.text.segment (space-separated tokens)
    title_tokens = models.TextField(blank=True)
    body_tokens = models.TextField(blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["is_public", "submitted_ts"], name="searchdoc_public_ts"),
            models.Index(fields=["company_id", "submitted_ts"], name="searchdoc_company_ts"),
            models.Index(fields=["status", "submitted_ts"], name="searchdoc_status_ts"),
            models.Index(fields=["sector", "submitted_ts"], name="searchdoc_sector_ts"),
            models.Index(fields=["region_code"], name="searchdoc_region"),
            models.Index(fields=["amount_cents"], name="searchdoc_amount"),
            models.Index(fields=["submitted_ts"], name="searchdoc_ts"),
            # every filter and facet column, led by the key: the window of matches joins its
            # ids here and reads ≈60-byte index entries instead of the table's rows, which
            # carry the token text (1–2 KB each; ADR 0027)
            models.Index(
                fields=[
                    "complaint",
                    "is_public",
                    "company_id",
                    "brand_id",
                    "sector",
                    "region_code",
                    "status",
                    "problem_mask",
                    "demand_mask",
                    "submitted_ts",
                    "amount_cents",
                    "has_reply",
                    "is_overdue",
                ],
                name="searchdoc_cover",
            ),
        ]

    def __str__(self) -> str:
        return f"search document {self.pk}"


class SuggestKind(models.TextChoices):
    NAME = "name"
    ALIAS = "alias"
    BRAND = "brand"
    PINYIN = "pinyin"
    INITIALS = "initials"


class SuggestKey(models.Model):
    """A key a company can be typed as: its normalised name, aliases, brands, and their full
    pinyin and initials. Prefix-matched by the typeahead, ranked by ``volume``."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=240)
    kind = models.CharField(max_length=10, choices=SuggestKind.choices)
    label = models.CharField(max_length=120, help_text="the name, alias or brand matched")
    # public complaints of the company (kept by tousu.search.index)
    volume = models.IntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["key"], name="suggestkey_key"),
            models.Index(fields=["company"], name="suggestkey_company"),
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.company_id}"
