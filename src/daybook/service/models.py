from datetime import timedelta
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import ExpressionWrapper, Q
from simple_history.models import HistoricalRecords

from .choices import CLOSED_STATUSES, Priority, ProjectStatus, TicketStatus


class Board(models.Model):
    """A queue of tickets (Help Desk, Projects, Alerts...)."""

    name = models.CharField(max_length=100, unique=True)
    default_work_type = models.ForeignKey(
        "catalogue.WorkType", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SlaTarget(models.Model):
    """Respond and resolve targets for a priority; an agreement's own row beats the default."""

    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    agreement = models.ForeignKey(
        "clients.Agreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_targets",
    )
    respond_minutes = models.PositiveIntegerField()
    resolve_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["agreement", "priority"]
        constraints = [
            models.UniqueConstraint(
                fields=["priority"],
                condition=Q(agreement__isnull=True),
                name="one_default_sla_per_priority",
            ),
            models.UniqueConstraint(
                fields=["priority", "agreement"], name="one_sla_per_agreement_priority"
            ),
            models.CheckConstraint(
                condition=Q(resolve_minutes__gte=models.F("respond_minutes")),
                name="sla_resolve_not_before_respond",
                violation_error_message=(
                    "The resolve target cannot be shorter than the respond target."
                ),
            ),
        ]

    def __str__(self) -> str:
        scope = self.agreement or "default"
        return f"{self.get_priority_display()} ({scope})"


class Ticket(models.Model):
    """A piece of service work for a company, applied to an agreement."""

    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="tickets")
    # No index of its own: the SLA report's (company, opened_at, ...) index leads with it.
    company = models.ForeignKey(
        "clients.Company", on_delete=models.PROTECT, related_name="tickets", db_index=False
    )
    agreement = models.ForeignKey(
        "clients.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="tickets"
    )
    contact = models.ForeignKey(
        "clients.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        help_text="The person at the company who asked; one of the company's contacts.",
    )
    summary = models.CharField(max_length=250)
    description = models.TextField(blank=True)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=20, choices=TicketStatus.choices, default=TicketStatus.NEW)
    # Worked out by the database from the status, so that an index can hold only the open
    # tickets and a query can name them without parameters (SQLite matches a partial index
    # only to such terms, and guessed a status among a million tickets far too common).
    is_open = models.GeneratedField(
        expression=ExpressionWrapper(
            ~Q(status__in=CLOSED_STATUSES), output_field=models.BooleanField()
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    work_type = models.ForeignKey(
        "catalogue.WorkType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Default work type for time on this ticket; falls back to the board's.",
    )
    assignee = models.ForeignKey(
        "people.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_tickets",
    )
    opened_at = models.DateTimeField(db_index=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The SLA clock (service/sla.py keeps these as the ticket moves; nothing else writes them).
    respond_target_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The respond target this ticket is held to."
    )
    resolve_target_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="The resolve target this ticket is held to."
    )
    respond_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the respond clock runs out; empty: no target."
    )
    resolve_due_at = models.DateTimeField(
        null=True, blank=True, help_text="When the resolve clock runs out; empty: no target."
    )
    respond_elapsed = models.DurationField(
        null=True, blank=True, help_text="Clock time to the first response, waiting excluded."
    )
    resolve_elapsed = models.DurationField(
        null=True, blank=True, help_text="Clock time to resolution, waiting excluded."
    )
    sla_paused = models.DurationField(
        default=timedelta(0), help_text="Time spent in Waiting Client so far (ended stretches)."
    )
    waiting_since = models.DateTimeField(
        null=True, blank=True, help_text="Start of the current Waiting Client stretch."
    )
    # Once a breach is recorded it stays, whatever happens to the ticket afterwards.
    respond_breached_at = models.DateTimeField(null=True, blank=True)
    resolve_breached_at = models.DateTimeField(null=True, blank=True)
    # History is read by record (its id), so its table copies none of the model's indexes.
    history = HistoricalRecords(
        excluded_fields=["is_open"],
        no_db_index=[
            "opened_at",
            "board",
            "company",
            "agreement",
            "contact",
            "work_type",
            "assignee",
        ],
    )

    class Meta:
        ordering = ["-opened_at"]
        permissions = [
            ("change_ticket_agreement", "Can change the agreement a ticket is applied to"),
            ("dispatch_ticket", "Can edit and assign tickets and use the dispatch board"),
        ]
        indexes = [
            models.Index(fields=["status", "board"]),
            # The SLA report counts a period's tickets per company by their clock columns;
            # with every column it reads in the index, it never touches the table. Keys, not
            # INCLUDE, which SQLite ignores (there, a quarter at the large demo size took 0.78
            # s before and 0.48 s after; PostgreSQL about the same either way).
            models.Index(
                fields=[
                    "company",
                    "opened_at",
                    "agreement",
                    "priority",
                    "board",
                    "assignee",
                    "respond_due_at",
                    "first_response_at",
                    "respond_breached_at",
                    "respond_elapsed",
                    "resolve_due_at",
                    "resolved_at",
                    "resolve_breached_at",
                    "resolve_elapsed",
                    "waiting_since",
                ],
                name="ticket_company_opened_sla",
            ),
            # Tickets whose SLA clock runs (not resolved, not waiting for the client): a few
            # hundred among a million, which the dispatch panel lists by their due time. Its
            # keys hold what the running clock is worked out from. SQLite judged the status
            # index too coarse and read the whole table (0.16 s -> 2 ms at the large size).
            models.Index(
                fields=["status", "board", "assignee", "opened_at"],
                name="ticket_open",
                condition=Q(is_open=True),
            ),
            models.Index(
                fields=["status", "first_response_at", "respond_due_at", "resolve_due_at"],
                name="ticket_clock_running",
                condition=Q(resolved_at__isnull=True, waiting_since__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.summary}"


class AgreementFlag(models.Model):
    """A member's word to dispatch that a ticket's agreement looks off ("this is project work,
    not the managed plan"). The dispatcher's agreement queue lists the open ones; it resolves
    when the dispatcher sets the ticket's agreement or finds it right as it is."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="agreement_flags")
    raised_by = models.ForeignKey(
        "people.Member", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.TextField()
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        "people.Member", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["ticket", "created_at"]
        indexes = [models.Index(fields=["resolved_at", "ticket"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved_at__isnull=True) | Q(resolved_at__gte=models.F("created_at")),
                name="agreement_flag_resolved_after_raised",
                violation_error_message="A flag cannot be resolved before it was raised.",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.reason[:60]}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class TicketNote(models.Model):
    """A note on a ticket's conversation: client-visible (an answer the client may read) or
    internal (for the team only). Written by ticket_note_add."""

    # No index of its own: the (ticket, created_at) index leads with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="notes", db_index=False
    )
    # No index of its own: the (author, created_at) index leads with it.
    author = models.ForeignKey(
        "people.Member", on_delete=models.SET_NULL, null=True, related_name="+", db_index=False
    )
    text = models.TextField()
    client_visible = models.BooleanField(
        default=False, help_text="Shown to the client; otherwise for the team only."
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ticket", "created_at", "pk"]
        # The second: a member's own notes of a day, for their gap suggestions.
        indexes = [
            models.Index(fields=["ticket", "created_at"]),
            models.Index(fields=["author", "created_at"], name="ticket_note_author_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="ticket_note_not_empty",
                violation_error_message="A note needs some text.",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.text[:60]}"


class TicketStatusChange(models.Model):
    """Each status move, kept so SLA clocks can subtract time spent waiting on the client."""

    # No index of its own: the (ticket, at) index leads with it.
    ticket = models.ForeignKey(
        Ticket, on_delete=models.CASCADE, related_name="status_changes", db_index=False
    )
    from_status = models.CharField(max_length=20, choices=TicketStatus.choices)
    to_status = models.CharField(max_length=20, choices=TicketStatus.choices)
    at = models.DateTimeField()
    # No index of its own: the (by, at) index leads with it.
    by = models.ForeignKey(
        "people.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["ticket", "at"]
        # The second: a member's own status moves of a day, for their gap suggestions.
        indexes = [
            models.Index(fields=["ticket", "at"]),
            models.Index(fields=["by", "at"], name="status_change_by_time"),
        ]

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Project(models.Model):
    company = models.ForeignKey(
        "clients.Company", on_delete=models.PROTECT, related_name="projects"
    )
    agreement = models.ForeignKey(
        "clients.Agreement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
    )
    name = models.CharField(max_length=200)
    project_type = models.CharField(
        max_length=100, blank=True, help_text="Used to compare estimates across similar projects."
    )
    status = models.CharField(
        max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED
    )
    manager = models.ForeignKey(
        "people.Member",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_projects",
    )
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["company__name", "name"]

    def __str__(self) -> str:
        return self.name


class Phase(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="phases")
    name = models.CharField(max_length=200)
    position = models.PositiveSmallIntegerField(default=0)
    estimated_hours = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )

    class Meta:
        ordering = ["project", "position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_hours__gte=0),
                name="phase_estimate_not_negative",
                violation_error_message="The estimate cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} / {self.name}"
