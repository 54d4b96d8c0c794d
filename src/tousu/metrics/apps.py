from django.apps import AppConfig


class MetricsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tousu.metrics"
    label = "metrics"

    def ready(self) -> None:
        from tousu.complaints import hooks

        from . import services

        hooks.register(services.on_event)
        hooks.register_bulk(services.on_bulk)
