from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "tousu.moderation"
    label = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from tousu.complaints import hooks

        from . import duplicates, listeners

        hooks.register(listeners.on_event)
        hooks.register_bulk(duplicates.index_bulk)
        hooks.register_duplicate_finder(duplicates.near_duplicate_finder)
        hooks.register_text_preparer(listeners.prepare_text)
