"""The follow-up tone check: measured on its held-out test split and on messages written apart
from the corpus, reproducible, explained, and reachable from the command line."""

import csv
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from daybook.review.tone import ToneWarning, check_tone
from daybook.review.tone.corpus import (
    COLUMNS,
    CORPUS_PATH,
    Example,
    assign_splits,
    read_corpus,
)
from daybook.review.tone.model import MODEL_PATH, ModelUnavailable, load_model
from daybook.review.tone.train import evaluate, train

ACCUSATORY_FORMS = {
    "why_question",
    "demand_explain",
    "blame_motive",
    "repeat_count",
    "comparison",
    "threat",
    "absolute",
    "sarcasm",
    "shouting",
    "presumed_fault_command",
    "need_expect",
}
MIN_RECALL = 0.90
MAX_FALSE_ALARM = 0.05

# Written apart from the corpus, after it was drafted, with other names, clients and wording;
# never added to it or paraphrased into it. They guard against a model that only knows the
# corpus. If they fail, make the corpus more varied; don't copy these into it.
FRESH_ACCUSATORY = [
    "Why does your Thursday stop dead at 3:15, Aiden?",
    "Dev, how come the Thornbury Legal onboarding shows no hours at all from you?",
    "Aiden, I want you to lay out, step by step, what happened to the two hours before your "
    "lunch break on Tuesday.",
    "Send me a written rundown of every task you did this morning so I can check it against "
    "the board.",
    "I reckon you nipped out for a long appointment and just didn't bother telling anyone.",
    "Those three hours on the switch replacement are a stretch, and I think you know it.",
    "Fourth Monday in a row with an empty morning. What is going on?",
    "I'm getting really fed up of writing this message every single week.",
    "Dev, the rest of the field team had their Millbrook visits in by the same evening. "
    "Yours turned up five days later.",
    "Every other engineer hit 90% real-time last month. You're on 55.",
    "Leave another gap like this and I'll be bringing it up with HR at the end of the quarter.",
    "If Millbrook's hours aren't corrected by Thursday, I'll be talking to the ops director "
    "about your place on that account.",
    "You have literally never filled in a Friday on time.",
    "Nothing about your notes ever tells me what you actually did.",
    "Oh, three hours to swap a keyboard? Hope it wasn't too exhausting.",
    "Must be great having a job where nobody can tell what you did all day.",
    "I want the missing hours in the system TODAY, Aiden.",
    "Where is your timesheet?!?",
    "Rebook the two hours you put under Training onto the Millbrook ticket, and check with me "
    "before you pick a work type again.",
    "Sit down after your last call and get this week's calendar into shape. It shouldn't take "
    "a reminder from me.",
    "I need you to answer for the missing morning before you do anything else.",
    "I'm expecting a full list of what you worked on yesterday afternoon, on my desk first thing.",
]
FRESH_CURIOUS = [
    "Hi Aiden, hope Thursday wasn't too hectic. There's a stretch from 15:15 to 16:30 without "
    "a ticket. Which job were you on?",
    "No need to explain the gap on Tuesday, I only need to know which client it belongs to.",
    "Dev, any idea why the Thornbury timer froze at 9:02? Another tech saw the same thing, so "
    "it may be on our end.",
    "Thanks for sticking with the Millbrook backup tapes all afternoon. Could you add those "
    "hours to their ticket when you're back?",
    "Your notes are always a pleasure to read, Aiden. One entry on Friday is missing a line "
    "though. Could you add one?",
    "Our calendar connector had an outage in the night. If something from Monday has gone "
    "from your day, that's on us; could you put it back in?",
    "What a pain that the reimage took most of Tuesday. Book those hours to the internal IT "
    "job so they still count.",
    "Hi Dev, can you help me? I'm missing about 35 minutes between 11:25 and 12:00 on "
    "Wednesday. What were you on?",
    "Is anything about the entry screen awkward to use on site? Tell me and I'll push for changes.",
    "The whole field team got the same late-entry alert yesterday because of a settings "
    "glitch, so please ignore it.",
    "Absolutely no hurry on this. When you get a quiet moment, could you match the two Tuesday "
    "calls to tickets?",
    "Quick check on the Thornbury switch swap: it's filed as Remote Support, but I think you "
    "went in person. Which is right?",
    "I'm curious why the Millbrook project keeps running over. Would you mind sharing what "
    "you're seeing on site?",
    "Late entries after a long site day are totally understandable. Thanks for getting them in.",
    "Hi Aiden, you handled the Thornbury outage brilliantly. Could you log the evening part "
    "on the incident ticket?",
    "Does the 50-minute block before the team meeting on Friday belong to a client, or was it "
    "internal?",
    "Welcome back, Dev! No rush, but last Wednesday still has one open hour when you're settled.",
    "The password-spray alerts kept the whole desk busy on Monday. Your share can go on the "
    "security incident ticket.",
    "Hi Aiden, I'm putting the Millbrook monthly report together. Could you tell me roughly "
    "how much of Thursday went on their backups?",
    "Hey Dev, I noticed the timer on the Thornbury ticket is still running from last night. "
    "Could you set the end time to when you finished?",
    "I'm writing up the Thornbury bill. What did the 3-hour entry on #6124 involve? I'd like "
    "to describe it well.",
    "Why don't I set up a shortcut for the Millbrook tickets? It might save you a few clicks "
    "every day.",
]

