from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "daybook.accounts"
    label = "accounts"
    verbose_name = "Sign-in and API tokens"

    def ready(self) -> None:
        # Registers the API token scheme with drf-spectacular.
        from . import schema  # noqa: F401
