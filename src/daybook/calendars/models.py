"""Members' own calendars, read from the private iCalendar address Outlook and Google give.

The meetings are the member's alone: they feed the member's suggestions for gaps in their day
and nothing else (no reviewer, report or other member reads them)."""

from urllib.parse import urlsplit

from django.db import models

from daybook.core.outbound import validate_outbound_url


class CalendarSubscription(models.Model):
    """A member's calendar, by its secret iCalendar address. Whoever holds the address can
    read the calendar, so it is shown again only as its host (`shown_address`)."""

    # No index of its own: the (member, url) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member",
        on_delete=models.CASCADE,
        related_name="calendar_subscriptions",
        db_index=False,
    )
    label = models.CharField(max_length=100)
    url = models.URLField(max_length=2000, validators=[validate_outbound_url])
    created_at = models.DateTimeField(auto_now_add=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    # When the member last asked for it to be read now ("Refresh now"): asks are spaced out,
    # since each sends a request to another company's server.
    refresh_asked_at = models.DateTimeField(null=True, blank=True)
    # The last refresh's failure in our words ("" after one that worked).
    problem = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["member", "label"]
        constraints = [
            models.UniqueConstraint(fields=["member", "url"], name="calendar_url_once_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.member})"

    @property
    def shown_address(self) -> str:
        """The address with its secret left out: the host and the last four characters of
        the secret part, enough for the member to tell two calendars apart. Outlook and
        Google end their addresses in a file name every calendar shares (calendar.ics,
        basic.ics), so the part before it is the one that tells them apart."""
        parts = urlsplit(self.url)
        segments = [s for s in parts.path.split("/") if s]
        if len(segments) > 1 and segments[-1].lower().endswith(".ics"):
            segments.pop()
        secret = segments[-1] if segments else ""
        return (
            f"{parts.hostname or ''}/…{secret[-4:]}" if len(secret) > 4 else f"{parts.hostname}/…"
        )


class Meeting(models.Model):
    """One occurrence of a busy, accepted, timed event in a member's calendar (recurring
    events are expanded into their occurrences; cancelled, declined, free and all-day ones
    are left out). `title` is empty for private events."""

    # No index of its own: the (subscription, uid, start) unique constraint leads with it.
    subscription = models.ForeignKey(
        CalendarSubscription, on_delete=models.CASCADE, related_name="meetings", db_index=False
    )
    # No index of its own: the (member, start) index leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    uid = models.CharField(max_length=500)
    start = models.DateTimeField()
    end = models.DateTimeField()
    title = models.CharField(max_length=300, blank=True)
    private = models.BooleanField(default=False)
    # Words the suggestion may match against tickets and contacts: location and attendees.
    attendees = models.TextField(blank=True)

    class Meta:
        ordering = ["member", "start"]
        indexes = [models.Index(fields=["member", "start"], name="meeting_member_start")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "uid", "start"], name="meeting_occurrence_once"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="meeting_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title or 'Private event'} {self.start:%Y-%m-%d %H:%M}"
