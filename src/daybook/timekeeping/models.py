from datetime import date, timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from daybook.catalogue.choices import BillableOption
from daybook.catalogue.models import WorkRole, WorkType
from daybook.core.expressions import Seconds
from daybook.core.models import TimeStampedModel

from .choices import ApprovalState, EntrySource, WeekState, WeekSubmitter

# Every door refuses an entry longer than this (services.entry_errors), so an entry touching a
# moment starts at most this long before it: readers bound their (member, start) index scans
# by it, however many years of history there are.
LONGEST_ENTRY = timedelta(hours=24)

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


class TimeEntry(TimeStampedModel):
    """A span of a member's time, charged to a ticket, a project phase or internal (wrap) time."""

    # No index of its own: the (member, start) index leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.PROTECT, related_name="entries", db_index=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The length in seconds, worked out by the database when the row is written: reports sum
    # it over millions of rows, and working it out from the two datetimes in every sum was
    # much of a report's time on SQLite, which keeps datetimes as text.
    duration_seconds = models.GeneratedField(
        expression=Seconds("start", "end"), output_field=models.FloatField(), db_persist=True
    )
    ticket = models.ForeignKey(
        "service.Ticket", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    # No index of its own: the partial covering index on phase entries (Meta) serves every
    # lookup by phase, and a plain one led PostgreSQL's planner away from it.
    phase = models.ForeignKey(
        "service.Phase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_index=False,
    )
    # No index of its own: the (agreement, start) index leads with it.
    agreement = models.ForeignKey(
        "clients.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
        db_index=False,
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
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(
        excluded_fields=["duration_seconds"],
        no_db_index=[
            "created_at",
            "member",
            "ticket",
            "phase",
            "agreement",
            "work_role",
            "work_type",
        ],
    )

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
                    "duration_seconds",
                    "member",
                    "agreement",
                    "work_type",
                    "billable",
                    "bill_rate",
                    "cost_rate",
                ],
                name="entry_start_covering",
            ),
            # Project reports sum a project's phase entries up to a date; a partial index over
            # the few rows with a phase answers them without touching the table. Its columns
            # are all keys, since SQLite ignores INCLUDE (projects to date there, at the large
            # demo size: 313 -> 206 ms for its two reads of phase entries).
            models.Index(
                fields=[
                    "phase",
                    "start",
                    "end",
                    "member",
                    "work_type",
                    "billable",
                    "bill_rate",
                    "cost_rate",
                ],
                condition=Q(phase__isnull=False),
                name="entry_phase_start_covering",
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

    # No index of its own: the (member, start) index leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="drafts", db_index=False
    )
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


class SuggestionDismissal(models.Model):
    """A suggestion for a gap that the member waved away: it is not offered to them again.
    `key` is the suggestion's own (timekeeping.suggestions.Suggestion.key); like the
    suggestions, these rows are the member's alone."""

    # No index of its own: the (member, day, key) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField(help_text="The member's local date of the gap.")
    key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "day", "key"], name="suggestion_dismissed_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} dismissed {self.key} on {self.day}"


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
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(no_db_index=["team"])

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

    # No index of its own: the (member, week_start) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="week_submissions", db_index=False
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
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(no_db_index=["created_at", "member", "submitted_by", "decided_by"])

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


class DaySummary(models.Model):
    """One member's local day as the day engine worked it out (day_figures -> day.py), kept so
    reviews, digests and weeks read one row per member-day instead of every entry.

    A row is a cache that can only be out of date, never wrong: `inputs` fingerprints what the
    day depends on besides its entries and agreements (zone, schedule, expected hours, dates,
    team holiday, review policy) and readers recompute a row whose fingerprint no longer
    matches; entry changes rewrite their days; agreement and work type changes mark rows
    `stale`. Only days whose working day had ended when computed are stored with figures
    (until then they move with the clock). `version` changes with every write, so a reader
    that computed from older data never overwrites a newer row. summaries.py reads and writes.
    """

    # No index of its own: the (member, date) unique constraint leads with it.
    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="day_summaries", db_index=False
    )
    date = models.DateField()
    version = models.UUIDField()
    computed_at = models.DateTimeField()
    stale = models.BooleanField(default=False)
    inputs = models.CharField(max_length=64, blank=True)
    # The running timer the figures were worked out with (started before the working day
    # ended), or None.
    timer_started_at = models.DateTimeField(null=True, blank=True)
    time_zone = models.CharField(max_length=64, blank=True)
    expected_minutes = models.PositiveIntegerField(default=0)
    client_minutes = models.PositiveIntegerField(default=0)
    wrap_minutes = models.PositiveIntegerField(default=0)
    gap_minutes = models.PositiveIntegerField(default=0)
    gap_count = models.PositiveIntegerField(default=0)
    small_gap_minutes = models.PositiveIntegerField(default=0)
    finding_count = models.PositiveIntegerField(default=0)
    # Findings a reviewer may ask the member about (those sent to dispatch left out).
    member_finding_count = models.PositiveIntegerField(default=0)
    needs_attention = models.BooleanField(default=False)
    off = models.CharField(max_length=20, blank=True)
    working_day_end = models.DateTimeField(null=True, blank=True)
    review_opens_at = models.DateTimeField(null=True, blank=True)
    # Everything else the engine returned (windows, gaps, covered spans, findings with their
    # words, policy, holiday name), so the day comes back exactly as computed.
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "date"], name="one_summary_a_member_day")
        ]
        indexes = [models.Index(fields=["date", "member"], name="day_summary_date")]

    def __str__(self) -> str:
        return f"{self.member_id} on {self.date}"


