"""Redactions as data: every masked piece of a complaint's public copy is a row."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Field(models.TextChoices):
    TITLE = "title", _("标题")
    DETAILS = "details", _("详情")
    IMAGE = "image", _("图片")
    MESSAGE = "message", _("留言")


class Redaction(models.Model):
    """One masked span of a complaint's title or details (or, later, a box on an evidence image).

    ``original`` is the personal data itself: this table is private (staff, the consumer and the
    company's merchants); the public only ever sees ``Complaint.public_title`` /
    ``public_details`` with ``mask`` in place of the span. A redaction applies while it is
    neither reverted by staff nor superseded (the text it pointed into was edited away).
    """

    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="redactions"
    )
    field = models.CharField(max_length=10, choices=Field.choices)
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    # reserved for image evidence (part 2 of issue 5): the evidence file and [x, y, w, h]
    evidence = models.ForeignKey(
        "complaints.Evidence", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    box = models.JSONField(null=True, blank=True)
    # a later message on the timeline (a follow-up, a merchant reply, a rating comment):
    # ``field = "message"`` and spans into ``event.message`` (ADR 0012, amendment "timeline
    # messages"); the complaint is the event's, so its page cache and listing follow
    event = models.ForeignKey(
        "complaints.ComplaintEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="redactions",
    )
    kind = models.CharField(max_length=20)  # a detector kind, or "manual"
    rule = models.CharField(max_length=40)  # the rule that found it: "auto:mobile", "staff"
    original = models.TextField()
    mask = models.CharField(max_length=200)
    automatic = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["complaint_id", "field", "start", "id"]
        indexes = [models.Index(fields=["complaint", "field"], name="redaction_complaint_field")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.field}[{self.start}:{self.end}] {self.kind}"

    @property
    def is_active(self) -> bool:
        return self.reverted_at is None and self.superseded_at is None


class MessageCopy(models.Model):
    """The public copy of a timeline message, derived from its ``Redaction`` rows (``mask`` in
    place of every span that applies). Made when the message is written (in the transaction)
    or, for messages written before redaction rows existed, on first public read; remade at
    once when staff revert or add a redaction. ``source_hash`` is the SHA-256 of the message
    it was made from."""

    event = models.OneToOneField(
        "complaints.ComplaintEvent",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="public_copy",
    )
    message = models.TextField()
    source_hash = models.CharField(max_length=64)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"public copy of event {self.event_id}"


# evidence kinds that get a redacted public copy; any other kind (video) is never public
REDACTABLE_KINDS = ("image", "pdf")


class CopyState(models.TextChoices):
    PENDING = "pending", _("处理中")
    DONE = "done", _("已生成")
    UNAVAILABLE = "unavailable", _("无法识别")


def public_copy_path(instance: EvidenceCopy, filename: str) -> str:
    """Next to the original: ``evidence/…/<sha256>.public.<ext>``."""
    name = instance.evidence.file.name
    stem, _dot, ext = name.rpartition(".")
    return f"{stem}.public.{ext}"


class EvidenceCopy(models.Model):
    """The public copy of an image evidence file: the original with the personal data found by
    OCR filled black (``tousu.privacy.ocr``). Until it is ``done`` the public gets no image at
    all; ``unavailable`` (no Tesseract, an unreadable image) keeps the image private for good
    until staff or a re-run make a copy."""

    evidence = models.OneToOneField(
        "complaints.Evidence", on_delete=models.CASCADE, related_name="public_copy"
    )
    state = models.CharField(max_length=12, choices=CopyState.choices, default=CopyState.PENDING)
    file = models.FileField(upload_to=public_copy_path, max_length=220, blank=True)
    ocr_text = models.TextField(blank=True)
    ocr_ms = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"copy of evidence {self.evidence_id} ({self.state})"