BRIEF_ACCUSATORY = "Why is there a gap on your calendar?"
BRIEF_CURIOUS = (
    "Hey Sam, can you help me? I see 50 minutes between 10:10 and 11:00 that aren't logged. "
    "What were you working on?"
)


def flagged_share(texts: list[str]) -> float:
    return float(np.mean([bool(check_tone(t).warnings) for t in texts]))


@pytest.fixture(scope="module")
def corpus() -> list[Example]:
    return read_corpus()


@pytest.fixture(scope="module")
def test_split(corpus) -> list[Example]:
    return [e for e in corpus if e.split == "test"]


# --- the corpus and its split ---------------------------------------------------------------


def test_corpus_is_large_balanced_and_covers_every_accusatory_form(corpus):
    accusatory = [e for e in corpus if e.is_accusatory]
    assert len(corpus) >= 700
    assert 0.4 <= len(accusatory) / len(corpus) <= 0.6
    assert {e.form for e in accusatory} == ACCUSATORY_FORMS
    assert len({e.text for e in corpus}) == len(corpus), "duplicate messages"


def test_corpus_split_column_is_the_seeded_stratified_quarter(corpus):
    assert assign_splits(Example(e.text, e.label, e.form) for e in corpus) == corpus
    for form in {e.form for e in corpus}:
        rows = [e for e in corpus if e.form == form]
        held_out = sum(e.split == "test" for e in rows) / len(rows)
        assert 0.2 <= held_out <= 0.35, form


def test_corpus_file_has_the_documented_columns():
    with CORPUS_PATH.open(newline="", encoding="utf-8") as handle:
        assert tuple(next(csv.reader(handle))) == COLUMNS


def test_fresh_messages_are_not_in_the_corpus_nor_close_paraphrases(corpus):
    texts = [e.text for e in corpus]
    fresh = FRESH_ACCUSATORY + FRESH_CURIOUS
    assert not set(fresh) & set(texts)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2)).fit(texts + fresh)
    nearest = cosine_similarity(vectorizer.transform(fresh), vectorizer.transform(texts))
    assert nearest.max() < 0.5


# --- how well it does -----------------------------------------------------------------------


def test_shipped_model_flags_nine_in_ten_accusatory_and_few_curious_on_the_test_split(
    test_split,
):
    metrics = evaluate(load_model(), test_split)
    assert metrics.recall >= MIN_RECALL
    assert metrics.false_alarm_rate <= MAX_FALSE_ALARM
    assert set(metrics.recall_by_form) == ACCUSATORY_FORMS


def test_fresh_accusatory_messages_are_flagged():
    assert flagged_share(FRESH_ACCUSATORY) >= MIN_RECALL


def test_fresh_curious_messages_are_rarely_flagged():
    assert flagged_share(FRESH_CURIOUS) <= MAX_FALSE_ALARM


def test_a_why_question_about_a_gap_is_flagged_as_a_demand_for_an_excuse():
    result = check_tone(BRIEF_ACCUSATORY)
    [warning] = result.warnings
    assert warning.quote == BRIEF_ACCUSATORY
    assert "why" in warning.why.lower()
    assert result.score >= load_model().threshold


def test_asking_for_help_with_a_gap_is_not_flagged():
    result = check_tone(BRIEF_CURIOUS)
    assert result.warnings == ()
    assert result.suggestion == ""
    assert result.score < load_model().threshold


