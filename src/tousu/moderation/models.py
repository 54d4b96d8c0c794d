"""Screening results and the persistent near-duplicate index (MinHash LSH bands)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from tousu.complaints.models import Complaint


class ScreeningResult(models.Model):
    """The screening suggestion for one complaint, written in its submission transaction."""

    complaint = models.OneToOneField(
        Complaint, primary_key=True, on_delete=models.CASCADE, related_name="screening"
    )
    decision = models.CharField(max_length=10)  # accept | reject
    reason = models.CharField(max_length=30, blank=True)  # a RejectionReason value
    confidence = models.FloatField()
    top_terms = models.JSONField(default=list)
    rule = models.CharField(max_length=20, blank=True)
    scores = models.JSONField(default=dict)
    duplicate_of = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggested_sector = models.CharField(max_length=20, blank=True)
    sector_confidence = models.FloatField(default=0.0)
    suggested_problem_types = models.JSONField(default=list)
    # near-identical complaints from other consumers against the same company share a group,
    # named by its earliest complaint's id
    group_root = models.BigIntegerField(null=True, blank=True, db_index=True)
    # evidence of profit-seeking mass filing ({} when none): see duplicates.mass_filing_evidence
    mass_filing = models.JSONField(default=dict, blank=True)
    has_mass_filing = models.BooleanField(default=False, db_index=True)
    auto_accepted = models.BooleanField(default=False)
    model_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.complaint_id}: {self.decision} {self.reason} {self.confidence:.2f}"


class TextSignature(models.Model):
    """The MinHash signature of a complaint's text, with what mass-filing checks group by."""

    complaint = models.OneToOneField(
        Complaint, primary_key=True, on_delete=models.CASCADE, related_name="text_signature"
    )
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    company_id = models.BigIntegerField(db_index=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    # keyed hash of the submitting device's cookie id (``context.device_hash``), never the id;
    # no index: the mass-filing check compares it among a complaint's neighbours in memory
    device_hash = models.CharField(max_length=32, null=True, blank=True)
    minhash = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["consumer", "company_id"], name="signature_consumer_company")
        ]

    def __str__(self) -> str:
        return f"signature of {self.complaint_id}"


class SignatureBand(models.Model):
    """One LSH band of a signature: complaints sharing a key are candidate near-duplicates."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["key"], name="signature_band_key")]

    def __str__(self) -> str:
        return self.key
