"""Training and measuring the tone model.

Only the corpus's train split is used to fit. The decision threshold is picked on validation
folds carved from that train split (5 stratified, seeded folds: each message is scored by a
model that never saw it), then the pipeline is refitted on the whole train split. The test
split is touched once, at the end, to measure.
"""

from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from threadpoolctl import threadpool_limits

from .corpus import CORPUS_PATH, Example, read_corpus
from .model import (
    MODEL_PATH,
    RANDOM_STATE,
    ToneModel,
    build_form_classifier,
    build_pipeline,
    save_model,
)

# The product promise is that kind messages pass; the target is at most 5% of them flagged.
# Aiming for 3% on validation leaves room for messages unlike the corpus.
MAX_FALSE_ALARM = 0.04
FOLDS = 5


@dataclass(frozen=True)
class Metrics:
    """How the model does on held-out messages: recall is the share of accusatory ones flagged,
    the false-alarm rate the share of curious ones flagged."""

    threshold: float
    accusatory: int
    curious: int
    precision: float
    recall: float
    f1: float
    false_alarm_rate: float
    recall_by_form: dict[str, float] = field(default_factory=dict)
    false_alarm_by_form: dict[str, float] = field(default_factory=dict)
    form_accuracy: float = 0.0
    validation_recall: float | None = None
    validation_false_alarm_rate: float | None = None

    def lines(self) -> list[str]:
        """A plain-text report, one line each."""
        out = [
            f"threshold {self.threshold:.3f}",
            f"held out: {self.accusatory} accusatory, {self.curious} curious",
            f"precision {self.precision:.3f}  recall {self.recall:.3f}  F1 {self.f1:.3f}  "
            f"false alarms {self.false_alarm_rate:.3f}",
        ]
        if self.validation_recall is not None:
            out.append(
                f"validation folds (train split): recall {self.validation_recall:.3f}  "
                f"false alarms {self.validation_false_alarm_rate:.3f}"
            )
        out.append(f"form named correctly on accusatory rows: {self.form_accuracy:.3f}")
        out.append("recall by accusatory form:")
        out += [f"  {form:<24} {value:.3f}" for form, value in self.recall_by_form.items()]
        out.append("false alarms by curious form:")
        out += [f"  {form:<24} {value:.3f}" for form, value in self.false_alarm_by_form.items()]
        return out


def _labels(examples: list[Example]) -> np.ndarray:
    return np.array([e.is_accusatory for e in examples], dtype=int)


def _rates(y: np.ndarray, flagged: np.ndarray) -> tuple[float, float]:
    """(recall, false-alarm rate)"""
    recall = float(flagged[y == 1].mean()) if (y == 1).any() else 0.0
    false_alarm = float(flagged[y == 0].mean()) if (y == 0).any() else 0.0
    return recall, false_alarm


def pick_threshold(y: np.ndarray, scores: np.ndarray) -> float:
    """The threshold that flags the most accusatory messages while flagging at most
    MAX_FALSE_ALARM of the curious ones; of several equally good, the middle one, so a small
    shift in scores doesn't tip it."""
    grid = np.round(np.linspace(0.05, 0.95, 181), 3)
    rates = [_rates(y, scores >= t) for t in grid]
    feasible = [(t, r) for t, (r, fa) in zip(grid, rates, strict=True) if fa <= MAX_FALSE_ALARM]
    if not feasible:
        return float(grid[-1])
    best = max(r for _, r in feasible)
    ties = [t for t, r in feasible if r == best]
    return float(ties[len(ties) // 2])


def evaluate(model: ToneModel, examples: list[Example]) -> Metrics:
    """`model` measured on `examples` (normally the test split)."""
    y = _labels(examples)
    scores = model.scores([e.text for e in examples])
    flagged = scores >= model.threshold
    recall, false_alarm = _rates(y, flagged)
    true_positive = int((flagged & (y == 1)).sum())
    precision = true_positive / int(flagged.sum()) if flagged.any() else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    by_form: dict[tuple[str, str], list[bool]] = defaultdict(list)
    for example, hit in zip(examples, flagged, strict=True):
        by_form[(example.label, example.form)].append(bool(hit))
    accusatory = [e for e in examples if e.is_accusatory]
    named = model.forms([e.text for e in accusatory]) if accusatory else []
    form_accuracy = (
        sum(n == e.form for n, e in zip(named, accusatory, strict=True)) / len(accusatory)
        if accusatory
        else 0.0
    )
    return Metrics(
        threshold=model.threshold,
        accusatory=int((y == 1).sum()),
        curious=int((y == 0).sum()),
        precision=precision,
        recall=recall,
        f1=f1,
        false_alarm_rate=false_alarm,
        recall_by_form={
            form: float(np.mean(hits))
            for (label, form), hits in sorted(by_form.items())
            if label == "accusatory"
        },
        false_alarm_by_form={
            form: float(np.mean(hits))
            for (label, form), hits in sorted(by_form.items())
            if label == "curious"
        },
        form_accuracy=form_accuracy,
    )


def fit(examples: list[Example]) -> tuple[ToneModel, tuple[float, float]]:
    """A model fitted on `examples` (the train split), with (recall, false-alarm rate) on its
    validation folds at the chosen threshold."""
    texts = [e.text for e in examples]
    y = _labels(examples)
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=RANDOM_STATE)
    # One BLAS thread: the matrices are small and sparse, and on a few cores the default
    # thread pool makes each fit some twenty times slower, not faster.
    with threadpool_limits(limits=1):
        held_out = cross_val_predict(build_pipeline(), texts, y, cv=folds, method="predict_proba")[
            :, 1
        ]
        threshold = pick_threshold(y, held_out)
        pipeline = build_pipeline().fit(texts, y)
        accusatory = [e for e in examples if e.is_accusatory]
        features = pipeline.named_steps["features"].transform([e.text for e in accusatory])
        form_classifier = build_form_classifier().fit(features, [e.form for e in accusatory])
    return ToneModel(pipeline, threshold, form_classifier), _rates(y, held_out >= threshold)


def train(
    corpus_path: Path = CORPUS_PATH, *, output: Path | None = MODEL_PATH
) -> tuple[ToneModel, Metrics]:
    """Fit on the corpus's train split, measure on its test split, and write the model to
    `output` (nothing is written when it is None). Same corpus, same result: every random
    choice is seeded."""
    examples = read_corpus(corpus_path)
    model, (validation_recall, validation_false_alarm) = fit(
        [e for e in examples if e.split == "train"]
    )
    metrics = replace(
        evaluate(model, [e for e in examples if e.split == "test"]),
        validation_recall=validation_recall,
        validation_false_alarm_rate=validation_false_alarm,
    )
    if output is not None:
        save_model(model, output)
    return model, metrics
