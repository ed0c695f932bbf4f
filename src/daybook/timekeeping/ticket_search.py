"""Finding a ticket to log time on from what a technician remembers of it: its number, words
of its summary, or its company."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket
from daybook.service.selectors import ticket_number, tickets_matching

SUGGESTIONS = 10
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_suggestions(query: str, *, limit: int = SUGGESTIONS) -> QuerySet[Ticket]:
    """Up to `limit` tickets matching every word of `query`, each word found in the number,
    the summary or the company's name. The ticket with exactly that number comes first, then
    open tickets before resolved and closed ones, newest first. An empty query finds nothing."""
    words = query.replace("#", " ").split()
    if not words:
        return Ticket.objects.none()
    exact = ticket_number(words[0]) if len(words) == 1 else None
    exact_first = When(pk=exact, then=Value(0)) if exact is not None else When(pk=0, then=Value(1))
    return (
        Ticket.objects.filter(tickets_matching(words))
        .select_related("company")
        .annotate(
            exact=Case(exact_first, default=Value(1), output_field=IntegerField()),
            done=Case(
                When(status__in=DONE_STATUSES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
        )
        .order_by("exact", "done", "-opened_at")[:limit]
    )