def test_retraining_reproduces_the_shipped_model(test_split):
    model, metrics = train(output=None)
    shipped = load_model()
    assert model.threshold == shipped.threshold
    assert metrics.recall == evaluate(shipped, test_split).recall
    texts = [e.text for e in test_split]
    assert np.allclose(model.scores(texts), shipped.scores(texts))


def test_shipped_model_file_is_small():
    assert MODEL_PATH.stat().st_size < 2 * 1024 * 1024


# --- what a warning says --------------------------------------------------------------------


@pytest.mark.parametrize("text", [*FRESH_ACCUSATORY[:8], BRIEF_ACCUSATORY])
def test_each_warning_quotes_part_of_the_message_and_says_why_and_what_instead(text):
    result = check_tone(text)
    assert result.warnings
    for warning in result.warnings:
        assert warning.quote
        assert warning.quote in text
        assert warning.why
        assert warning.advice
        assert warning.phrase == warning.quote


def test_the_quote_points_at_the_accusatory_sentence_not_the_greeting():
    text = (
        "Hi Priya, thanks for the notes on #4410. Why is Tuesday empty between 10:15 and "
        "11:00? This is the third time this week."
    )
    quotes = [w.quote for w in check_tone(text).warnings]
    assert any("Tuesday empty" in q for q in quotes)
    assert not any(q.startswith("Hi Priya") for q in quotes)


@pytest.mark.parametrize(
    "text",
    [
        "Lena, why is nothing logged between 13:10 and 14:40 on #4521? Explain yourself.",
        "Hi Lena, I need you to account for 13:10-14:40 on #4521 by noon. No excuses.",
    ],
)
def test_the_suggestion_keeps_name_times_and_ticket_and_reads_as_curious(text):
    suggestion = check_tone(text).suggestion
    for detail in ("Hi Lena,", "13:10", "14:40", "#4521", "90 minutes", "can you help me"):
        assert detail in suggestion
    assert check_tone(suggestion).warnings == ()


@pytest.mark.parametrize("text", FRESH_ACCUSATORY)
def test_suggestions_are_themselves_curious(text):
    result = check_tone(text)
    if result.warnings:
        assert check_tone(result.suggestion).warnings == ()


def test_an_empty_message_has_nothing_to_warn_about():
    assert check_tone("  \n").warnings == ()


def test_warnings_are_immutable():
    warning = ToneWarning(quote="q", why="w", advice="a")
    with pytest.raises(AttributeError):
        warning.quote = "other"  # type: ignore[misc]


def test_a_missing_model_file_says_how_to_rebuild_it(tmp_path):
    with pytest.raises(ModelUnavailable, match="daybook tone train"):
        load_model(tmp_path / "missing.joblib")


# --- the command ----------------------------------------------------------------------------


def small_corpus(tmp_path: Path) -> Path:
    """Every third row of the corpus, so the command can train in a second or two."""
    rows = read_corpus()[::3]
    path = tmp_path / "corpus.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows((e.text, e.label, e.form, e.split) for e in rows)
    return path


def test_tone_train_prints_test_metrics_and_recall_per_form(tmp_path):
    out = StringIO()
    output = tmp_path / "model.joblib"
    call_command(
        "tone",
        "train",
        "--corpus",
        str(small_corpus(tmp_path)),
        "--output",
        str(output),
        stdout=out,
    )
    printed = out.getvalue()
    for words in ("precision", "recall", "F1", "false alarms", "recall by accusatory form"):
        assert words in printed
    for form in ACCUSATORY_FORMS:
        assert form in printed
    assert output.exists()
    assert load_model(output).threshold > 0


def test_tone_train_dry_run_writes_nothing(tmp_path):
    out = StringIO()
    output = tmp_path / "model.joblib"
    call_command(
        "tone",
        "train",
        "--dry-run",
        "--corpus",
        str(small_corpus(tmp_path)),
        "--output",
        str(output),
        stdout=out,
    )
    assert "Dry run" in out.getvalue()
    assert not output.exists()


def test_tone_check_prints_the_quote_and_a_suggestion():
    out = StringIO()
    call_command("tone", "check", BRIEF_ACCUSATORY, stdout=out)
    printed = out.getvalue()
    assert "reads as accusatory" in printed
    assert f'"{BRIEF_ACCUSATORY}"' in printed
    assert "suggestion: " in printed


def test_tone_check_passes_a_curious_message():
    out = StringIO()
    call_command("tone", "check", BRIEF_CURIOUS, stdout=out)
    assert "reads as curious" in out.getvalue()
