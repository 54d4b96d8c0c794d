from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "tousu.insights"
    label = "insights"
    verbose_name = "Insights: surges and early warnings"
