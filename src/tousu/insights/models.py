"""Surge alerts (投诉爆发): one row per episode of a series (company, brand, sector, region or
problem type) whose daily complaints rose far above the expected level."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tousu.companies.models import Company


class SeriesKind(models.TextChoices):
    COMPANY = "company", _("企业")
    BRAND = "brand", _("品牌")
    SECTOR = "sector", _("行业")
    REGION = "region", _("地区")
    PROBLEM = "problem", _("问题类型")


class AlertKind(models.TextChoices):
    SURGE = "surge", _("投诉激增")
    RUNAWAY = "runaway", _("疑似跑路")


class AlertState(models.TextChoices):
    OPEN = "open", _("进行中")
    ACKNOWLEDGED = "acknowledged", _("已确认")
    CLOSED = "closed", _("已结束")


class SurgeAlert(models.Model):
    series_kind = models.CharField(max_length=10, choices=SeriesKind.choices)
    series_key = models.CharField(max_length=40)  # company/brand id, sector, province, problem
    label = models.CharField(max_length=160)
    kind = models.CharField(max_length=10, choices=AlertKind.choices, default=AlertKind.SURGE)
    state = models.CharField(max_length=14, choices=AlertState.choices, default=AlertState.OPEN)
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.CASCADE, related_name="surge_alerts"
    )
    sector = models.CharField(max_length=20, blank=True)  # for regulators' sector scope
    first_day = models.DateField()  # since when the count stayed high
    first_alert_day = models.DateField()
    last_day = models.DateField()  # the latest day that alerted
    alert_days = models.PositiveIntegerField(default=1)
    observed = models.PositiveIntegerField()  # on the latest alerting day
    expected = models.FloatField()
    threshold = models.FloatField()
    peak_observed = models.PositiveIntegerField()
    peak_ratio = models.FloatField()
    window_total = models.PositiveIntegerField(default=0)  # complaints first_day … last_day
    terms = models.JSONField(default=list)  # [{term, z, count}]
    examples = models.JSONField(default=list)  # public numbers
    runaway_share = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_day", "-peak_ratio", "id"]
        indexes = [
            models.Index(fields=["series_kind", "series_key", "last_day"], name="surge_series"),
            models.Index(fields=["last_day", "id"], name="surge_last_day"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.first_day}…{self.last_day}"


class AlertRegion(models.Model):
    """A county-level code where complaints of the alert's window came from: regulators see an
    alert when one of its regions lies in their scope."""

    alert = models.ForeignKey(SurgeAlert, on_delete=models.CASCADE, related_name="regions")
    code = models.CharField(max_length=6)
    complaints = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["alert", "code"], name="alert_region_unique")
        ]
        indexes = [models.Index(fields=["code", "alert"], name="alert_region_code")]


class SurgeScan(models.Model):
    """One finished daily scan: the periodic job scans a day once."""

    day = models.DateField(unique=True)
    alerts = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(default=timezone.now)


class AlertNote(models.Model):
    """A note by a moderator or a regulator in scope on an alert (what was done about it)."""

    alert = models.ForeignKey(SurgeAlert, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class WarningSubscription(models.Model):
    """A regulator's early-warning subscription (消费预警): which alerts, by which channels."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="warning_subscriptions"
    )
    name = models.CharField(max_length=60)
    region_codes = models.JSONField(default=list)  # inside the user's scope
    sectors = models.JSONField(default=list, blank=True)  # empty: all sectors of the scope
    kinds = models.JSONField(default=list, blank=True)  # surge / runaway; empty: both
    by_email = models.BooleanField(default=False)
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]


class DeliveryChannel(models.TextChoices):
    SITE = "site", _("站内")
    EMAIL = "email", _("邮件")
    WEBHOOK = "webhook", _("Webhook")


class WarningDelivery(models.Model):
    """One alert to one subscription by one channel: written once, retried while it fails."""

    subscription = models.ForeignKey(
        WarningSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    alert = models.ForeignKey(SurgeAlert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=10, choices=DeliveryChannel.choices)
    delivered = models.BooleanField(default=False)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "alert", "channel"], name="warning_delivery_once"
            )
        ]
        indexes = [models.Index(fields=["delivered", "attempts"], name="warning_delivery_todo")]


class HotspotScope(models.TextChoices):
    ALL = "all", _("全国")
    SECTOR = "sector", _("行业")
    REGION = "region", _("地区")


class Hotspot(models.Model):
    """消费热点: the words that rose in one week's public complaints of a sector or province
    against the four weeks before (published weekly)."""

    week_start = models.DateField()  # a Monday
    scope_kind = models.CharField(max_length=10, choices=HotspotScope.choices)
    scope_key = models.CharField(max_length=20, blank=True)
    label = models.CharField(max_length=60)
    complaints = models.PositiveIntegerField()
    baseline_weekly = models.FloatField()
    terms = models.JSONField(default=list)
    # rising words grouped by co-occurrence (tousu.insights.topics): label, terms, complaints,
    # baseline_weekly, rise, examples (public numbers), search_url
    topics = models.JSONField(default=list)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-week_start", "scope_kind", "scope_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["week_start", "scope_kind", "scope_key"], name="hotspot_once_per_week"
            )
        ]


class ReportPeriod(models.TextChoices):
    MONTH = "month", _("月度")
    QUARTER = "quarter", _("季度")


class DataReport(models.Model):
    """A monthly or quarterly data report: figures computed by the job, typical cases chosen
    by staff, then published (HTML page and PDF)."""

    period = models.CharField(max_length=10, choices=ReportPeriod.choices)
    slug = models.CharField(max_length=10, unique=True)  # 2026-05 or 2026-Q2
    start = models.DateField()
    end = models.DateField()
    data = models.JSONField(default=dict)
    generated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start", "period"]

    def __str__(self) -> str:
        return self.slug


class ReportCase(models.Model):
    """A typical case (典型案例) chosen by staff for a report."""

    report = models.ForeignKey(DataReport, on_delete=models.CASCADE, related_name="cases")
    complaint = models.ForeignKey(
        "complaints.Complaint", on_delete=models.CASCADE, related_name="+"
    )
    note = models.CharField(max_length=500, blank=True)
    chosen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "complaint"], name="report_case_once")
        ]
