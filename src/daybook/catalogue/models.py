"""What work is: the roles people work in and the kinds of work, with their rates."""

from datetime import date
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .choices import BillableOption

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]


# "From the beginning": the date carried by rates that were set before rates had dates.
RATES_SINCE = date(1970, 1, 1)


class WorkRole(models.Model):
    """The capacity someone works in, with its standard hourly bill rate.

    The rate an entry is billed at depends on its work date: the role's dated rates
    (`WorkRoleRate`) say which rate applies from which day. `rate` is the latest of them,
    kept by `catalogue.services.work_role_rate_set`; a role with no dated rates yet bills
    `rate` on every date.
    """

    name = models.CharField(max_length=100, unique=True)
    rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        validators=NOT_NEGATIVE,
        help_text="The latest standard hourly rate; earlier ones stay in the dated rates.",
    )

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


class WorkRoleRate(models.Model):
    """A work role's standard hourly rate from a date on, until the next dated rate."""

    # No index of its own: the (work_role, effective_from) unique constraint leads with it.
    work_role = models.ForeignKey(
        WorkRole, on_delete=models.CASCADE, related_name="dated_rates", db_index=False
    )
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)
    effective_from = models.DateField(help_text="The first work date this rate applies to.")

    class Meta:
        ordering = ["work_role", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_role", "effective_from"],
                name="one_work_role_rate_per_date",
                violation_error_message="This work role already has a rate from that date.",
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="work_role_dated_rate_not_negative",
                violation_error_message="The rate cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_role}: {self.rate} from {self.effective_from}"


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
