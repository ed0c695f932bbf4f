"""The demo's generated texts read as a person wrote them: no "the the print server", no
"a the branch PC"."""

import itertools
import random
import re
import string

from daybook.demo import catalog
from daybook.demo.catalog import TICKET_SUMMARIES, ticket_summary

ARTICLES = r"(?:a|an|the)"
# Two articles in a row ("a the", "the an"), or any word twice ("the the", "for for").
CLUMSY = re.compile(rf"\b(?:{ARTICLES}\s+{ARTICLES}|(\w+)\s+\1)\b", re.IGNORECASE)
BLANKS = {"who": catalog.WHO, "place": catalog.PLACE, "server": catalog.SERVER}


def _clumsy(text: str) -> str | None:
    match = CLUMSY.search(text)
    return match.group(0) if match else None


def _every_summary() -> list[str]:
    """Each summary template with each value its blanks can take."""
    texts = []
    for template in itertools.chain.from_iterable(TICKET_SUMMARIES.values()):
        names = sorted({name for _, name, _, _ in string.Formatter().parse(template) if name})
        assert set(names) <= set(BLANKS), template
        for values in itertools.product(*(BLANKS[name] for name in names)):
            texts.append(template.format(**dict(zip(names, values, strict=True))))
    return texts


def test_clumsy_article_pairs_are_caught():
    assert _clumsy("Backup job failed on the the print server") == "the the"
    assert _clumsy("Antivirus found a threat on a the branch PC") == "a the"
    assert _clumsy("Install an a switch") == "an a"
    assert _clumsy("Backup job failed on the print server") is None


def test_no_ticket_summary_doubles_a_word_or_an_article():
    texts = _every_summary()
    assert len(texts) > 200
    assert [(text, _clumsy(text)) for text in texts if _clumsy(text)] == []


def test_generated_summaries_are_filled_and_capitalised():
    rng = random.Random("daybook-demo-text")
    for board in TICKET_SUMMARIES:
        for _ in range(200):
            text = ticket_summary(rng, board)
            assert "{" not in text, text
            assert "}" not in text, text
            assert text[0].isupper(), text
            assert _clumsy(text) is None, text


def test_no_note_doubles_a_word_or_an_article():
    notes = [
        *itertools.chain.from_iterable(catalog.NOTES.values()),
        *catalog.INTERNAL_NOTES,
        catalog.IMPORT_NOTE,
    ]
    assert [note for note in notes if _clumsy(note)] == []
