from django.db import models


class BillableOption(models.TextChoices):
    BILLABLE = "billable", "Billable"
    DO_NOT_BILL = "do_not_bill", "Do Not Bill"
    NO_CHARGE = "no_charge", "No Charge"


class AgreementCheck(models.TextChoices):
    """Result of checking the agreement a piece of work would be applied to."""

    OK = "ok", "Agreement covers this work"
    NO_AGREEMENT = "no_agreement", "No agreement on the ticket"
    OUT_OF_DATES = "out_of_dates", "Agreement expired or not yet started"
    NOT_COVERED = "not_covered", "Work type not covered by the agreement"
