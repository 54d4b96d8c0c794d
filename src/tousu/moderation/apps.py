from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "tousu.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"
