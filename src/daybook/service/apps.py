from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "daybook.service"
    label = "service"
