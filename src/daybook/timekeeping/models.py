from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from daybook.core.models import TimeStampedModel

from .choices import ApprovalState, BillableOption, EntrySource

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class WorkRole(models.Model):
    """The capacity someone works in, with its standard hourly bill rate."""

    name = models.CharField(max_length=100, unique=True)
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="work_role_rate_not_negative",
                violation_error_message="The rate cannot be negative.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class WorkType(models.Model):
    """The kind of work; payroll-wrap types are internal time that belongs to no client."""

    name = models.CharField(max_length=100, unique=True)
    billable_default = models.CharField(
        max_length=12, choices=BillableOption.choices, default=BillableOption.BILLABLE
    )
    rate_multiplier = models.DecimalField(
        max_digits=4, decimal_places=2, default=Decimal("1.00"), validators=NOT_NEGATIVE
    )
    is_payroll_wrap = models.BooleanField(
        default=False, help_text="Internal time that fills the day but belongs to no client."
    )
    is_time_off = models.BooleanField(
        default=False, help_text="Paid time off: reduces the hours a member is available."
    )
    counts_toward_utilization = models.BooleanField(default=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_multiplier__gte=0),
                name="work_type_multiplier_not_negative",
                violation_error_message="The rate multiplier cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(is_time_off=False) | Q(is_payroll_wrap=True),
                name="time_off_is_payroll_wrap",
                violation_error_message="A time-off work type must also be payroll wrap.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TimeEntry(TimeStampedModel):
    """A span of a member's time, charged to a ticket, a project phase or internal (wrap) time."""

    member = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="entries")
    start = models.DateTimeField()
    end = models.DateTimeField()
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    phase = models.ForeignKey(
        "service.Phase", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    agreement = models.ForeignKey(
        "clients.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    work_role = models.ForeignKey(WorkRole, on_delete=models.PROTECT, related_name="entries")
    work_type = models.ForeignKey(WorkType, on_delete=models.PROTECT, related_name="entries")
    billable = models.CharField(max_length=12, choices=BillableOption.choices)
    # Resolved when saved, so a later rate change never rewrites history.
    bill_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)
    cost_rate = models.DecimalField(max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)
    notes = models.TextField(blank=True, help_text="Visible to the client.")
    internal_notes = models.TextField(blank=True)
    source = models.CharField(
        max_length=10, choices=EntrySource.choices, default=EntrySource.MANUAL
    )
    approval_state = models.CharField(
        max_length=10, choices=ApprovalState.choices, default=ApprovalState.OPEN
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start"]
        verbose_name_plural = "time entries"
        permissions = [
            ("view_team_entries", "Can see the entries of the teams they review"),
            ("view_all_entries", "Can see every member's entries"),
            ("manage_all_entries", "Can change and delete any member's unlocked entries"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="entry_end_after_start"),
            models.CheckConstraint(
                condition=Q(bill_rate__gte=0) & Q(cost_rate__gte=0), name="entry_rates_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(ticket__isnull=True) | Q(phase__isnull=True),
                name="entry_ticket_or_phase_not_both",
            ),
        ]
        indexes = [
            models.Index(fields=["member", "start"]),
            models.Index(fields=["agreement", "start"]),
            # Reports over a period read only these columns; on PostgreSQL they come straight
            # from the index (index-only scan), which is most of the cost at millions of rows.
            models.Index(
                fields=["start"],
                include=[
                    "end",
                    "member",
                    "agreement",
                    "work_type",
                    "billable",
                    "bill_rate",
                    "cost_rate",
                ],
                name="entry_start_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"

    @property
    def hours(self) -> Decimal:
        return Decimal((self.end - self.start).total_seconds()) / Decimal(3600)

    @property
    def lag(self):
        """How long after the work ended the entry was saved."""
        return self.created_at - self.end


class Timer(models.Model):
    """A member's running timer. One row per member at most: the database refuses a second."""

    member = models.OneToOneField("people.Member", on_delete=models.CASCADE, related_name="timer")
    started_at = models.DateTimeField()
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="timers"
    )
    phase = models.ForeignKey(
        "service.Phase", on_delete=models.CASCADE, null=True, blank=True, related_name="timers"
    )
    notes = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(ticket__isnull=True) | Q(phase__isnull=True),
                name="timer_ticket_or_phase_not_both",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} since {self.started_at:%H:%M}"


class PeriodClose(models.Model):
    """Finance closes time up to and including a date; the newest row is in force."""

    closed_through = models.DateField()
    closed_by = models.ForeignKey("people.Member", on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-closed_at"]
        get_latest_by = "closed_at"

    def __str__(self) -> str:
        return f"closed through {self.closed_through}"


class DraftEntry(TimeStampedModel):
    """A parked timer: the clock stopped with its minutes kept, waiting for notes.

    The member turns it into a time entry later through the usual entry form; until then it
    is not logged time.
    """

    member = models.ForeignKey("people.Member", on_delete=models.CASCADE, related_name="drafts")
    start = models.DateTimeField()
    end = models.DateTimeField()
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="drafts"
    )
    phase = models.ForeignKey(
        "service.Phase", on_delete=models.CASCADE, null=True, blank=True, related_name="drafts"
    )
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["start"]
        verbose_name_plural = "draft entries"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="draft_end_after_start"),
            models.CheckConstraint(
                condition=Q(ticket__isnull=True) | Q(phase__isnull=True),
                name="draft_ticket_or_phase_not_both",
            ),
        ]
        indexes = [models.Index(fields=["member", "start"])]

    def __str__(self) -> str:
        target = self.ticket or self.phase or "internal time"
        return f"{self.member} parked {target} {self.start:%Y-%m-%d %H:%M}-{self.end:%H:%M}"
