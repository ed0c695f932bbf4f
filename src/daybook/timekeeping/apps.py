from django.apps import AppConfig


class TimekeepingConfig(AppConfig):
    name = "daybook.timekeeping"
    label = "timekeeping"
