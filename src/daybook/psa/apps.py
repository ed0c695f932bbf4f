from django.apps import AppConfig


class PsaConfig(AppConfig):
    name = "daybook.psa"
    label = "psa"
    verbose_name = "PSA connections"
