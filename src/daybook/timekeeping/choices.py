from django.db import models


class BillableOption(models.TextChoices):
    BILLABLE = "billable", "Billable"
    DO_NOT_BILL = "do_not_bill", "Do Not Bill"
    NO_CHARGE = "no_charge", "No Charge"


class EntrySource(models.TextChoices):
    TIMER = "timer", "Timer"
    MANUAL = "manual", "Manual"
    IMPORT = "import", "Import"
    WRAP = "wrap", "Payroll wrap"


class ApprovalState(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    INVOICED = "invoiced", "Invoiced"


LOCKED_STATES = frozenset({ApprovalState.APPROVED, ApprovalState.INVOICED})
