from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from daybook.catalogue.models import RATES_SINCE
from daybook.core.validators import validate_time_zone
from daybook.people.models import default_time_zone

from .choices import AgreementType

NOT_NEGATIVE = [MinValueValidator(Decimal("0"))]

FIXED_FEE_NEEDS_ESTIMATE = (
    "A fixed-fee project needs its estimated hours: the reports recognise the fee as the "
    "estimate is worked and compute the project's effective rate from it. Give the estimate, "
    "or leave the fee empty for a time-and-materials project."
)


class Company(models.Model):
    """A client of the MSP."""

    name = models.CharField(max_length=200, unique=True)
    identifier = models.SlugField(max_length=50, unique=True)
    time_zone = models.CharField(
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text="Statements for this client use its local calendar.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name


class Contact(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=50, blank=True)

    class Meta:
        ordering = ["company", "name"]

    def __str__(self) -> str:
        return self.name


class Agreement(models.Model):
    """A contract with a company that time on its tickets and projects is applied to."""

    company = models.ForeignKey(Company, on_delete=models.PROTECT, related_name="agreements")
    name = models.CharField(max_length=200)
    type = models.CharField(max_length=10, choices=AgreementType.choices)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    monthly_fee = models.DecimalField(
        max_digits=12, decimal_places=2, default=Decimal("0"), validators=NOT_NEGATIVE
    )
    prepaid_hours = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Block hours: hours bought up front.",
    )
    prepaid_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Block hours: what the client paid for them. Project: the fixed fee.",
    )
    hourly_rate = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NOT_NEGATIVE,
        help_text="Overrides every work role's rate on this agreement unless a role rate is set.",
    )
    estimated_hours = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=NOT_NEGATIVE
    )
    covered_work_types = models.ManyToManyField(
        "catalogue.WorkType",
        blank=True,
        related_name="covering_agreements",
        help_text="Work the fee or block covers. Empty: all client work types are covered.",
    )
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(m2m_fields=[covered_work_types], no_db_index=["company"])

    class Meta:
        ordering = ["company__name", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="agreement_ends_after_start",
                violation_error_message="An agreement cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=Q(monthly_fee__gte=0)
                & (Q(prepaid_hours__isnull=True) | Q(prepaid_hours__gte=0))
                & (Q(prepaid_amount__isnull=True) | Q(prepaid_amount__gte=0))
                & (Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0))
                & (Q(estimated_hours__isnull=True) | Q(estimated_hours__gte=0)),
                name="agreement_amounts_not_negative",
                violation_error_message=(
                    "Fees, prepaid hours and amounts, rates and estimates cannot be negative."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(type=AgreementType.PROJECT)
                | Q(prepaid_amount__isnull=True)
                | Q(estimated_hours__isnull=False, estimated_hours__gt=0),
                name="fixed_fee_project_has_estimate",
                violation_error_message=FIXED_FEE_NEEDS_ESTIMATE,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} — {self.name}"

    def clean(self) -> None:
        super().clean()
        problems = self.missing_for_reports()
        if self.is_fixed_fee and not self.estimated_hours:
            problems.setdefault("estimated_hours", []).append(FIXED_FEE_NEEDS_ESTIMATE)
        if problems:
            raise ValidationError(problems)

    def missing_for_reports(self) -> dict[str, list[str]]:
        """What the reports need from an agreement of its type and is missing, by field.

        Profitability prorates a managed agreement's monthly fee; block hours are drawn down at
        the price of one prepaid hour; prepaid hours and amounts mean nothing to other types and
        would be silently ignored. (A fixed-fee project's estimate is checked in clean().)
        """
        problems: dict[str, list[str]] = {}
        kind = self.type
        if kind == AgreementType.MANAGED and not self.monthly_fee:
            problems.setdefault("monthly_fee", []).append(
                "A managed agreement needs its monthly fee: the reports spread it over the days "
                "of each month to show what the agreement earns."
            )
        if kind == AgreementType.BLOCK_HOURS:
            if not self.prepaid_hours:
                problems.setdefault("prepaid_hours", []).append(
                    "A block-hours agreement needs the number of hours bought, so the reports can "
                    "draw them down."
                )
            if self.prepaid_amount is None:
                problems.setdefault("prepaid_amount", []).append(
                    "A block-hours agreement needs what the client paid for the block: each hour "
                    "drawn is valued at that price."
                )
        elif self.prepaid_hours is not None:
            problems.setdefault("prepaid_hours", []).append(
                "Prepaid hours only count on a block-hours agreement; leave the field empty."
            )
        if kind in (AgreementType.MANAGED, AgreementType.TIME_AND_MATERIALS) and (
            self.prepaid_amount is not None
        ):
            problems.setdefault("prepaid_amount", []).append(
                "A prepaid amount or fixed fee belongs to block-hours and project agreements; "
                "leave it empty here (a managed agreement uses the monthly fee)."
            )
        return problems

    @property
    def is_fixed_fee(self) -> bool:
        """A project agreement with a fixed fee (`prepaid_amount`), rather than hourly."""
        return self.type == AgreementType.PROJECT and self.prepaid_amount is not None

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)

    @property
    def block_rate(self) -> Decimal | None:
        """The price of one prepaid hour, used to value block hours drawn down."""
        if self.prepaid_hours and self.prepaid_amount is not None:
            return self.prepaid_amount / self.prepaid_hours
        return None


class AgreementRate(models.Model):
    """A work role's hourly rate on one agreement from a date on, until the role's next dated
    rate on the agreement; beats the agreement's own hourly rate."""

    # No index of its own: a unique constraint on (agreement, work_role, ...) leads with it.
    agreement = models.ForeignKey(
        Agreement, on_delete=models.CASCADE, related_name="role_rates", db_index=False
    )
    work_role = models.ForeignKey("catalogue.WorkRole", on_delete=models.CASCADE, related_name="+")
    rate = models.DecimalField(max_digits=10, decimal_places=2, validators=NOT_NEGATIVE)
    effective_from = models.DateField(
        default=RATES_SINCE,
        help_text="The first work date this rate applies to. Left as it is: from the start.",
    )

    class Meta:
        ordering = ["agreement", "work_role", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "work_role", "effective_from"],
                name="one_rate_per_role_and_date",
                violation_error_message=(
                    "This agreement already has a rate for that work role from that date."
                ),
            ),
            models.CheckConstraint(
                condition=Q(rate__gte=0),
                name="agreement_rate_not_negative",
                violation_error_message="The rate cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        if self.effective_from == RATES_SINCE:
            return f"{self.work_role}: {self.rate}"
        return f"{self.work_role}: {self.rate} from {self.effective_from}"
