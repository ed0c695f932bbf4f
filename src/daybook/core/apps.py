from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "daybook.core"
    label = "core"
