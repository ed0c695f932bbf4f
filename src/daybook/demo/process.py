"""The demo organisation's written time-entry process: its first version, in our own words.

Loaded by `daybook demo` (not by build_demo, which tests use to fill a database: a process in
force sends every member to read it first). Every demo member is asked to read it at their
first page, as a new installation's members would be.
"""

from daybook.home.models import ProcessVersion
from daybook.home.services import process_publish

TITLE = "How we log time"
SUMMARY = "First version."
TEXT = """\
# Why we do this
The hours we log are how we know whether an agreement pays for itself, how much room a team \
has for new work, and what we tell a client we did for them. Time logged as it happens is \
accurate; time rebuilt from memory on Friday is a guess. Nobody here uses it to rank people.

# While you work
- Before you start on a ticket, check it sits on the right agreement. If it looks wrong, flag \
it for dispatch rather than guessing.
- Move the ticket to In Progress when you start: that starts your timer.
- One timer at a time. Switching to another ticket stops the first one and asks for its notes.
- When you stop, write the notes there and then. Writing them is part of the work, and the \
timer keeps running while you do.

# What a good entry has
- Notes the client could read: what you found, what you did, what happens next.
- Anything only we should know goes in the internal notes.
- The work role you worked in and the work type of the job; the form fills in the usual ones.
- Billable, No Charge or Do Not Bill. Work the agreement already covers is never charged on \
top of it; pick No Charge if you want the client to see it.
- The ticket's next status, so the board tells the truth.

# Filling the day
Your day should add up to your expected hours. Meetings, training, admin and breaks that \
belong to nobody go on the internal work types, so the gaps left are the ones that matter.
A gap of a few minutes between tickets is normal; nobody will ask about it.

# At the end of the day
Have a look at My Day before you leave. Stop a timer that is still running, log any gap you \
remember and finish parked drafts.

# When your reviewer asks
Once your working day has ended, a reviewer looks at it. If something is missing they ask \
you about it, assuming there is a good reason: a call that ran long, a client on site without \
a ticket. Answer by logging the time or by saying what happened, whichever is quicker.
"""


def process_seed() -> ProcessVersion | None:
    """Publish the first version unless the installation already has a process."""
    if ProcessVersion.objects.exists():
        return None
    return process_publish(title=TITLE, text=TEXT, summary=SUMMARY, by=None)
