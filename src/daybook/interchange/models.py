from django.db import models
from django.db.models import Q


class CalendarFeed(models.Model):
    """A private iCalendar address for one member's entries and schedule.

    Whoever knows the token can read the feed, so it is long and random, and revoking it
    stops it for good. A member has at most one feed in use.
    """

    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(revoked_at__isnull=True),
                name="one_live_calendar_feed_per_member",
            ),
        ]

    def __str__(self) -> str:
        state = "revoked" if self.revoked_at else "in use"
        return f"Calendar feed of {self.member} ({state})"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
