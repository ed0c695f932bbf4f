from django.apps import AppConfig


class TimekeepingConfig(AppConfig):
    name = "daybook.timekeeping"
    label = "timekeeping"

    def ready(self) -> None:
        # Connects the receivers that mark day summaries stale when an agreement, its
        # coverage or a work type changes (models below timekeeping, which cannot call up).
        from . import summaries  # noqa: F401
