"""Hand-written cues the n-grams can't learn from a corpus this size: shouting, stacked
punctuation, a "why" aimed at the reader, "you" next to a negation, counting repeats, sweeping
words, and short word lists for blame, threats, comparisons, demands and sarcasm. The lists are
written by hand from what the words mean, not mined from the corpus, so they reach phrasings the
corpus doesn't have; the classifier still learns how much each cue counts.
"""

import re

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

# Short capitalised words that are names of things, not raised voices.
ACRONYMS = frozenset(
    # One string is easier to read and extend than sixty quoted items.
    (  # noqa: SIM905
        "I IT HR PTO SLA VPN MFA SSO DNS API PSA PC OK AM PM ASAP ID UK US EU CEO CTO ISP "
        "NAS RDP SSL TLS USB AD MSP T&M QA UI UX FAQ CRM ERP POS BIOS DHCP WIFI LAN WAN "
        "CPU RAM SSD HDD OS MAC IP SMTP IMAP POP SQL VM PDF CSV NHS GP"
    ).split()
)


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b", re.I)


_WORD = re.compile(r"[A-Za-z][A-Za-z']*")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_CLAUSE = re.compile(r"[,;:]\s*|\s[-\u2013\u2014]\s")
_YOU = r"\b(?:you|your|you're|yours|yourself)\b"
_NEGATION = r"(?:\w+n't|\bnot\b|\bnever\b|\bnothing\b|\bnone\b)"
_GREETING = re.compile(
    r"^\s*(?:hi|hey|hello|dear|morning|afternoon|good (?:morning|afternoon|evening))\b"
    r"(?: there| all| team| everyone)?(?: [A-Z][\w'-]*)?\s*[,.!:-]*\s*",
    re.I,
)
_SIGN_OFF = re.compile(
    r"(?:(?<=[.!?])|^|\n)\s*(?:thanks|thank you|many thanks|cheers|regards|best|"
    r"kind regards)(?:\s*[,!.]?\s*(?:\n\s*)?[A-Z][a-z]+)?[.!]*\s*$|"
    r"\n\s*[-\u2013]?\s*[A-Z][a-z]+\s*$",
    re.I,
)
_WHY_START = re.compile(r"^\W*(?:(?:so|and|but|ok|okay|seriously)\W+)?(?:why|how come)\b", re.I)
# "Why" as an open question with the reviewer curious alongside: about a cause, not a person.
_FRIENDLY_WHY = re.compile(
    r"\b(?:any (?:idea|clue|thoughts?)|not sure|wonder(?:ing)?|curious|puzzled|do you (?:know|"
    r"happen to know|have any idea)|(?:do|did) you think|why (?:don't|not|do) we|why not\b|"
    r"figure out|work out|trying to understand)\b[^.?!]{0,40}\bwhy\b|"
    r"\bwhy (?:do|did|might|would) you think\b|\bwhy not\b|"
    # "Why don't I..." is an offer: the writer is the subject, not the reader.
    r"\bwhy (?:don't|shouldn't|not let) (?:I|we|me)\b",
    re.I,
)
# Negations that reassure rather than accuse: "you're not in trouble", "you don't need to".
_KIND_NEGATION = re.compile(
    r"\b(?:don't|do not|no need to|never (?:need|have) to|needn't|shouldn't|don't have to) "
    r"(?:worry|need|owe|have to|feel|stress|rush|apologi[sz]e|log|wait|reply)\b|"
    r"\b(?:not|isn't|is not|it's not) (?:in (?:any )?trouble|urgent|a (?:problem|big deal|"
    r"complaint|criticism|judgement)|your fault|on you)\b|\bnothing (?:has )?(?:gone )?(?:to "
    r"worry|wrong|urgent|serious|you did)\b|\bnever (?:easy|a problem|a bad time|mind|seen a)\b|"
    r"\bno (?:judgement|blame)\b|\bhaven't done anything wrong\b",
    re.I,
)
_YOU_NEGATION = re.compile(
    rf"{_YOU}(?:\W+\w+){{0,2}}?\W+{_NEGATION}|\b\w+n't you\b|\bnot you\b", re.I
)
_REPEAT = re.compile(
    r"\bagain\b|\bevery (?:single )?(?:time|week|day|month|friday|monday)\b|"
    r"\bhow many (?:more )?(?:times|reminders|messages)\b|\bonce more\b|\bumpteenth\b|"
    r"\b(?:second|third|fourth|fifth|sixth|tenth|\d+(?:st|nd|rd|th)) (?:time|day|week|"
    r"message|reminder|follow-up|friday|monday)\b|\bkeeps? \w+ing\b|\bstill\b|\byet another\b|"
    r"\bhow often\b|\btimes now\b|\b(?:in a row|running)\b|\bas always\b|\bsame (?:mistake|"
    r"thing|story|problem|gap|conversation|excuse|message|question)\b|\blost (?:count|track)\b|"
    r"\blike last (?:week|time)\b|\brepeat(?:ing|edly)?\b",
    re.I,
)
_SWEEPING = re.compile(
    rf"{_YOU}[^.?!]{{0,30}}\b(?:always|never|constantly|every single|not once|ever)\b|"
    r"\b(?:not once|without fail|not (?:a )?single|none of your|nothing you|"
    r"every (?:one|single one) of (?:them|your))\b",
    re.I,
)
_SOFTENER = _words(
    r"(?:can|could|would) you (?:help|give|lend) me",
    r"no (?:rush|worries|pressure|need|stress|hurry|problem|trouble)",
    r"happy to",
    r"when(?:ever)? you (?:get|have) a (?:minute|moment|sec|second|chance)",
    r"might be (?:a bug|on our side|the app|the sync|my)",
    r"on (?:our|my) side",
    r"if (?:you can|that helps|it helps|you'd like|you like|easier)",
    r"totally fine",
    r"(?:that's|it's) fine",
    r"take your time",
    r"not urgent",
    r"best guess",
    r"rough (?:guess|idea|time)",
    r"feel free",
    r"let me know",
)
_BLAME = _words(
    r"lazy",
    r"laziness",
    r"careless\w*",
    r"sloppy",
    r"mess(?:y)?",
    r"excuses?",
    r"unacceptable",
    r"disaster",
    r"embarrass\w*",
    r"pathetic",
    r"ridiculous",
    r"useless",
    r"incompetent",
    r"unprofessional",
    r"irresponsible",
    r"negligent",
    r"slack\w*",
    r"skiv\w*",
    r"pad(?:ding|ded)?",
    r"inflat\w*",
    r"made (?:it|them|this|that|all of (?:it|them)) up",
    r"make (?:it|them) up",
    r"invented",
    r"pretend\w*",
    r"hid(?:e|ing|den)?",
    r"(?:be|been) bothered",
    r"bother(?:ed)? to",
    r"wast(?:e|ed|ing)",
    r"dragging",
    r"fool(?:ing)?",
    r"gaming",
    r"obvious(?:ly)?",
    r"clearly",
    r"let's be honest",
    r"we both know",
    r"I doubt",
    r"I don't (?:believe|buy)",
    r"I suspect",
    r"I assume",
    r"on purpose",
    r"deliberate(?:ly)?",
    r"not good enough",
    r"not (?:ok|okay|acceptable|fair)",
    r"taking advantage",
    r"cut(?:ting)? corners",
    r"(?:long|extended) lunch",
    r"(?:left|leave|leaving|knocked off|finish(?:ed)?) early",
    r"personal (?:stuff|things|time on)",
    r"on company time",
    r"your (?:lack|fault|mistakes?)",
    r"you (?:forgot|ignored|wasted|chose|decided|rushed|guessed|left|skipped|disappeared)",
    r"can't be bothered",
    r"(?:do not|don't) care",
    r"no (?:respect|effort)",
)
_THREAT = _words(
    r"hr",
    r"disciplinary",
    r"warning",
    r"formal(?:ly)?",
    r"consequences?",
    r"escalat\w*",
    r"on (?:your |the )?record",
    r"(?:your|the) file",
    r"appraisal",
    r"performance (?:review|plan|score|improvement)",
    r"probation",
    r"dock\w*",
    r"deduct\w*",
    r"unpaid",
    r"bonus",
    r"director",
    r"management",
    r"report(?:ing|ed)? (?:this|you|it) to",
    r"or else",
    r"or I'll",
    r"or there will",
    r"if (?:this|it) (?:continues|happens again|keeps)",
    r"next time I",
    r"final (?:reminder|warning)",
    r"last warning",
    r"sack\w*",
    r"firing",
    r"terminat\w*",
    r"breach",
    r"violations?",
    r"take (?:this|it) further",
    r"keeping (?:a )?(?:record|log|list|track)",
    r"writ(?:e|ing) (?:you|it|this) up",
    r"your review",
    r"won't be paid",
    r"forced to act",
    r"copying",
)
_COMPARISON = _words(
    r"everyone else",
    r"everybody else",
    r"the rest of (?:the|us|your)",
    r"other (?:techs|engineers|people|colleagues|members)",
    r"the others",
    r"your (?:colleagues|teammates|peers)",
    r"nobody else",
    r"no one else",
    r"anyone else",
    r"the only (?:one|person|engineer|tech)",
    r"unlike",
    r"compared (?:to|with)",
    r"than you",
    r"more like",
    r"even the",
    r"guess who",
    r"(?:except|apart from|but) you",
    r"bottom of",
    r"worst on",
    r"team average",
    r"odd one out",
    r"keep up",
)
# "Explain" and "justify" are demands unless the message says there's no need.
_DEMAND = re.compile(
    r"(?<!no need to )(?<!don't need to )(?<!not asking you to )(?<!never need to )"
    r"\b(?:explain|justify|justification|explanation(?! needed)|account for|"
    r"where were you|what were you (?:doing|up to)|what exactly|tell me (?:what|where|why)|"
    r"walk me through|prove|give me (?:a|one) (?:good )?reason|I want to know|breakdown|"
    r"whereabouts|be specific|in writing|written (?:account|explanation|note)|defend|"
    r"owe me an explanation)\b",
    re.I,
)
_EXPECTATION = _words(
    r"I expect",
    r"I'm expecting",
    r"(?:is|are|you're) expected",
    r"my expectation",
    r"I need you to",
    r"you need to",
    r"(?:you're|you are) required",
    r"I'll need",
    r"I'm going to need",
    r"immediately",
    r"right (?:now|away)",
    r"no excuses?",
    r"not negotiable",
    r"not optional",
    r"by (?:noon|tonight|tomorrow|end of (?:the )?day|\d{1,2}(?::\d\d)?\s?(?:am|pm)?)",
    r"before you (?:leave|go home)",
    r"from now on",
    r"this time",
    r"properly",
    r"like (?:you're|you are|everyone else is) (?:supposed|told|trained)",
)
_IMPERATIVE = re.compile(
    r"^\W*(?:please\s+)?(?:fix|log|stop|get|sort|clean|correct|redo|put|start|quit|take|make|"
    r"do|go|learn|finish|enter|tidy|move|delete|remove|change|update|fill|submit|check|pay|"
    r"explain|justify|account|tell|send|give|report|provide|walk|prove|document|show|write|"
    r"answer|drop|rewrite|use)\b",
    re.I,
)
_PRAISE = _words(
    r"great",
    r"nice",
    r"lovely",
    r"brilliant",
    r"wonderful",
    r"fantastic",
    r"impressive",
    r"impressed",
    r"amazing",
    r"amazed",
    r"wow",
    r"congratulations",
    r"well done",
    r"good (?:job|effort|to see|to know|of you)",
    r"glad",
    r"thanks (?:so much|a million|for the)",
    r"must be nice",
    r"love(?:ly)?",
    r"cute",
    r"classic",
    r"bold",
    r"fascinating",
    r"riveting",
    r"thrilled",
    r"delighted",
    r"heroic",
    r"generous",
    r"kind of you",
    r"in awe",
    r"admire",
    r"achievement",
    r"so thoughtful",
    r"touched",
    r"lucky you",
)
# Praise beside one of these is usually sarcasm: a small number, an empty day, scare quotes.
_LACK = re.compile(
    r"\b(?:only|just|finally|a whole|whole|all (?:day|morning|afternoon)|gap|empty|blank|"
    r"nothing|missing|zero|no time|late|disappear\w*|vanish\w*|guess\w*|excuse|at least|"
    r"for once|took until|a lot of effort|again|so descriptive|informative|helpful)\b|"
    r"\"[^\"]{1,30}\"|\u201c[^\u201d]{1,30}\u201d",
    re.I,
)
# Turns of phrase that are sarcastic nearly whatever follows them.
_IRONY = _words(
    r"must be (?:nice|lovely|great)",
    r"(?:nice|good|kind|generous|thoughtful) of you",
    r"how (?:nice|lovely|kind|thoughtful|remarkable|interesting)",
    r"let me guess",
    r"what a (?:surprise|shock|treat|mystery|achievement)",
    r"who (?:could|would) have (?:guessed|thought)",
    r"I'm sure (?:the|those|that|it|you)",
    r"totally believable",
    r"apparently",
    r"it's not like",
    r"oh,? (?:good|great|sure|look|wonderful|brilliant|how|so|I see)",
    r"well,? (?:look|that's one way|done on)",
    r"bravo",
    r"congratulations on",
    r"don't overdo it",
    r"take as long as you like",
    r"the art of",
    r"masterpiece",
    r"(?:your|the) secret",
    r"I'd love to know",
    r"the famous",
    r"magically",
    r"fairy",
    r"busy (?:day|weekend|morning|afternoon)\W*(?:was it|doing)",
    r"lucky you",
    r"above and beyond",
)
_GRATITUDE = _words(
    r"thank(?:s| you)",
    r"appreciate[ds]?",
    r"grateful",
    r"kudos",
    r"well done",
    r"(?:great|nice|good|top|brilliant|fantastic|amazing) (?:job|work|catch|save|idea|effort)",
    r"spot on",
    r"a star",
    r"congratulations",
)
# Plain polarity: words that say something went well, and words that say something is wrong.
_POSITIVE = _words(
    r"good",
    r"great",
    r"fine",
    r"well",
    r"clear(?:er|est)?",
    r"brilliant",
    r"helpful",
    r"appreciated?",
    r"perfect(?:ly)?",
    r"spot on",
    r"enjoy",
    r"rest",
    r"better",
    r"glad",
    r"welcome",
    r"easy",
    r"excellent",
    r"smooth(?:ly)?",
    r"happy",
    r"thrilled",
    r"proud",
    r"relieved",
    r"calm",
    r"lovely",
    r"wonderful",
    r"fantastic",
    r"all good",
    r"sorted",
    r"on top of",
    r"doing (?:well|great|fine)",
)
_NEGATIVE = _words(
    r"wrong",
    r"late",
    r"empty",
    r"blank",
    r"missing",
    r"mess(?:y)?",
    r"bad",
    r"worse",
    r"worst",
    r"poor",
    r"nothing",
    r"problem",
    r"fault",
    r"excuses?",
    r"unacceptable",
    r"fail(?:ed|ing|ure)?",
    r"forgot(?:ten)?",
    r"ignor(?:e|ed|ing)",
    r"useless",
    r"behind",
    r"short",
    r"off",
    r"chase",
    r"chasing",
    r"disappoint\w*",
    r"tired of",
    r"fed up",
    r"enough",
    r"seriously",
)
_EXCLAIMS = re.compile(r"[!?]*![!?]+|\?{2,}")

