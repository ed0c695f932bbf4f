"""Finding a ticket to log time on from what a technician remembers of it: its number, words
of its summary, or its company."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from daybook.service.choices import TicketStatus
from daybook.service.models import Ticket

SUGGESTIONS = 10
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_suggestions(query: str, *, limit: int = SUGGESTIONS) -> QuerySet[Ticket]:
    """Up to `limit` tickets matching every word of `query`, each word found in the number,
    the summary or the company's name. The ticket with exactly that number comes first, then
    open tickets before resolved and closed ones, newest first. An empty query finds nothing."""
    words = query.replace("#", " ").split()
    if not words:
        return Ticket.objects.none()
    match = Q()
    exact = None
    for word in words:
        found = Q(summary__icontains=word) | Q(company__name__icontains=word)
        if word.isdigit():
            found |= Q(pk=int(word))
            exact = int(word) if len(words) == 1 else exact
        match &= found
    exact_first = When(pk=exact, then=Value(0)) if exact is not None else When(pk=0, then=Value(1))
    return (
        Ticket.objects.filter(match)
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
