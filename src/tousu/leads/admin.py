from django.contrib import admin
from django.http import HttpRequest

from .models import FraudTip, Lead, LeadEvent, LeadGrant


@admin.register(LeadGrant)
class LeadGrantAdmin(admin.ModelAdmin):
    list_display = ("user", "defect", "police", "granted_by", "granted_at")
    raw_id_fields = ("user", "granted_by")


@admin.register(Lead)
class LeadAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "category", "status", "complaint_count", "tip_count")
    list_filter = ("kind", "status", "category")
    search_fields = ("title", "key")
    readonly_fields = ("kind", "key", "complaint_count", "tip_count", "amount_total")


@admin.register(LeadEvent)
class LeadEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "kind", "action", "actor", "lead")
    list_filter = ("kind", "action")

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # the audit trail is append-only


@admin.register(FraudTip)
class FraudTipAdmin(admin.ModelAdmin):
    list_display = ("created_at", "scam_type", "phone", "url", "app_name", "amount_lost")
    list_filter = ("scam_type",)
    raw_id_fields = ("reporter",)
