from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "tousu.privacy"
    label = "privacy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tousu.complaints import hooks

        from . import services

        hooks.register(services.on_event)
        hooks.register_bulk(services.on_bulk)
