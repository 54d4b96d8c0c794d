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
