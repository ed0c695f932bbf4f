from django.apps import AppConfig


class CalendarsConfig(AppConfig):
    name = "daybook.calendars"
    label = "calendars"
    verbose_name = "Calendars"
