from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "daybook.insights"
    label = "insights"
