from django.apps import AppConfig


class MerchantsConfig(AppConfig):
    """Merchant onboarding (company claims), company API keys and signed webhooks."""

    name = "tousu.merchants"
    label = "merchants"
    default_auto_field = "django.db.models.BigAutoField"
