from django.db import models


class EntrySource(models.TextChoices):
    TIMER = "timer", "Timer"
    MANUAL = "manual", "Manual"
    IMPORT = "import", "Import"
    WRAP = "wrap", "Payroll wrap"
    # Accepted from My Day's suggestions: filled after the fact, never counted as real time.
    SUGGESTION = "suggestion", "From a suggestion"


class SuggestionSource(models.TextChoices):
    """What a suggestion for a gap was made from."""

    ACTIVITY = "activity", "The member's own activity on tickets"
    MEETING = "meeting", "A meeting in the member's calendar"
    NEIGHBOUR = "neighbour", "An entry just before or after the gap"


# Sources whose entries never count toward the real-time share, whenever they were saved.
AFTER_THE_FACT = frozenset({EntrySource.IMPORT, EntrySource.SUGGESTION})


class ApprovalState(models.TextChoices):
    OPEN = "open", "Open"
    APPROVED = "approved", "Approved"
    # On a client statement that was issued: Finance may still change it, and the change
    # shows on the statement's check.
    BILLED = "billed", "Billed"
    INVOICED = "invoiced", "Invoiced"


LOCKED_STATES = frozenset({ApprovalState.APPROVED, ApprovalState.BILLED, ApprovalState.INVOICED})


class WeekState(models.TextChoices):
    """Where a member's week stands on its way to approval."""

    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


class WeekSubmitter(models.TextChoices):
    """Who hands a week in for approval (a review policy setting)."""

    MEMBER = "member", "The member submits each week"
    DAY_REVIEW = "day_review", "Closing a day's review submits its week"


class FindingKind(models.TextChoices):
    """Things about a day worth a second look. Computed from the entries, never stored."""

    TIMER_RUNNING = "timer_running", "Timer still running"
    MISSING_NOTES = "missing_notes", "No notes"
    MISSING_WORK_ROLE = "missing_work_role", "No work role"
    MISSING_WORK_TYPE = "missing_work_type", "No work type"
    NO_AGREEMENT = "no_agreement", "No agreement"
    AGREEMENT_OUT_OF_DATES = "agreement_out_of_dates", "Agreement not active that day"
    NOT_COVERED = "not_covered", "Work type not covered by the agreement"
    OVERLAP = "overlap", "Overlapping entries"
    LATE_ENTRY = "late_entry", "Saved after the real-time window"
