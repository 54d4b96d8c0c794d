"""Read-only admin views of claims, API keys and webhooks, for audit.

Decisions (approve, reject, revoke) are taken in the moderation console (/moderation/claims/),
which goes through ``tousu.merchants.onboarding``; keys and endpoints are managed by the
company's owners in the merchant console. Secrets never show here: a key has only its prefix,
an endpoint's signing secret is left out.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import (
    ApiKeyAction,
    CompanyApiKey,
    CompanyClaim,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CompanyClaim)
class CompanyClaimAdmin(ReadOnlyAdmin):
    list_display = ("id", "company", "claimant", "uscc", "state", "created_at", "reviewed_at")
    list_filter = ("state",)
    search_fields = ("company__name", "uscc", "contact_name")
    exclude = ("licence",)


@admin.register(CompanyApiKey)
class CompanyApiKeyAdmin(ReadOnlyAdmin):
    list_display = ("name", "company", "key_prefix", "scopes", "last_used_at", "revoked_at")
    exclude = ("key_hash",)


@admin.register(ApiKeyAction)
class ApiKeyActionAdmin(ReadOnlyAdmin):
    list_display = ("key", "complaint", "action", "created_at")


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ("url", "company", "is_active", "consecutive_failures", "disabled_at")
    list_filter = ("is_active",)
    exclude = ("secret",)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("delivery_id", "endpoint", "event_type", "state", "attempts", "created_at")
    list_filter = ("state", "event_type")


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ("delivery", "number", "started_at", "response_status", "duration_ms", "error")
