from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tousu.privacy"
    label = "privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from tousu.complaints import hooks
        from tousu.complaints.models import Evidence

        from . import services

        hooks.register(services.on_event)
        hooks.register_bulk(services.on_bulk)
        hooks.register_text_preparer(services.prepare_text)
        post_save.connect(services.on_evidence_saved, sender=Evidence, weak=False)
