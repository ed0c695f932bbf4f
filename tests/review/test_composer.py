"""Message templates, their placeholders, and the tone check before a follow-up goes out
(the classifier in review/tone/, as the composer asks it; tests/review/test_tone.py measures
the classifier itself)."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from daybook.review.composer import (
    Subject,
    fill,
    message_tone,
    placeholder_values,
    template_errors,
)
from daybook.review.models import MessageTemplate
from tests.zones import NEW_YORK

from .helpers import FRIDAY, at


def tone_warnings(text: str) -> list:
    """The warnings the composer shows for `text` (the word rules that used to answer this
    are gone: the classifier answers now)."""
    return list(message_tone(body=text).warnings)


# --- the tone check, both ways ------------------------------------------------------------------

ACCUSATORY = [
    "Explain yourself. You were missing from 2 to 3.",
    "Why didn't you log the afternoon?",
    "Where were you between 14:00 and 15:00?",
    "This is unacceptable, please fix it today.",
    "You need to justify the time before Monday.",
    "You always forget to log your time.",
    "Once again there is a gap in your day.",
    pytest.param(
        "You failed to log an hour on Friday.",
        marks=pytest.mark.xfail(strict=True, reason="the classifier does not flag this yet"),
    ),
    "Log it today or else.",
    pytest.param(
        "Please log the hour!!!",
        marks=pytest.mark.xfail(strict=True, reason="the classifier does not flag this yet"),
    ),
    "LOG YOUR TIME please",
    "An hour was wasted here.",
]

FRIENDLY = [
    "Hi Tess, could you help me place the time between 14:00 and 15:00 on Friday? "
    "Which ticket did it belong to? Thanks!",
    "I'm sure you were busy. Was it the Contoso outage? Logging it there helps the client.",
    "Thanks again for covering the phones. Could you log the hour to the right ticket?",
    "One entry has no notes yet; when you have a minute, a line would help the statement.",
    "The SLA report and the VPN ticket look great, thanks.",
]


@pytest.mark.parametrize("text", ACCUSATORY)
def test_accusatory_messages_get_a_warning_with_advice(text):
    warnings = tone_warnings(text)
    assert warnings, text
    assert all(w.advice and w.phrase for w in warnings)


@pytest.mark.parametrize("text", FRIENDLY)
def test_friendly_messages_pass(text):
    assert tone_warnings(text) == []


def test_the_warning_quotes_the_phrase_it_found():
    [warning] = tone_warnings("Hi Tess, why didn't you log it?")
    # The classifier quotes the sentence the words stand in, without the greeting.
    assert "why didn't you" in warning.phrase
    assert "Hi Tess" not in warning.phrase


@pytest.mark.django_db
def test_the_shipped_templates_pass_their_own_tone_check():
    templates = list(MessageTemplate.objects.all())
    assert len(templates) == 3
    for template in templates:
        assert tone_warnings(f"{template.subject}\n{template.body}") == [], template.name


# --- templates and placeholders -----------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_template_asks_for_help_and_fills_every_placeholder():
    template = MessageTemplate.objects.get(is_default=True)
    values = placeholder_values(
        first_name="Tess",
        day=FRIDAY,
        zone=NEW_YORK,
        about=Subject(gap_start=at(FRIDAY, 14, 10), gap_end=at(FRIDAY, 15, 5)),
        reviewer="Lena",
    )
    body = fill(template.body, values)
    assert "Hi Tess," in body
    assert "Friday 14 March between 14:10 and 15:05 (55 minutes)" in body
    assert "Which ticket or project" in body
    assert body.endswith("Lena")
    assert "{" not in body
    assert fill(template.subject, values) == "A quick question about Friday 14 March"


def test_gap_times_are_shown_in_the_members_zone_on_a_dst_day():
    # 9 March 2025: New York springs forward at 02:00; 13:00 local is 17:00 UTC (UTC-4).
    sunday = date(2025, 3, 9)
    values = placeholder_values(
        first_name="Tess",
        day=sunday,
        zone=NEW_YORK,
        about=Subject(gap_start=at(sunday, 13), gap_end=at(sunday, 14)),
        reviewer="Lena",
    )
    assert (values["gap_start"], values["gap_end"], values["minutes"]) == ("13:00", "14:00", "60")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("Hi {name}", "Unknown placeholder {name}"),
        ("Hi {first_name", "braces don't pair up"),
        ("Hi {first_name!r}", "without a format or conversion"),
        ("Hi {minutes:>5}", "without a format or conversion"),
    ],
)
def test_bad_placeholders_are_refused_with_a_clear_message(body, message):
    errors = template_errors(subject="Hello", body=body)
    assert message in " ".join(errors["body"])


@pytest.mark.django_db
def test_saving_a_template_with_a_bad_placeholder_changes_nothing():
    template = MessageTemplate(name="Broken", subject="About {day}", body="Hi {first_name}")
    with pytest.raises(ValidationError) as error:
        template.full_clean()
    assert "Unknown placeholder {day}" in str(error.value)
    assert not MessageTemplate.objects.filter(name="Broken").exists()


def test_literal_braces_are_allowed_doubled():
    assert template_errors(subject="Hi", body="Use {{ and }} freely, {first_name}") == {}


@pytest.mark.django_db
def test_a_finding_gets_a_template_without_gap_times():
    from daybook.review.composer import suits

    finding = Subject(finding="missing_notes")
    fitting = [
        t.name
        for t in MessageTemplate.objects.all()
        if suits(subject=t.subject, body=t.body, about=finding)
    ]
    assert fitting == ["A detail missing on an entry", "General question about a day"]
    gap = Subject(gap_start=at(FRIDAY, 12), gap_end=at(FRIDAY, 13))
    assert MessageTemplate.objects.filter(is_default=True).get().name == "Help placing a gap"
    assert suits(subject="x", body="{gap_start}-{gap_end}", about=gap)
