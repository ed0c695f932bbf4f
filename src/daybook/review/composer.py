"""Follow-up messages: filling a template's placeholders from a day, and the tone check that
warns a reviewer before a message that reads as blame goes out (the classifier itself lives in
review/tone/; this is where follow-ups ask it, and where its quotes are marked for a preview)."""

import string
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from .tone import ToneResult, check_tone

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


def message_text(*, subject: str = "", body: str) -> str:
    """What the member reads, as one text: the subject line (if any), then the message."""
    return f"{subject}\n{body}" if subject.strip() else body


def message_tone(*, subject: str = "", body: str) -> ToneResult:
    """The tone check over what the member reads. The same check runs as the reviewer types,
    when a follow-up is sent and when a reviewer replies."""
    return check_tone(message_text(subject=subject, body=body))


def highlighted(text: str, quotes: Iterable[str]) -> SafeString:
    """`text`, escaped, with every place a quote appears wrapped in <mark>; overlapping or
    touching marks are joined, so a phrase inside a quoted sentence is marked once."""
    spans: list[tuple[int, int]] = []
    for quote in {q for q in quotes if q}:
        found = text.find(quote)
        while found != -1:
            spans.append((found, found + len(quote)))
            found = text.find(quote, found + len(quote))
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    parts, at = [], 0
    for start, end in merged:
        parts += [escape(text[at:start]), format_html("<mark>{}</mark>", text[start:end])]
        at = end
    parts.append(escape(text[at:]))
    return format_html_join("", "{}", ((part,) for part in parts))
