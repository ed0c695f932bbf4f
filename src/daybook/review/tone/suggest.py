"""A curious rewrite of a flagged message, built from a few templates and the concrete details
found in the original: the member's name, times, a duration, a ticket number and the day."""

import re
from dataclasses import dataclass

# The greeting in any case, the name capitalised: "hi Sam", "Hi Sam" but not "hi there".
_NAME_AFTER_GREETING = re.compile(
    r"^\s*(?i:hi|hey|hello|dear|morning|good (?:morning|afternoon|evening))\s+"
    r"([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\b"
)
_NAME_FIRST = re.compile(r"^\s*([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\s*[,:!-]\s")
# "..., Mei." or "..., Aiden?" at the end of a sentence.
_NAME_LAST = re.compile(r",\s*([A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)\s*[.?!]+(?:\s|$)")
# Words that open a sentence with a comma after them but are not names.
_NOT_NAMES = frozenset(
    (  # noqa: SIM905
        "again also and but well okay ok right so sure seriously honestly look listen please "
        "thanks cheers morning hello hey hi oh ah wow great brilliant lovely nice fine yes no "
        "sorry still once today yesterday tomorrow team everyone all"
    ).split()
)
_CLOCK = r"(?:[01]?\d|2[0-3])[:.][0-5]\d"
_RANGE = re.compile(rf"\b({_CLOCK})\s*(?:-|\u2013|to|and|until|till)\s*({_CLOCK})\b")
_DURATION = re.compile(
    r"\b((?:\d+(?:\.\d+)?|an?|one|two|three|four|five|six|seven|eight|half an?)"
    r"(?:[- ](?:and a half))?[- ]?(?:hours?|hrs?|minutes?|mins?))\b",
    re.I,
)
_TICKET = re.compile(r"#\d+")
_DAY = re.compile(r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday)\b", re.I)
_TOPICS = (
    ("timer", re.compile(r"\btimers?\b", re.I)),
    ("notes", re.compile(r"\bnotes?\b", re.I)),
    ("agreement", re.compile(r"\bagreements?\b", re.I)),
    ("work type", re.compile(r"\bwork types?\b|\bonsite\b|\bremote support\b", re.I)),
    ("billable option", re.compile(r"\bbillable\b|\bno charge\b|\bdo not bill\b", re.I)),
)
_GAP = re.compile(
    r"\b(?:gap|hole|empty|blank|missing|nothing|unlogged|unaccounted|logged|log|time)\b", re.I
)


@dataclass(frozen=True)
class Details:
    name: str = ""
    start: str = ""
    end: str = ""
    duration: str = ""
    ticket: str = ""
    day: str = ""


def _day_name(word: str) -> str:
    return "yesterday" if word.lower() == "yesterday" else word.capitalize()


def _minutes(start: str, end: str) -> int:
    def parse(clock: str) -> int:
        hours, minutes = re.split(r"[:.]", clock)
        return int(hours) * 60 + int(minutes)

    return parse(end) - parse(start)


def details(text: str) -> Details:
    """The concrete details of `text` that a rewrite should keep."""
    name = ""
    for match in (
        _NAME_AFTER_GREETING.match(text),
        _NAME_FIRST.match(text),
        _NAME_LAST.search(text),
    ):
        if match and match.group(1).lower() not in _NOT_NAMES:
            name = match.group(1)
            break
    found_range = _RANGE.search(text)
    duration = _DURATION.search(text)
    ticket = _TICKET.search(text)
    day = _DAY.search(text)
    return Details(
        name=name,
        start=found_range.group(1).replace(".", ":") if found_range else "",
        end=found_range.group(2).replace(".", ":") if found_range else "",
        duration=duration.group(1).lower() if duration else "",
        ticket=ticket.group(0) if ticket else "",
        day=_day_name(day.group(1)) if day else "",
    )


def _topic(*texts: str) -> str:
    """What the message is about, read from the first of `texts` that says: the flagged words
    first, then the whole message."""
    for text in texts:
        for topic, pattern in _TOPICS:
            if pattern.search(text):
                return topic
        # A clock range or a duration in a follow-up is nearly always about a gap.
        if _GAP.search(text) or _RANGE.search(text) or _DURATION.search(text):
            return "gap"
    return "general"


def rewrite(text: str, focus: str = "") -> str:
    """A curious version of `text`: asks for help, assumes the member was busy with real
    work, keeps the details, and says why the record matters. `focus` is the part of the
    message that was flagged; it decides the topic when it names one."""
    d = details(text)
    hello = f"Hi {d.name}," if d.name else "Hi,"
    on_day = f" {d.day}" if d.day == "yesterday" else f" on {d.day}" if d.day else ""
    entry = f"the entry on {d.ticket}" if d.ticket else "one of your entries"
    topic = _topic(focus, text)
    if topic == "timer":
        where = f" on {d.ticket}" if d.ticket else ""
        return (
            f"{hello} can you help me? The timer{where} may still be running{on_day}. When you "
            "have a minute, could you set the end time to when you finished?"
        )
    if topic == "notes":
        return (
            f"{hello} can you help me? {entry.capitalize()}{on_day} could use a line of notes. "
            "When you have a minute, could you add what was done? It helps the client see the "
            "work."
        )
    if topic in ("agreement", "work type", "billable option"):
        return (
            f"{hello} can you help me? I'm not sure {entry}{on_day} has the right {topic}. "
            "Which one fits best? You know the work better than I do."
        )
    if topic == "gap":
        if d.start and _minutes(d.start, d.end) > 0:
            span = f"about {_minutes(d.start, d.end)} minutes between {d.start} and {d.end}"
        elif d.start:
            span = f"some time between {d.start} and {d.end}"
        elif d.duration:
            span = f"about {d.duration}"
        else:
            span = "some time"
        ticket = f" Was it {d.ticket}, or something else?" if d.ticket else ""
        return (
            f"{hello} can you help me? I see {span}{on_day} that isn't logged yet. Which ticket "
            f"or project were you on?{ticket} I'd like the time to reach the right client and "
            "agreement."
        )
    about = f"with {d.day}" if d.day else "with your day"
    return (
        f"{hello} can you help me {about}? I'd like to make sure all of your time is logged, "
        "so it reaches the right client and agreement. Is anything getting in the way of "
        "logging as you go? I'm happy to help."
    )