class _MonthSums(models.Model):
    """What a monthly total and a rollup both hold for one cell: its agreement, work type and
    billable option, and the sums of its entries."""

    agreement = models.ForeignKey(
        "clients.Agreement", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    work_type = models.ForeignKey(WorkType, on_delete=models.CASCADE, related_name="+")
    billable = models.CharField(max_length=12, choices=BillableOption.choices)
    entries = models.PositiveIntegerField()
    seconds = models.FloatField()
    bill_amount = models.FloatField(help_text="Seconds x bill rate; divide by 3,600 for money.")
    cost_amount = models.FloatField(help_text="Seconds x cost rate; divide by 3,600 for money.")

    # What a period's read takes from a month's index, so that on PostgreSQL the rows come
    # straight from it (index-only scan).
    PERIOD_COLUMNS = ("agreement", "work_type", "billable", "seconds", "bill_amount", "cost_amount")

    class Meta:
        abstract = True


class MonthlyTotal(_MonthSums):
    """A member's time in one of their local months, summed per agreement, work type and
    billable option: what the period reports add up, kept so they need not scan every entry.

    Written only by timekeeping.totals, in the same transaction as the entries it sums, and
    rebuildable from them at any time (`daybook totals --rebuild`). Durations and amounts are
    sums of seconds (and seconds x rate) in double precision, as the reports sum entries.
    """

    member = models.ForeignKey("people.Member", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="The first day of the member's local month.")

    class Meta:
        constraints = [
            # Two partial constraints, since NULL agreements are never equal to each other in
            # a plain unique constraint (on either database).
            models.UniqueConstraint(
                fields=["member", "month", "agreement", "work_type", "billable"],
                condition=Q(agreement__isnull=False),
                name="monthly_total_once_per_agreement",
            ),
            models.UniqueConstraint(
                fields=["member", "month", "work_type", "billable"],
                condition=Q(agreement__isnull=True),
                name="monthly_total_once_without_agreement",
            ),
        ]
        indexes = [
            # Key columns, as the rollup's: a month not yet settled is read from here
            # (insights' recent_money_rows), and SQLite ignores INCLUDE (at the large demo
            # size the month's 27,000 rows: 34 -> 7 ms there).
            models.Index(
                fields=["month", *_MonthSums.PERIOD_COLUMNS],
                name="monthly_total_month_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member} {self.month:%Y-%m}: {self.seconds / 3600:.2f} h"


class MonthlyRollup(_MonthSums):
    """The monthly totals of all members added up: one row per member-local month, agreement,
    work type and billable option, about a tenth as many rows. Reports that sum the whole
    organisation's settled months (profitability, a block's or project's hours before a
    period, the forecast) read these.

    Only settled months have one (timekeeping.totals.settled_months), added up from the
    totals the first time a report reads the month (`rollup_ensure`), and marked done by a
    RolledUpMonth. From then on every write to the month's totals brings its cells in step in
    the same transaction; the months time is being logged into now are never rolled up, so
    the writes that happen all day pay nothing for it. A member's local month is theirs: a
    row adds up each member's own month, as the reports do."""

    month = models.DateField(help_text="The first day of the members' local month.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "agreement", "work_type", "billable"],
                condition=Q(agreement__isnull=False),
                name="monthly_rollup_once_per_agreement",
            ),
            models.UniqueConstraint(
                fields=["month", "work_type", "billable"],
                condition=Q(agreement__isnull=True),
                name="monthly_rollup_once_without_agreement",
            ),
        ]
        indexes = [
            # Key columns, not INCLUDE: SQLite ignores INCLUDE, and reports there would read
            # every row from the table (a year's settled months at the large demo size: 58 ->
            # 28 ms).
            models.Index(
                fields=["month", *_MonthSums.PERIOD_COLUMNS],
                name="monthly_rollup_month_covering",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.seconds / 3600:.2f} h"


class RolledUpMonth(models.Model):
    """A month whose MonthlyRollup rows are complete."""

    month = models.DateField(unique=True)

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"
