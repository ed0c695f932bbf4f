"""Hand-written cues the n-grams can't see well: shouting, stacked punctuation, a sentence that
opens with "why" at the reader, "you" next to a negation, counting repeats, sweeping words."""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

# Short capitalised words that are names of things, not raised voices.
ACRONYMS = frozenset(
    "I IT HR PTO SLA VPN MFA SSO DNS API PSA PC OK AM PM ASAP ID UK US EU CEO CTO ISP "
    "NAS RDP SSL TLS USB AD MSP T&M QA UI UX FAQ CRM ERP POS BIOS DHCP WIFI LAN WAN".split()
)
_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_YOU = r"\b(?:you|your|you're|yours|yourself)\b"
_NEGATION = r"(?:\w+n't|\bnot\b|\bnever\b|\bnothing\b|\bnone\b)"
_WHY_START = re.compile(r"^\W*(?:(?:so|and|but|ok|okay|seriously)\W+)?(?:why|how come)\b", re.I)
_YOU_NEGATION = re.compile(
    rf"{_YOU}(?:\W+\w+){{0,2}}?\W+{_NEGATION}|\b\w+n't you\b|\bnot you\b", re.I
)
_REPEAT = re.compile(
    r"\bagain\b|\bevery (?:single )?time\b|\bhow many (?:more )?times\b|\bonce more\b|"
    r"\b(?:second|third|fourth|fifth|sixth) (?:time|day|week|follow-up)\b|\bkeeps? \w+ing\b|"
    r"\bstill\b|\byet another\b|\bhow often\b|\btimes now\b",
    re.I,
)
_SWEEPING = re.compile(
    rf"{_YOU}[^.?!]{{0,30}}\b(?:always|never|constantly|every single|not once|ever)\b|"
    r"\b(?:not once|without fail|not (?:a )?single|none of your|nothing you)\b",
    re.I,
)
_SOFTENER = re.compile(
    r"\b(?:can|could|would) you (?:help|give|lend) me\b|\bno (?:rush|worries|pressure|need)\b|"
    r"\bhappy to\b|\bwhen(?:ever)? you (?:get|have) a (?:minute|moment|sec|chance)\b|"
    r"\bthank(?:s| you)\b|\bmight be (?:a bug|on our side|the app|the sync)\b|\bon our side\b",
    re.I,
)
_EXCLAIMS = re.compile(r"[!?]*![!?]+|\?{2,}")

FEATURE_NAMES = (
    "shouted_share",
    "shouted_word",
    "stacked_marks",
    "why_opening",
    "why_at_you",
    "you_negation",
    "question_marks",
    "repeats",
    "sweeping",
    "softeners",
)


def normalise(text: str) -> str:
    """Lower case with digits folded to 0, so 10:15 and 14:40 or #4521 and #3920 look alike:
    times and ticket numbers say nothing about tone."""
    return re.sub(r"\d", "0", text.lower())


def _shouted(words: list[str]) -> list[str]:
    return [w for w in words if len(w) >= 2 and w.isupper() and w.strip("'") not in ACRONYMS]


def cues(text: str) -> list[float]:
    """The cues of one message, each scaled to 0..1 so none outweighs the n-grams by size."""
    words = _WORD.findall(text)
    letters = sum(len(w) for w in words) or 1
    shouted = _shouted(words)
    sentences = [s.strip() for s in _SENTENCE.findall(text) if s.strip()]
    why_openings = [s for s in sentences if _WHY_START.search(s)]
    return [
        min(1.0, 3 * sum(len(w) for w in shouted) / letters),
        1.0 if shouted else 0.0,
        min(1.0, len(_EXCLAIMS.findall(text)) / 2),
        1.0 if why_openings else 0.0,
        1.0 if any(re.search(_YOU, s, re.I) for s in why_openings) else 0.0,
        min(1.0, len(_YOU_NEGATION.findall(text)) / 2),
        min(1.0, text.count("?") / 3),
        min(1.0, len(_REPEAT.findall(text)) / 2),
        min(1.0, len(_SWEEPING.findall(text)) / 2),
        min(1.0, len(_SOFTENER.findall(text)) / 2),
    ]


class LinguisticCues(TransformerMixin, BaseEstimator):
    """scikit-learn wrapper around `cues`; stateless, so fitting learns nothing."""

    def fit(self, texts: list[str], y: object = None) -> "LinguisticCues":
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        return np.array([cues(t) for t in texts], dtype=float).reshape(-1, len(FEATURE_NAMES))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(FEATURE_NAMES, dtype=object)
