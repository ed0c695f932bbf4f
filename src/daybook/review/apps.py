from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "daybook.review"
    label = "review"

    def ready(self) -> None:
        from daybook.timekeeping.signals import entries_changed

        from .services import followups_refresh

        def refresh(sender, *, member, days, **kwargs) -> None:
            followups_refresh(member=member, days=days)

        entries_changed.connect(refresh, dispatch_uid="review.followups_refresh", weak=False)
