"""Merchant onboarding (company claims), company API keys and webhooks.

See docs/adr/0010-merchant-onboarding-keys-webhooks.md for the decisions behind these models.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# --- onboarding: a merchant claims a company ------------------------------------------------


class ClaimState(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("未通过")
    REVOKED = "revoked", _("已撤销认证")
    WITHDRAWN = "withdrawn", _("申请人已撤回")


def licence_path(instance: CompanyClaim, filename: str) -> str:
    """A random name under ``licences/``: never served except through the checking views."""
    return f"licences/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{instance.licence_ext}"


class CompanyClaim(models.Model):
    """A person asks to be recognised as the company: business licence + USCC, staff decide.

    Approval makes the claimant the company's first owner (管理员) and the company verified;
    see ``tousu.merchants.onboarding``.
    """

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="claims"
    )
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_claims"
    )
    uscc = models.CharField(_("统一社会信用代码"), max_length=18)
    contact_name = models.CharField(_("联系人姓名"), max_length=40)
    contact_title = models.CharField(_("职务"), max_length=40, blank=True)
    note = models.CharField(_("补充说明"), max_length=500, blank=True)
    # the business licence (营业执照): private, re-encoded like evidence
    licence = models.FileField(upload_to=licence_path, max_length=200)
    licence_content_type = models.CharField(max_length=40)
    licence_ext = models.CharField(max_length=8)
    licence_size = models.PositiveIntegerField()
    licence_sha256 = models.CharField(max_length=64)
    licence_original_name = models.CharField(max_length=200, blank=True)

    state = models.CharField(max_length=10, choices=ClaimState.choices, default=ClaimState.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    # shown to the claimant (the reason of a rejection, a note on approval)
    review_message = models.CharField(max_length=500, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoke_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "id"], name="claim_state_id")]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "claimant"],
                condition=models.Q(state="pending"),
                name="claim_one_pending_per_claimant",
            )
        ]

    def __str__(self) -> str:
        return f"claim {self.pk} of company {self.company_id} ({self.state})"


# --- company API keys ------------------------------------------------------------------------


class ApiScope(models.TextChoices):
    READ = "read", _("读取投诉")
    REPLY = "reply", _("回复、提出方案、申请完成")


class CompanyApiKey(models.Model):
    """A named, scoped, revocable key of one company. Only the SHA-256 of the secret is stored.

    Writes made with the key are recorded on the timeline as the company admin who created it
    (the person accountable for the key); the key stops working when that person is no longer an
    active member of the company (docs/adr/0008).
    """

    PREFIX = "tsm_"

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="api_keys"
    )
    name = models.CharField(max_length=60)
    scopes = models.JSONField(default=list)
    key_prefix = models.CharField(max_length=16, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiKeyAction(models.Model):
    """Audit: a write made through a company API key (the timeline names the key's creator)."""

    key = models.ForeignKey(CompanyApiKey, on_delete=models.CASCADE, related_name="actions")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    action = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]


# --- webhooks --------------------------------------------------------------------------------


class WebhookEventType(models.TextChoices):
    COMPLAINT_ASSIGNED = "complaint.assigned", _("新投诉分配给企业")
    FOLLOW_UP = "complaint.follow_up", _("消费者补充投诉")
    COMPLETION_CONFIRMED = "complaint.completion_confirmed", _("消费者确认完成")
    COMPLETION_DISPUTED = "complaint.completion_disputed", _("消费者对完成申请有异议")
    SLA_DUE_SOON = "complaint.sla_due_soon", _("即将超过回复时限")
    SLA_OVERDUE = "complaint.sla_overdue", _("已超过回复时限")


# sent by the console's "send a test event" button; not subscribable
PING_EVENT = "ping"


class WebhookEndpoint(models.Model):
    """A company's receiver: HTTPS URL, signing secret, the event types it wants."""

    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=100, blank=True)
    # needed in clear to sign (HMAC); shown to the company's admins only
    secret = models.CharField(max_length=80)
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["company", "is_active"], name="webhook_company_active")]

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("待发送")
    SUCCEEDED = "succeeded", _("成功")
    FAILED = "failed", _("失败")


class WebhookDelivery(models.Model):
    """One event for one endpoint: the exact body, its attempts, when to try next.

    ``event_id`` names the event (the same for every endpoint and every replay: receivers
    de-duplicate on it); ``delivery_id`` names this delivery (a replay is a new delivery).
    """

    delivery_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40)
    # what produced it (a timeline event, an SLA deadline): one original delivery per endpoint
    dedupe_key = models.CharField(max_length=120)
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # when the next attempt is due; while an attempt runs, the end of its lease
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    # a replay goes with its original (SET_NULL would turn it into a second "original")
    replay_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replays"
    )

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_state_due"),
            models.Index(fields=["endpoint", "id"], name="delivery_endpoint_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "dedupe_key"],
                condition=models.Q(replay_of__isnull=True),
                name="delivery_once_per_endpoint",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.endpoint_id} ({self.state})"


class WebhookAttempt(models.Model):
    """The log of one HTTP attempt: request headers, response code and excerpt, time, error."""

    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log"
    )
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    request_url = models.CharField(max_length=500)
    request_headers = models.JSONField(default=dict)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.CharField(max_length=2000, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def ok(self) -> bool:
        return self.response_status is not None and 200 <= self.response_status < 300
