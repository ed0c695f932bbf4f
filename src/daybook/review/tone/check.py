"""The tone check a reviewer sees before a follow-up goes out. It warns and suggests; it never
blocks, because the reviewer knows the context."""

from dataclasses import dataclass

from .explain import findings
from .suggest import rewrite


@dataclass(frozen=True)
class ToneWarning:
    """One part of a message that reads as blame: the words, why they read that way, and what
    to write instead."""

    quote: str
    why: str
    advice: str

    @property
    def phrase(self) -> str:
        """The quoted words, under the name the composer templates already use."""
        return self.quote


@dataclass(frozen=True)
class ToneResult:
    """`score` is the probability the whole message reads as accusatory. `warnings` is empty,
    and `suggestion` blank, when it reads as curious."""

    warnings: tuple[ToneWarning, ...]
    suggestion: str
    score: float

    @property
    def flagged(self) -> bool:
        return bool(self.warnings)


def check_tone(text: str) -> ToneResult:
    """Whether `text` reads as accusatory, where, why, and a curious rewrite of it."""
    if not text.strip():
        return ToneResult((), "", 0.0)
    # Imported here so that importing the review app doesn't load scikit-learn; the model is
    # read on the first check and kept for the life of the process.
    from .model import load_model

    model = load_model()
    score = float(model.scores([text])[0])
    if score < model.threshold:
        return ToneResult((), "", score)
    found = findings(text, model)
    warnings = tuple(
        ToneWarning(quote=f.quote, why=f.guidance.why, advice=f.guidance.advice) for f in found
    )
    return ToneResult(warnings, rewrite(text, focus=" ".join(f.quote for f in found)), score)
