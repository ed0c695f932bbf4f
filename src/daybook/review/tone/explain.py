"""Why a message was flagged: the span that drives the accusatory score most, the form of
accusation it takes, and what to write instead."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_CLAUSE_BREAK = re.compile(r"[,;:]\s+|\s[-\u2013\u2014]\s")
# Only a greeting followed by punctuation ("Hi Sam,"), so "Morning traffic was awful" stays.
_GREETING = re.compile(
    r"^(?:hi|hey|hello|dear|morning|afternoon|good (?:morning|afternoon|evening))\b"
    r"(?: there| all| team| everyone)?(?: [A-Z][\w'-]*)?\s*[,.!:-]+\s*",
    re.I,
)
_GAP_WORDS = re.compile(
    r"\b(?:gap|hole|empty|blank|missing|nothing|unlogged|unaccounted|no time|no entries)\b",
    re.I,
)
MAX_WARNINGS = 3


@dataclass(frozen=True)
class Guidance:
    why: str
    advice: str


GUIDANCE: dict[str, Guidance] = {
    "why_question": Guidance(
        "A 'why' question aimed at the person reads as a demand to justify themselves.",
        "Ask what the time was for instead: which ticket or project were you on?",
    ),
    "demand_explain": Guidance(
        "Asking someone to explain or account for their time treats them as a suspect.",
        "Ask for help placing the time: which ticket or project does it belong to?",
    ),
    "blame_motive": Guidance(
        "It guesses at a motive (a long lunch, an early finish) before you know what happened.",
        "Leave the guess out. Say what you see, the times, and assume they were busy with "
        "real work.",
    ),
    "repeat_count": Guidance(
        "Counting repeats ('again', 'third time') turns one day into a charge sheet.",
        "Ask about this day only. If something keeps happening, talk in person and ask what "
        "gets in the way.",
    ),
    "comparison": Guidance(
        "Comparing someone with their colleagues shames them and says nothing about this day.",
        "Leave the rest of the team out of it and ask about their own day.",
    ),
    "threat": Guidance(
        "A threat (HR, the review, pay, consequences) turns a question into a warning.",
        "A follow-up only asks for help with the record. If there is a real performance "
        "concern, raise it in a conversation, not here.",
    ),
    "absolute": Guidance(
        "Words like 'always' and 'never' turn one day into a verdict on the person.",
        "Describe the one day you are asking about, with its times.",
    ),
    "sarcasm": Guidance(
        "Sarcasm says the opposite of what it means, and it reads as contempt.",
        "Say plainly what you see and ask a real question.",
    ),
    "shouting": Guidance(
        "Capitals and stacked exclamation or question marks read as shouting.",
        "Write in normal case with one question mark; a calm request is clearer.",
    ),
    "presumed_fault_command": Guidance(
        "A bare command assumes the person is at fault.",
        "Ask instead (could you add...?) and say what it helps with: the client's statement, "
        "the agreement, their own day adding up.",
    ),
    "need_expect": Guidance(
        "Putting it as your need or expectation, often with a deadline, makes a question an order.",
        "Ask for help and leave them room: when you have a minute, could you...?",
    ),
}
GAP_WHY = "A 'why' question about a gap reads as a demand for an excuse."
FALLBACK = Guidance(
    "This reads as blame rather than a question.",
    "Assume positive intent: say what you see and ask for help placing the time.",
)


class Scorer(Protocol):
    threshold: float

    def features(self, texts: list[str]) -> Any: ...

    def scores_of(self, features: Any) -> Sequence[float]: ...

    def forms_of(self, features: Any) -> list[str]: ...


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def _trimmed(text: str, start: int, end: int) -> Span | None:
    """The span without surrounding spaces (and without a leading greeting), or None when
    nothing worth quoting is left."""
    piece = text[start:end]
    greeting = _GREETING.match(piece.lstrip())
    if greeting:
        start += len(piece) - len(piece.lstrip()) + greeting.end()
        piece = text[start:end]
    start += len(piece) - len(piece.lstrip())
    end -= len(piece) - len(piece.rstrip())
    if end <= start or (len(text[start:end].split()) < 2 and not text[start:end].isupper()):
        return None
    return Span(start, end)


def sentence_spans(text: str) -> list[Span]:
    found = (_trimmed(text, m.start(), m.end()) for m in _SENTENCE.finditer(text))
    return [span for span in found if span]


def clause_spans(text: str, sentence: Span) -> list[Span]:
    spans, start = [], sentence.start
    for m in _CLAUSE_BREAK.finditer(text, sentence.start, sentence.end):
        spans.append(_trimmed(text, start, m.start()))
        start = m.end()
    spans.append(_trimmed(text, start, sentence.end))
    return [span for span in spans if span and len(text[span.start : span.end].split()) >= 3]


def guidance(form: str, quote: str) -> Guidance:
    found = GUIDANCE.get(form, FALLBACK)
    if form == "why_question" and _GAP_WORDS.search(quote):
        return Guidance(GAP_WHY, found.advice)
    return found


@dataclass(frozen=True)
class Finding:
    quote: str
    form: str
    guidance: Guidance


def findings(text: str, model: Scorer) -> list[Finding]:
    """For a flagged `text`: each sentence that scores as accusatory on its own (at most
    MAX_WARNINGS, in reading order), or the single highest-scoring sentence when none does
    alone. A sentence is narrowed to one clause when that clause scores at least as high, so
    the quote points at the words that carry the tone."""
    sentences = sentence_spans(text) or [Span(0, len(text))]
    clauses = [clause_spans(text, s) for s in sentences]
    candidates = sentences + [c for group in clauses for c in group]
    # One pass over the features serves both the scores and the forms (sentences come first).
    features = model.features([text[c.start : c.end] for c in candidates])
    scores = list(model.scores_of(features))
    score_of = dict(zip(candidates, scores, strict=True))
    chosen = [s for s in sentences if score_of[s] >= model.threshold]
    if not chosen:
        chosen = [max(sentences, key=lambda s: score_of[s])]
    chosen = sorted(chosen, key=lambda s: -score_of[s])[:MAX_WARNINGS]
    quotes, rows = [], []
    for sentence in sorted(chosen, key=lambda s: s.start):
        group = clauses[sentences.index(sentence)]
        best = max(group, key=lambda c: score_of[c], default=None)
        span = best if best and score_of[best] >= score_of[sentence] else sentence
        quotes.append(text[span.start : span.end])
        rows.append(sentences.index(sentence))
    # The form is read from the whole sentence: a clause alone is often too short to tell
    # sarcasm from blame.
    forms = model.forms_of(features[rows])
    return [Finding(q, f, guidance(f, q)) for q, f in zip(quotes, forms, strict=True)]
