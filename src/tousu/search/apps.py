from django.apps import AppConfig


class SearchConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "tousu.search"
    label = "search"

    def ready(self) -> None:
        from tousu.complaints import hooks

        from . import index

        hooks.register(index.on_event)
        hooks.register_bulk(index.on_bulk)
        index.connect_company_signals()
