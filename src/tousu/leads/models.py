"""Leads (defect and police), their complaints, their audit trail; fraud tips and the
identifiers (phone, domain, app, account) that tie tips and complaints together."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LeadKind(models.TextChoices):
    DEFECT = "defect", _("缺陷线索")
    POLICE = "police", _("案件线索")


class LeadStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SENT = "sent", _("已移送")
    ACKNOWLEDGED = "acknowledged", _("已接收")
    CLOSED = "closed", _("已办结")


class ScamType(models.TextChoices):
    FAKE_INVESTMENT = "fake_investment", _("虚假投资理财")
    ILLEGAL_LENDING = "illegal_lending", _("非法放贷与暴力催收")
    GAMBLING = "gambling", _("网络赌博")
    PYRAMID = "pyramid", _("传销")
    FAKE_SHOPPING = "fake_shopping", _("虚假购物/刷单返利")
    IMPERSONATION = "impersonation", _("冒充客服/公检法")
    ROMANCE = "romance", _("网络交友诱导")
    FRAUD = "fraud", _("其他诈骗")


class IndicatorKind(models.TextChoices):
    PHONE = "phone", _("电话号码")
    DOMAIN = "domain", _("网址")
    APP = "app", _("App 名称")
    ACCOUNT = "account", _("收款账号")


class Lead(models.Model):
    kind = models.CharField(max_length=10, choices=LeadKind.choices)
    # defect: "<company id>|<model>|<category>"; police: "<indicator kind>:<value>"
    key = models.CharField(max_length=200)
    category = models.CharField(max_length=30)
    title = models.CharField(max_length=200)
    company = models.ForeignKey(
        "companies.Company", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    brand_name = models.CharField(max_length=100, blank=True)
    product_model = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=15, choices=LeadStatus.choices, default=LeadStatus.DRAFT)
    complaint_count = models.PositiveIntegerField(default=0)
    tip_count = models.PositiveIntegerField(default=0)
    amount_total = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="lead_kind_key")]
        indexes = [
            models.Index(fields=["kind", "status", "-last_seen_at"], name="lead_kind_status")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.title}"


class LeadComplaint(models.Model):
    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="items")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="lead_items"
    )
    terms = models.JSONField(default=list)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["lead", "complaint"], name="lead_complaint_once")
        ]


class LeadEvent(models.Model):
    """The audit trail of a lead: created, grew, moved through its lifecycle, viewed, exported."""

    lead = models.ForeignKey(
        Lead, null=True, blank=True, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(max_length=10, choices=LeadKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=20)
    from_status = models.CharField(max_length=15, blank=True)
    to_status = models.CharField(max_length=15, blank=True)
    note = models.CharField(max_length=500, blank=True)
    meta = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class LeadGrant(models.Model):
    """Which leads a regulator account may see: granted by platform staff, revocable."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lead_grant"
    )
    defect = models.BooleanField(default=False)
    police = models.BooleanField(default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    granted_at = models.DateTimeField(default=timezone.now)


class FraudTip(models.Model):
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="fraud_tips"
    )
    scam_type = models.CharField(max_length=20, choices=ScamType.choices)
    phone = models.CharField(max_length=30, blank=True)
    account = models.CharField(max_length=60, blank=True)
    url = models.CharField(max_length=300, blank=True)
    app_name = models.CharField(max_length=60, blank=True)
    amount_lost = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    story = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


class Indicator(models.Model):
    """One identifier seen in one tip or one complaint (normalised for lookup)."""

    kind = models.CharField(max_length=10, choices=IndicatorKind.choices)
    value = models.CharField(max_length=200)
    scam_type = models.CharField(max_length=20, blank=True)
    tip = models.ForeignKey(
        FraudTip, null=True, blank=True, on_delete=models.CASCADE, related_name="indicators"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "value"], name="indicator_lookup")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "value", "complaint"],
                condition=models.Q(complaint__isnull=False),
                name="indicator_once_per_complaint",
            )
        ]


class ScanState(models.Model):
    """How far the lead scan has read the accepted complaints (by acceptance time)."""

    name = models.CharField(max_length=30, unique=True)
    accepted_since = models.DateTimeField(null=True, blank=True)
    # the id of the last complaint read at ``accepted_since`` (complaints accepted at the same
    # instant are read in id order, so a batch that ends inside them resumes there)
    since_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)
