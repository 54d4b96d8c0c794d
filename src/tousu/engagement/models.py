"""In-site notifications."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    event = models.ForeignKey(
        "complaints.ComplaintEvent",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    # for reminders that have no timeline event (a reply due soon): what makes a repeat the same
    # reminder, e.g. ``due_soon:<complaint>:<deadline>``; null for event notifications
    dedupe_key = models.CharField(max_length=80, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_user_unread")]
        constraints = [
            # the worker may run a notification task twice; it must not notify twice
            models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event"),
            # a periodic reminder is sent once per key, however often its job runs
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notification_once_per_key",
            ),
        ]


class ReplyTemplate(models.Model):
    """A named reply text a company's merchants insert into a reply (``reply_templates``)."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="reply_templates"
    )
    name = models.CharField(max_length=40)
    body = models.TextField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["company_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name"], name="reply_template_unique_name")
        ]

    def __str__(self) -> str:
        return self.name
