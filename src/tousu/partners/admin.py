from typing import Any

from django.contrib import admin

from .models import PartnerKey, PartnerUsage


@admin.register(PartnerKey)
class PartnerKeyAdmin(admin.ModelAdmin):
    list_display = (
        "organisation",
        "name",
        "key_prefix",
        "per_minute",
        "daily_quota",
        "last_used_at",
        "revoked_at",
    )
    readonly_fields = ("key_prefix", "key_hash", "created_at", "last_used_at")
    search_fields = ("organisation", "name", "key_prefix")

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False  # keys are made on the staff page or with `tousu partner-key create`


@admin.register(PartnerUsage)
class PartnerUsageAdmin(admin.ModelAdmin):
    list_display = ("key", "day", "requests", "refused")
    list_filter = ("day",)
