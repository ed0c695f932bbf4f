"""The labelled corpus of reviewer messages behind the tone check, and its fixed split.

`corpus.csv` holds one message a row: `text`, `label` (accusatory or curious), `form` (the way
the message is accusatory, or the kind of curious message it is) and `split` (train or test).
Every message was written for Daybook; none is copied from elsewhere.

The split is stratified by label and form and seeded: within each (label, form) group the rows
are ranked by a SHA-256 of SEED and the text, and the first quarter of the ranking is the test
split. The `split` column records the result so anyone can see which rows are held out, and a
test checks the column still agrees with `assign_splits`, so nobody moves rows by hand.
"""

import csv
import hashlib
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

CORPUS_PATH = Path(__file__).with_name("corpus.csv")
SEED = "daybook-tone-v1"
TEST_SHARE = 0.25
ACCUSATORY = "accusatory"
CURIOUS = "curious"
COLUMNS = ("text", "label", "form", "split")


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    form: str
    split: str = "train"

    @property
    def is_accusatory(self) -> bool:
        return self.label == ACCUSATORY


def _rank_key(text: str) -> str:
    return hashlib.sha256(f"{SEED}\n{text}".encode()).hexdigest()


def assign_splits(examples: Iterable[Example]) -> list[Example]:
    """`examples` in their order, each with `split` set by the seeded, stratified rule above."""
    examples = list(examples)
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        groups[(example.label, example.form)].append(index)
    test: set[int] = set()
    for indexes in groups.values():
        ranked = sorted(indexes, key=lambda i: _rank_key(examples[i].text))
        # Rounding up keeps at least one held-out row even in a small group.
        test.update(ranked[: math.ceil(len(ranked) * TEST_SHARE)])
    return [
        Example(e.text, e.label, e.form, "test" if i in test else "train")
        for i, e in enumerate(examples)
    ]


def read_corpus(path: Path = CORPUS_PATH) -> list[Example]:
    """The corpus rows; ValueError naming the line when a row is malformed."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: the header must be {','.join(COLUMNS)}.")
        examples = []
        for row in reader:
            example = Example(row["text"], row["label"], row["form"], row["split"])
            if example.label not in (ACCUSATORY, CURIOUS) or example.split not in (
                "train",
                "test",
            ):
                raise ValueError(f"{path}, line {reader.line_num}: unknown label or split.")
            if not example.text.strip() or not example.form:
                raise ValueError(f"{path}, line {reader.line_num}: empty text or form.")
            examples.append(example)
    return examples


def write_corpus(examples: Iterable[Example], path: Path = CORPUS_PATH) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for e in examples:
            writer.writerow((e.text, e.label, e.form, e.split))
