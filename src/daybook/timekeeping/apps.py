from django.apps import AppConfig


class TimekeepingConfig(AppConfig):
    name = "daybook.timekeeping"
    label = "timekeeping"

    def ready(self) -> None:
        # Connects the receivers that mark day summaries stale when an agreement, its
        # coverage or a work type changes, and that recompute a member's monthly totals when
        # their time zone changes (models below timekeeping, which cannot call up).
        from . import summaries, totals  # noqa: F401
