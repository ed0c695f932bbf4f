from django.db import models


class Kind(models.TextChoices):
    """The PSAs Daybook connects to (a connector per kind, psa/connectors/)."""

    CONNECTWISE = "connectwise", "ConnectWise PSA"
    AUTOTASK = "autotask", "Autotask PSA"
    HALO = "halo", "HaloPSA"


class MapKind(models.TextChoices):
    """What a mapping row maps: a PSA choice or record to a Daybook object or value."""

    BOARD = "board", "Board / queue"
    STATUS = "status", "Ticket status"
    WORK_ROLE = "work_role", "Work role"
    WORK_TYPE = "work_type", "Work type / billing code"
    MEMBER = "member", "Member"


class LinkKind(models.TextChoices):
    """Records kept in step with the PSA, each linked by the PSA's id."""

    COMPANY = "company", "Company"
    AGREEMENT = "agreement", "Agreement"
    TICKET = "ticket", "Ticket"
    ENTRY = "entry", "Time entry"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule"
    MANUAL = "manual", "Started by an admin"
    COMMAND = "command", "Command line"
    WEBHOOK = "webhook", "PSA callback"
    PUSH = "push", "Entry change"
    RETRY = "retry", "Retry"


# Record kinds pulled, in the order a run pulls them (later ones refer to earlier ones).
PULL_ORDER = ("companies", "members", "agreements", "tickets")
