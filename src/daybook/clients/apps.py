from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "daybook.clients"
    label = "clients"
