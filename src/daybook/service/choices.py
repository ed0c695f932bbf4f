from django.db import models


class TicketStatus(models.TextChoices):
    NEW = "new", "New"
    IN_PROGRESS = "in_progress", "In Progress"
    WAITING_CLIENT = "waiting_client", "Waiting Client"
    NEEDS_SCHEDULING = "needs_scheduling", "Needs Scheduling"
    SCHEDULED = "scheduled", "Scheduled"
    RESOLVED = "resolved", "Resolved"
    CLOSED = "closed", "Closed"


# Which statuses a ticket may move to from each status. Reopening a resolved ticket is allowed;
# a closed ticket is final.
TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.NEW: frozenset(
        {
            TicketStatus.IN_PROGRESS,
            TicketStatus.NEEDS_SCHEDULING,
            TicketStatus.SCHEDULED,
            TicketStatus.WAITING_CLIENT,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.IN_PROGRESS: frozenset(
        {
            TicketStatus.WAITING_CLIENT,
            TicketStatus.NEEDS_SCHEDULING,
            TicketStatus.SCHEDULED,
            TicketStatus.RESOLVED,
        }
    ),
    TicketStatus.WAITING_CLIENT: frozenset(
        {
            TicketStatus.IN_PROGRESS,
            TicketStatus.NEEDS_SCHEDULING,
            TicketStatus.SCHEDULED,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.NEEDS_SCHEDULING: frozenset(
        {
            TicketStatus.IN_PROGRESS,
            TicketStatus.SCHEDULED,
            TicketStatus.WAITING_CLIENT,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.SCHEDULED: frozenset(
        {
            TicketStatus.IN_PROGRESS,
            TicketStatus.NEEDS_SCHEDULING,
            TicketStatus.WAITING_CLIENT,
            TicketStatus.RESOLVED,
            TicketStatus.CLOSED,
        }
    ),
    TicketStatus.RESOLVED: frozenset({TicketStatus.IN_PROGRESS, TicketStatus.CLOSED}),
    TicketStatus.CLOSED: frozenset(),
}

CLOSED_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
OPEN_STATUSES = frozenset(TicketStatus) - set(CLOSED_STATUSES)


class Priority(models.IntegerChoices):
    CRITICAL = 1, "P1 Critical"
    HIGH = 2, "P2 High"
    MEDIUM = 3, "P3 Medium"
    LOW = 4, "P4 Low"


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
