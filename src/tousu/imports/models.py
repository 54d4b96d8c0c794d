"""Bookkeeping of imports: one ``ImportRun`` per file and format, one ``ImportedRecord`` per
source record (its stable external key), so that a second run creates nothing new and an
interrupted run resumes where its last committed batch ended."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class RunState(models.TextChoices):
    RUNNING = "running", "running"  # started, or interrupted (then the next run resumes it)
    FINISHED = "finished", "finished"


class ImportRun(models.Model):
    format = models.CharField(max_length=20)
    source = models.CharField(max_length=20)
    path = models.CharField(max_length=500)
    file_sha256 = models.CharField(max_length=64)
    file_size = models.BigIntegerField()
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.RUNNING)
    # items of the file (records, bad rows, skipped header rows) handled by committed batches;
    # a resumed run skips that many without looking at them again
    checkpoint = models.PositiveIntegerField(default=0)
    # created, already_imported, duplicates, bad, repaired, skipped
    counts = models.JSONField(default=dict)
    # [{"line": 12, "kind": "bad" | "duplicate", "reason": "…"}], the first MAX_PROBLEMS
    problems = models.JSONField(default=list)
    resumed = models.PositiveIntegerField(default=0, help_text="how many times it was resumed")
    started_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["format", "file_sha256"], name="importrun_format_sha")]

    def __str__(self) -> str:
        return f"{self.format} {self.path} ({self.state})"


class ImportedRecord(models.Model):
    """A source record that became a complaint; ``(source, external_key)`` is unique."""

    source = models.CharField(max_length=20)
    external_key = models.CharField(max_length=80)
    complaint = models.OneToOneField(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="import_record"
    )
    run = models.ForeignKey(ImportRun, null=True, on_delete=models.SET_NULL, related_name="+")
    line = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    # the outbox of the bulk load (ADR 0025): True from the transaction that wrote the complaint
    # until the transaction that brought the read models (search, metrics, public copy,
    # near-duplicate index) up to date for it (``services.read_models_catch_up``)
    read_models_pending = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "external_key"], name="imported_record_key")
        ]
        indexes = [
            models.Index(
                fields=["complaint"],
                name="imported_record_pending",
                condition=models.Q(read_models_pending=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.external_key}"
