from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo and benchmark data: the top layer, it imports every app and none imports it."""

    name = "daybook.demo"
    label = "demo"
