"""Partner keys and their daily usage."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("读取公开数据")
    INSIGHTS = "insights", _("读取热点与报告")


class PartnerKey(models.Model):
    """An API key for a media organisation or a research group. Only the SHA-256 of the secret
    is stored; the secret is shown once when the key is made."""

    PREFIX = "tpk_"

    name = models.CharField(_("名称"), max_length=80)
    organisation = models.CharField(_("机构"), max_length=120)
    contact_email = models.EmailField(_("联系邮箱"))
    scopes = models.JSONField(default=list)
    per_minute = models.PositiveIntegerField(_("每分钟请求上限"), default=300)
    daily_quota = models.PositiveIntegerField(_("每日请求配额"), default=100_000)
    key_prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["organisation", "name"]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.name} ({self.key_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class PartnerUsage(models.Model):
    """Requests of one key on one day (Asia/Shanghai date); the daily quota counts these."""

    key = models.ForeignKey(PartnerKey, on_delete=models.CASCADE, related_name="usage")
    day = models.DateField()
    requests = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "day"], name="partner_usage_key_day")]