FEATURE_NAMES = (
    "shouted_share",
    "shouted_word",
    "stacked_marks",
    "why_opening",
    "why_at_you",
    "friendly_why",
    "you_negation",
    "question_marks",
    "repeats",
    "sweeping",
    "softeners",
    "blame",
    "threat",
    "comparison",
    "demand",
    "expectation",
    "command",
    "sarcasm",
    "sincere_praise",
    "positive",
    "negative",
)


def body(text: str) -> str:
    """`text` without its opening greeting and closing sign-off. "Hi Sam," and "Thanks, Dana"
    frame kind and unkind messages alike; left in, they teach the model that politeness at the
    edges makes a message kind."""
    stripped = _SIGN_OFF.sub("", _GREETING.sub("", text, count=1)).strip()
    return stripped or text


def normalise(text: str) -> str:
    """The body in lower case with digits folded to 0 (10:15 and 14:40, #4521 and #3920 say
    nothing about tone), and sentence starts, question and exclamation marks turned into words,
    so n-grams can tell "sstart fix your" (a command) from "could you fix"."""
    text = re.sub(r"\d", "0", body(text).lower())
    text = re.sub(r"(^|[.!?\n]\s*)(?=[a-z])", lambda m: m.group(1) + " sstart ", text)
    return text.replace("?", " qmark ").replace("!", " xmark ")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _shouted(words: list[str]) -> list[str]:
    return [w for w in words if len(w) >= 2 and w.isupper() and w.strip("'") not in ACRONYMS]


