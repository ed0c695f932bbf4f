from datetime import date, timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.core.models import TimeStampedModel

from .choices import ApprovalState, EntrySource, WeekState, WeekSubmitter

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


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
    # Where an imported entry came from: the source system and its id for the entry, or a
    # hash of the row's identity. Importing the same file again finds the entry by it, so a
    # second import adds nothing. Empty for time logged in Daybook.
    import_key = models.CharField(max_length=120, blank=True, default="")
    # The number of the issued client statement that billed it (insights.IssuedStatement's
    # id, kept as a plain number: statements live in a higher layer).
    billed_on_statement = models.PositiveIntegerField(null=True, blank=True)
    # Made by the member's browser for an entry saved offline: sending it again when the
    # network returns finds the entry by it, so a retry never saves it twice.
    client_key = models.UUIDField(null=True, blank=True, editable=False)
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
            models.UniqueConstraint(
                fields=["member", "import_key"],
                condition=~Q(import_key=""),
                name="entry_import_key_once_per_member",
            ),
            models.UniqueConstraint(
                fields=["member", "client_key"],
                condition=Q(client_key__isnull=False),
                name="entry_client_key_once_per_member",
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


DEFAULT_GAP_THRESHOLD_MINUTES = 45
DEFAULT_REALTIME_WINDOW_MINUTES = 15
DEFAULT_GRACE_MINUTES = 30
MINUTES_PER_DAY = 24 * 60


class ReviewPolicy(models.Model):
    """How day reviews judge gaps and timing. The row without a team is the organisation's
    default; a team's own row replaces it for that team."""

    team = models.ForeignKey(
        "people.Team",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="review_policies",
        help_text="Empty: the organisation default, used by every team without its own row.",
    )
    gap_threshold_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_GAP_THRESHOLD_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_DAY)],
        help_text="Unlogged stretches inside the schedule this long or longer reach a reviewer; "
        "shorter ones are only ever shown to the member.",
    )
    realtime_window_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_REALTIME_WINDOW_MINUTES,
        validators=[MinValueValidator(1), MaxValueValidator(MINUTES_PER_DAY)],
        help_text="An entry saved within this many minutes of its end counts as real time.",
    )
    grace_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_GRACE_MINUTES,
        validators=[MaxValueValidator(MINUTES_PER_DAY)],
        help_text="How long after a member's working day ends before a reviewer sees it.",
    )
    week_submission = models.CharField(
        max_length=12,
        choices=WeekSubmitter.choices,
        default=WeekSubmitter.MEMBER,
        help_text="Whether members hand in each week for approval themselves, or a week is "
        "handed in when a reviewer closes the review of one of its days after it has ended.",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "review policies"
        constraints = [
            # One organisation row (team empty) and at most one row per team.
            models.UniqueConstraint(
                Coalesce("team", Value(0)),
                name="review_policy_one_per_scope",
                violation_error_message=(
                    "There are already review settings for this scope (the organisation, "
                    "or this team)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(gap_threshold_minutes__gt=0)
                & Q(gap_threshold_minutes__lte=MINUTES_PER_DAY),
                name="review_policy_gap_threshold_positive",
            ),
            models.CheckConstraint(
                condition=Q(realtime_window_minutes__gt=0)
                & Q(realtime_window_minutes__lte=MINUTES_PER_DAY),
                name="review_policy_realtime_window_positive",
            ),
            models.CheckConstraint(
                condition=Q(grace_minutes__gte=0) & Q(grace_minutes__lte=MINUTES_PER_DAY),
                name="review_policy_grace_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"Review policy for {self.team}" if self.team_id else "Organisation review policy"


class WeekSubmission(TimeStampedModel):
    """A member's week (Monday to Sunday, in the member's zone) handed in for approval.

    Submitted, then approved (its entries become Approved) or returned with a reason for the
    member to fix and submit again. The history keeps every step with who took it."""

    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="week_submissions"
    )
    week_start = models.DateField(help_text="The Monday of the week, in the member's zone.")
    state = models.CharField(max_length=10, choices=WeekState.choices)
    reason = models.CharField(
        max_length=500, blank=True, help_text="Why the week was returned, for the member."
    )
    submitted_by = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    decided_by = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-week_start", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "week_start"], name="one_submission_a_week"),
            models.CheckConstraint(
                condition=~Q(state=WeekState.RETURNED) | ~Q(reason=""),
                name="returned_week_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["state", "week_start"])]

    def __str__(self) -> str:
        return f"{self.member} week of {self.week_start} ({self.state})"

    @property
    def week_end(self) -> date:
        return self.week_start + timedelta(days=6)
