"""Finding a ticket to log time on from what a technician remembers of it: its number, words
of its summary, or its company."""

from daybook.service.choices import OPEN_STATUSES, TicketStatus
from daybook.service.models import Ticket
from daybook.service.selectors import tickets_matching

SUGGESTIONS = 10
DONE_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)


def ticket_suggestions(query: str, *, limit: int = SUGGESTIONS) -> list[Ticket]:
    """Up to `limit` tickets matching every word of `query`, each word found in the number,
    the summary or the company's name; open tickets before resolved and closed ones, newest
    first (service.selectors.tickets_matching). An empty query finds nothing.

    Open and done tickets are read apart, the second only for what is still missing: the open
    ones are few (the status index finds them), and the newest done ones are read from the
    opening-time index until enough match, so a common word never sorts every match."""
    words = query.replace("#", " ").split()
    if not words:
        return []
    matching = Ticket.objects.filter(tickets_matching(words)).select_related("company")
    found: list[Ticket] = []
    for statuses in (OPEN_STATUSES, DONE_STATUSES):
        newest = matching.filter(status__in=statuses).order_by("-opened_at", "-pk")
        found += newest[: limit - len(found)]
        if len(found) >= limit:
            break
    return found