def _capped(count: int, cap: int = 2) -> float:
    return min(1.0, count / cap)


def cues(text: str) -> list[float]:
    """The cues of one message, each scaled to 0..1 so none outweighs the n-grams by size."""
    words = _WORD.findall(text)
    letters = sum(len(w) for w in words) or 1
    shouted = _shouted(words)
    parts = sentences(body(text))
    # A greeting often comes first ("Hi Sam, why is..."), so the opening is looked for in
    # every clause, not only at the start of a sentence.
    why_openings = [
        s
        for s in parts
        if any(_WHY_START.search(c) for c in _CLAUSE.split(s)) and not _FRIENDLY_WHY.search(s)
    ]
    softeners = len(_SOFTENER.findall(text)) + len(_KIND_NEGATION.findall(text))
    commands = [
        s
        for s in parts
        if any(_IMPERATIVE.search(c) for c in _CLAUSE.split(s))
        and (
            _EXPECTATION.search(s)
            or _BLAME.search(s)
            or _REPEAT.search(s)
            or re.search(_YOU, s, re.I)
        )
        and not _SOFTENER.search(s)
    ]
    sarcastic = [s for s in parts if (_PRAISE.search(s) and _LACK.search(s)) or _IRONY.search(s)]
    sincere = [
        s
        for s in parts
        if (_GRATITUDE.search(s) or _PRAISE.search(s))
        and s not in sarcastic
        and not _BLAME.search(s)
    ]
    return [
        min(1.0, 3 * sum(len(w) for w in shouted) / letters),
        1.0 if shouted else 0.0,
        _capped(len(_EXCLAIMS.findall(text))),
        1.0 if why_openings else 0.0,
        1.0 if any(re.search(_YOU, s, re.I) for s in why_openings) else 0.0,
        1.0 if _FRIENDLY_WHY.search(text) else 0.0,
        _capped(max(0, len(_YOU_NEGATION.findall(text)) - len(_KIND_NEGATION.findall(text)))),
        1.0 if "?" in text else 0.0,
        _capped(len(_REPEAT.findall(text))),
        _capped(len(_SWEEPING.findall(_KIND_NEGATION.sub(" ", text)))),
        _capped(softeners),
        _capped(len(_BLAME.findall(text))),
        _capped(len(_THREAT.findall(text))),
        _capped(len(_COMPARISON.findall(text))),
        _capped(len(_DEMAND.findall(text))),
        _capped(len(_EXPECTATION.findall(text))),
        _capped(len(commands)),
        _capped(len(sarcastic)),
        _capped(len(sincere)),
        _capped(len(_POSITIVE.findall(text)), 3),
        _capped(len(_NEGATIVE.findall(_KIND_NEGATION.sub(" ", text))), 3),
    ]


class LinguisticCues(TransformerMixin, BaseEstimator):
    """scikit-learn wrapper around `cues`; stateless, so fitting learns nothing."""

    def fit(self, texts: list[str], y: object = None) -> "LinguisticCues":
        return self

    def transform(self, texts: list[str]) -> np.ndarray:
        return np.array([cues(t) for t in texts], dtype=float).reshape(-1, len(FEATURE_NAMES))

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.array(FEATURE_NAMES, dtype=object)
