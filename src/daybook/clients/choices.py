from django.db import models


class AgreementType(models.TextChoices):
    MANAGED = "managed", "Managed (monthly fee)"
    BLOCK_HOURS = "block", "Block hours"
    TIME_AND_MATERIALS = "tm", "Time & materials"
    PROJECT = "project", "Project"


class AgreementCheck(models.TextChoices):
    """Result of checking the agreement a piece of work would be applied to."""

    OK = "ok", "Agreement covers this work"
    NO_AGREEMENT = "no_agreement", "No agreement on the ticket"
    OUT_OF_DATES = "out_of_dates", "Agreement expired or not yet started"
    NOT_COVERED = "not_covered", "Work type not covered by the agreement"
