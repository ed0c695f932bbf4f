from datetime import timedelta

from django.db import models
from django.db.models import Q
from django.utils import timezone


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


class LinkKind(models.TextChoices):
    COMPANY = "company", "Company"
    MEMBER = "member", "Member"
    TICKET = "ticket", "Ticket"


class ImportLink(models.Model):
    """Which Daybook record a record of another system (a PSA's company, member or ticket)
    became when it was imported from a file. Time exports from that system name its own ids;
    this is how they find Daybook's record. One row per record of the other system."""

    kind = models.CharField(max_length=10, choices=LinkKind.choices)
    source = models.CharField(max_length=20, help_text="The system the id belongs to.")
    external_id = models.CharField(max_length=100)
    object_id = models.PositiveBigIntegerField(help_text="The Daybook record's id.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "source", "external_id"], name="one_import_link_per_record"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.kind} {self.external_id} -> {self.object_id}"


class UploadState(models.TextChoices):
    CHECKING = "checking", "Checking"
    READY = "ready", "Ready to import"
    REFUSED = "refused", "Has problems"
    IMPORTING = "importing", "Importing"
    IMPORTED = "imported", "Imported"
    FAILED = "failed", "Stopped by an error"


# Checking or importing even a 100,000-line file takes a minute or two; a job not done after
# this is most likely lost.
STALLED_AFTER = timedelta(minutes=30)


class ImportUpload(models.Model):
    """A file between its preview and its import, kept in the database so any app server (or
    the worker) can finish what another started. A small file is checked inside the request
    and deleted once imported; a large one is checked and imported by the worker, and keeps
    its outcome here for the page to show. Only its uploader (and administrators) see it."""

    kind = models.CharField(max_length=20)
    filename = models.CharField(max_length=200)
    content = models.BinaryField()
    uploaded_by = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="import_uploads"
    )
    state = models.CharField(max_length=10, choices=UploadState.choices, default=UploadState.READY)
    # The last check's or import's counts and problems (files.jobs.outcome_as_json).
    outcome = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the worker stopped, when it did.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.kind}) by {self.uploaded_by}"

    @property
    def busy(self) -> bool:
        """Handed to the worker to check or import, and not finished yet."""
        return self.state in (UploadState.CHECKING, UploadState.IMPORTING)

    @property
    def stalled(self) -> bool:
        """Busy for longer than any job takes: the worker most likely stopped, or never ran.
        The page stops waiting and says so; a worker that comes back may still finish it."""
        return self.busy and timezone.now() - self.updated_at > STALLED_AFTER

    @property
    def waiting(self) -> bool:
        """Busy and not stalled: the page keeps polling."""
        return self.busy and not self.stalled
