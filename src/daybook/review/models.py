from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from simple_history.models import HistoricalRecords

from daybook.core.models import TimeStampedModel

from .choices import ReviewState

DEFAULT_GAP_THRESHOLD_MINUTES = 45
DEFAULT_REALTIME_WINDOW_MINUTES = 15
DEFAULT_GRACE_MINUTES = 30
MINUTES_PER_DAY = 24 * 60
MAX_NOTE_LENGTH = 2000


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
    history = HistoricalRecords()

    class Meta:
        verbose_name_plural = "review policies"
        constraints = [
            # One organisation row (team empty) and at most one row per team.
            models.UniqueConstraint(Coalesce("team", Value(0)), name="review_policy_one_per_scope"),
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


class DayReview(TimeStampedModel):
    """A reviewer's decision about one member's local day. Gaps and findings are computed
    from the entries each time; only the decision is kept. No row means pending."""

    member = models.ForeignKey(
        "people.Member", on_delete=models.CASCADE, related_name="day_reviews"
    )
    date = models.DateField(help_text="The member's local calendar day.")
    state = models.CharField(
        max_length=12, choices=ReviewState.choices, default=ReviewState.PENDING
    )
    reviewed_by = models.ForeignKey(
        "people.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-date", "member_id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "date"], name="one_review_per_member_day"),
        ]
        indexes = [models.Index(fields=["date", "state"])]

    def __str__(self) -> str:
        return f"{self.member} {self.date:%Y-%m-%d}: {self.get_state_display()}"
