from django.db import models

from daybook.core.models import TimeStampedModel


class IssuedStatement(TimeStampedModel):
    """A client statement as it was handed to the client.

    Keeps the fingerprint of its rows and, for every entry on it, the entry's id and its last
    change time, so a later copy can be checked and entries changed since can be pointed out.
    """

    company = models.ForeignKey(
        "clients.Company", on_delete=models.PROTECT, related_name="issued_statements"
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
