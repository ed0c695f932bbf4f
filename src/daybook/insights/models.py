from django.conf import settings
from django.db import models
from django.utils import timezone

from daybook.core.models import TimeStampedModel


class IssuedStatement(TimeStampedModel):
    """A client statement as it was handed to the client.

    Keeps the fingerprint of its rows and, for every entry on it, the entry's id and its last
    change time, so a later copy can be checked and entries changed since can be pointed out.
    """

    # No index of its own: the (company, period_start) index leads with it.
    company = models.ForeignKey(
        "clients.Company",
        on_delete=models.PROTECT,
        related_name="issued_statements",
        db_index=False,
    )
    period_start = models.DateField()
    period_end = models.DateField()
    time_zone = models.CharField(
        max_length=64, help_text="The company's zone the statement's days were counted in."
    )
    fingerprint = models.CharField(max_length=64, db_index=True)
    issued_by = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField()
    # [[entry id, entry updated_at as ISO 8601], ...] in statement order.
    entries = models.JSONField(default=list)
    total_hours = models.DecimalField(max_digits=12, decimal_places=2)
    total_amount = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="statement_period_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["company", "period_start"])]

    def __str__(self) -> str:
        return f"{self.company} {self.period_start}..{self.period_end} ({self.fingerprint[:12]})"


# A run still pending after this long is most likely waiting for a worker that is not running.
OVERDUE_SECONDS = 60


class RunState(models.TextChoices):
    PENDING = "pending", "Preparing"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ReportRun(models.Model):
    """A report the worker computes for one viewer (runs.py), kept a short while so the page
    that polls for it, and the same request again, find the result.

    The key covers the report, its filters and the viewer: what a report shows depends on
    who looks (money, teams, days whose review has opened), so a result is only ever given
    back to the viewer it was computed for.
    """

    report = models.CharField(max_length=30)
    key = models.CharField(max_length=64, help_text="Report, filters and viewer, hashed.")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    query = models.TextField(blank=True, help_text="The page's query string, for the worker.")
    state = models.CharField(max_length=10, choices=RunState.choices, default=RunState.PENDING)
    # The report object, pickled and signed with the server's secret (runs.py).
    result = models.BinaryField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["key", "created_at"]),
            models.Index(fields=["created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.report} for {self.viewer} ({self.state})"

    @property
    def overdue(self) -> bool:
        """Still pending after a minute: most likely no worker is running."""
        waited = timezone.now() - self.created_at
        return self.state == RunState.PENDING and waited.total_seconds() > OVERDUE_SECONDS
