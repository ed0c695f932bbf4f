"""What work is: the roles people work in and the kinds of work, with their rates."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from .choices import BillableOption

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
