from django.apps import AppConfig


class SetupConfig(AppConfig):
    name = "daybook.setup"
    label = "setup"
    verbose_name = "Setup"
