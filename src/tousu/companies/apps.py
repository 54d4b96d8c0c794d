from django.apps import AppConfig


class CompaniesConfig(AppConfig):
    name = "tousu.companies"
    label = "companies"
    default_auto_field = "django.db.models.BigAutoField"
