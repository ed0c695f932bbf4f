from django.db import models
from django.db.models import Q


class ProcessVersion(models.Model):
    """One saved version of the organisation's written time-entry process.

    Versions are never edited: every save is a new row with the next number, so the text each
    member agreed to stays readable. The highest number is the process in force.
    """

    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=120)
    text = models.TextField(help_text="Plain text; a blank line starts a new paragraph.")
    summary = models.CharField(
        max_length=200, blank=True, help_text="What changed since the last version."
    )
    author = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-number"]
        get_latest_by = "number"
        constraints = [
            models.CheckConstraint(condition=Q(number__gte=1), name="process_number_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (version {self.number})"


class ProcessAcknowledgement(models.Model):
    """A member read a version of the process and said so: who, which version, when."""

    # No index of its own: the (member, version) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member",
        on_delete=models.CASCADE,
        related_name="process_acknowledgements",
        db_index=False,
    )
    version = models.ForeignKey(
        ProcessVersion, on_delete=models.CASCADE, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField()

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["member", "version"], name="process_ack_once"),
        ]

    def __str__(self) -> str:
        return f"{self.member} read version {self.version.number}"
