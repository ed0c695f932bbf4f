"""Follow-up messages: filling a template's placeholders from a day, and the tone check that
warns a reviewer before a message that reads as blame goes out."""

import re
import string
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError

PLACEHOLDERS: dict[str, str] = {
    "first_name": "the member's first name",
    "date": "the day asked about, e.g. Tuesday 3 March",
    "gap_start": "when the gap starts, in the member's time zone (e.g. 14:10)",
    "gap_end": "when the gap ends, in the member's time zone",
    "minutes": "how long the gap is, in minutes",
    "finding": "the finding asked about, in words",
    "reviewer": "the reviewer's first name",
}

PLACEHOLDER_HELP = ", ".join("{" + name + "}" for name in PLACEHOLDERS)


def _fields(text: str) -> list[str]:
    """The placeholder names in `text`; ValidationError when the braces don't parse."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError as error:
        raise ValidationError(
            f"The braces don't pair up ({error}). Write placeholders as {{first_name}}; "
            "for a literal brace, double it: {{ or }}."
        ) from error
    names = []
    for _, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion:
            raise ValidationError(
                f"Write {{{name}}} without a format or conversion after it; "
                "placeholders are filled in as plain words."
            )
        names.append(name)
    return names


def template_errors(*, subject: str, body: str) -> dict[str, list[str]]:
    """Field errors for a template's subject and body: unpaired braces, unknown placeholders."""
    errors: dict[str, list[str]] = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            names = _fields(text)
        except ValidationError as error:
            errors[field] = error.messages
            continue
        unknown = sorted({n for n in names if n not in PLACEHOLDERS})
        if unknown:
            listed = ", ".join("{" + n + "}" for n in unknown)
            errors[field] = [f"Unknown placeholder {listed}. You can use {PLACEHOLDER_HELP}."]
    return errors


@dataclass(frozen=True)
class Subject:
    """What a follow-up is about: a gap (start and end in UTC), a finding (its kind), or the
    day as a whole."""

    gap_start: datetime | None = None
    gap_end: datetime | None = None
    finding: str = ""


def placeholder_values(
    *,
    first_name: str,
    day: date,
    zone: ZoneInfo,
    about: Subject,
    finding_text: str = "",
    reviewer: str,
) -> dict[str, str]:
    values = {
        "first_name": first_name,
        "date": f"{day:%A} {day.day} {day:%B}",
        "gap_start": "",
        "gap_end": "",
        "minutes": "",
        "finding": finding_text,
        "reviewer": reviewer,
    }
    if about.gap_start and about.gap_end:
        values["gap_start"] = f"{about.gap_start.astimezone(zone):%H:%M}"
        values["gap_end"] = f"{about.gap_end.astimezone(zone):%H:%M}"
        minutes = round((about.gap_end - about.gap_start).total_seconds() / 60)
        values["minutes"] = str(minutes)
    return values


GAP_PLACEHOLDERS = frozenset({"gap_start", "gap_end", "minutes"})


def suits(*, subject: str, body: str, about: Subject) -> bool:
    """Whether a template's placeholders can all be filled for `about`: gap times need a
    gap, {finding} needs a finding."""
    names = set(_fields(subject)) | set(_fields(body))
    if names & GAP_PLACEHOLDERS and not about.gap_start:
        return False
    return not ("finding" in names and not about.finding)


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders replaced; templates are checked on save, so every name is
    known."""
    return text.format_map(values)


@dataclass(frozen=True)
class ToneWarning:
    phrase: str
    advice: str


# Each pattern is a way a message can sound like blame, with what to do instead. The check
# warns; it never blocks, because the reviewer knows the context.
_TONE_RULES: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"\bexplain\b(?: (?:yourself|this|that|the|your|why|where|what))?", re.I),
        "Asking someone to explain reads as a charge. Ask which ticket or project the time "
        "belongs to instead.",
    ),
    (
        re.compile(r"\bjustify\b|\baccount for (?:yourself|your time)\b", re.I),
        "Asking someone to justify their time assumes they did something wrong. Ask for help "
        "placing it instead.",
    ),
    (
        re.compile(
            r"\bwhy (?:didn't|did not|haven't|have not|weren't|wasn't|aren't|don't|do not) you\b",
            re.I,
        ),
        "“Why didn't you…” puts the member on the defensive. Ask what they were working on.",
    ),
    (
        re.compile(r"\bwhere were you\b|\bwhat were you doing\b", re.I),
        "This sounds like checking up on the person. Ask where the time should be logged.",
    ),
    (
        re.compile(
            r"\b(?:unacceptable|inexcusable|lazy|laziness|slacking|careless|sloppy|"
            r"negligent|irresponsible)\b",
            re.I,
        ),
        "A word of blame. Assume the member was busy with real work and ask about the time.",
    ),
    (
        re.compile(r"\bwast(?:e|ed|ing)\b", re.I),
        "“Waste” judges the work before you know what it was.",
    ),
    (
        re.compile(r"\byou (?:always|never|keep)\b|\b(?:yet|once) again\b", re.I),
        "Sweeping words turn one day into a pattern of blame. Ask about this day only.",
    ),
    (
        re.compile(r"\bfail(?:ed|ing|ure)? to\b", re.I),
        "“Failed to” frames the day as a failure. Say what is missing and ask for help.",
    ),
    (
        re.compile(
            r"\b(?:or else|final warning|last warning|disciplinary|written up|consequences)\b",
            re.I,
        ),
        "A threat has no place in a follow-up. It asks for help with the record, nothing more.",
    ),
    (
        re.compile(r"!{2,}"),
        "Several exclamation marks read as shouting.",
    ),
    (
        re.compile(r"\b[A-Z]{4,}(?:\W+[A-Z]{4,})+\b"),
        "Words in capitals read as shouting.",
    ),
]


def tone_warnings(text: str) -> list[ToneWarning]:
    """Phrases in `text` that may read as accusatory, each with a suggestion, in order."""
    found: list[tuple[int, ToneWarning]] = []
    for pattern, advice in _TONE_RULES:
        match = pattern.search(text)
        if match:
            found.append((match.start(), ToneWarning(phrase=match.group(0), advice=advice)))
    return [warning for _, warning in sorted(found, key=lambda pair: pair[0])]
