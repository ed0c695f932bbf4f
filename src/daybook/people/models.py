from datetime import date
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from daybook.core.validators import validate_time_zone

from .choices import Weekday


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_start_date() -> date:
    """Today in the organisation's zone. A model default cannot see the member's own zone;
    `member_create` passes today in that zone instead."""
    return timezone.localdate(timezone.now(), ZoneInfo(settings.TIME_ZONE))


class Team(models.Model):
    """A group of members and the people who review their days."""

    name = models.CharField(max_length=100, unique=True)
    reviewers = models.ManyToManyField("people.Member", related_name="reviewed_teams", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Member(models.Model):
    """A person who logs time; linked one-to-one to a login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member"
    )
    team = models.ForeignKey(
        Team, on_delete=models.SET_NULL, null=True, blank=True, related_name="members"
    )
    time_zone = models.CharField(
        max_length=64, default=default_time_zone, validators=[validate_time_zone]
    )
    expected_hours_per_day = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("8.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
        help_text="Hours each scheduled day should add up to.",
    )
    # The latest cost rate; the dated ones (`MemberCostRate`) say which applies from which day,
    # kept by `people.services.member_cost_rate_set`. Without dated rates it applies always.
    cost_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=(
            "What an hour of this member costs the business (the latest rate; earlier ones "
            "stay in the dated cost rates)."
        ),
    )
    default_work_role = models.ForeignKey(
        "catalogue.WorkRole",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    start_date = models.DateField(
        default=default_start_date,
        blank=True,
        help_text=(
            "The first local day this member works here; no day before it is reviewed. "
            "Left empty: the day the member is created, in their time zone."
        ),
    )
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="The last local day this member works here, once they leave.",
    )

    class Meta:
        ordering = ["user__first_name", "user__last_name", "user__username"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_hours_per_day__gte=0) & Q(expected_hours_per_day__lte=24),
                name="member_expected_hours_in_day",
                violation_error_message="Expected hours per day must be from 0 to 24.",
            ),
            models.CheckConstraint(
                condition=Q(cost_rate__gte=0),
                name="member_cost_rate_not_negative",
                violation_error_message="The cost rate cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="member_ends_after_start",
                violation_error_message="A member cannot leave before their start date.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def first_name(self) -> str:
        return self.user.first_name or self.user.get_username()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def works_on(self, day: date) -> bool:
        """Whether `day` (a local date) falls between the start date and the end date."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


class MemberCostRate(models.Model):
    """What an hour of a member costs from a date on, until their next dated cost rate."""

    # No index of its own: the (member, effective_from) unique constraint leads with it.
    member = models.ForeignKey(
        Member, on_delete=models.CASCADE, related_name="cost_rates", db_index=False
    )
    rate = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )
    effective_from = models.DateField(help_text="The first work date this cost rate applies to.")

    class Meta:
        ordering = ["member", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["member", "effective_from"],
                name="one_cost_rate_per_member_and_date",
                violation_error_message="This member already has a cost rate from that date.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="member_dated_cost_rate_not_negative",
                violation_error_message="The cost rate cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.rate} from {self.effective_from}"


class ScheduleBlock(models.Model):
    """One working window on a weekday, in the member's local time.

    Several blocks on one weekday make a split shift.
    """

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="schedule")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["member", "weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="schedule_end_after_start",
                violation_error_message="A schedule block must end after it starts.",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="schedule_weekday_valid",
                violation_error_message="The weekday must be 0 (Monday) to 6 (Sunday).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"


class Holiday(models.Model):
    """A day nobody on the team works: a public holiday, an office closure. A row without a
    team is the organisation's and applies to every member; a team's row (teams in other
    countries keep other holidays) applies to that team's members only."""

    date = models.DateField()
    name = models.CharField(max_length=100)
    # No index of its own: the (team, date) unique constraint leads with it.
    team = models.ForeignKey(
        Team,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="holidays",
        help_text="Leave empty for a holiday of the whole organisation.",
        db_index=False,
    )

    class Meta:
        ordering = ["date", "team__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["team", "date"],
                name="one_holiday_per_team_and_date",
                violation_error_message="This team already has a holiday on that date.",
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(team__isnull=True),
                name="one_organisation_holiday_per_date",
                violation_error_message="The organisation already has a holiday on that date.",
            ),
        ]
        indexes = [models.Index(fields=["date"])]

    def __str__(self) -> str:
        scope = self.team.name if self.team_id else "everyone"
        return f"{self.name} ({self.date:%Y-%m-%d}, {scope})"
