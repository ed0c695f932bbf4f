from django.apps import AppConfig


class HomeConfig(AppConfig):
    name = "daybook.home"
    label = "home"
    verbose_name = "Home"
