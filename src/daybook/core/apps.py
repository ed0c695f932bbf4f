from django.apps import AppConfig
from django.urls import register_converter


class CoreConfig(AppConfig):
    name = "daybook.core"
    label = "core"

    def ready(self) -> None:
        from . import database  # noqa: F401  (connects its receiver)
        from .converters import IsoDateConverter

        # Registered before any URLconf loads, so every app's routes can use it.
        register_converter(IsoDateConverter, "isodate")
