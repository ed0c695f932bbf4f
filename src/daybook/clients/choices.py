from django.db import models


class AgreementType(models.TextChoices):
    MANAGED = "managed", "Managed (monthly fee)"
    BLOCK_HOURS = "block", "Block hours"
    TIME_AND_MATERIALS = "tm", "Time & materials"
    PROJECT = "project", "Project"
