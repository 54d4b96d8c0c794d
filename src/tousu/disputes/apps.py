from django.apps import AppConfig


class DisputesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tousu.disputes"
    label = "disputes"
    verbose_name = "Flags, contests and appeals"
