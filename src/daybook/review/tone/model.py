"""The tone model: one scikit-learn pipeline (word and character n-grams plus hand-written
cues, into a logistic regression), the decision threshold picked while training, and a small
second classifier that names the form of an accusatory sentence.

The trained model ships in the package as `model.joblib` and is loaded once per process, on
first use.
"""

import functools
from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
import sklearn
from scipy.sparse import spmatrix
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from .features import LinguisticCues, normalise

MODEL_PATH = Path(__file__).with_name("model.joblib")
RANDOM_STATE = 20250312
# Words may carry an apostrophe ("didn't", "you're"): the contraction is part of the tone.
WORD_PATTERN = r"(?u)\b\w[\w']*\b"
FORMAT = 1


def build_pipeline() -> Pipeline:
    """The untrained pipeline. Sizes are capped (min_df, max_features) to keep the shipped file
    small and to stop the model from leaning on words seen once."""
    features = FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(
                    preprocessor=normalise,
                    token_pattern=WORD_PATTERN,
                    ngram_range=(1, 3),
                    min_df=2,
                    max_features=12000,
                    sublinear_tf=True,
                ),
            ),
            (
                "chars",
                TfidfVectorizer(
                    preprocessor=normalise,
                    analyzer="char_wb",
                    ngram_range=(2, 5),
                    min_df=3,
                    max_features=25000,
                    sublinear_tf=True,
                ),
            ),
            ("cues", LinguisticCues()),
        ],
        # Measured on validation folds of the train split: words a little above characters.
        transformer_weights={"words": 1.5, "chars": 1.0, "cues": 1.0},
    )
    classifier = LogisticRegression(
        C=20.0, class_weight="balanced", max_iter=5000, random_state=RANDOM_STATE
    )
    return Pipeline([("features", features), ("classify", classifier)])


def build_form_classifier() -> LogisticRegression:
    return LogisticRegression(C=8.0, max_iter=5000, random_state=RANDOM_STATE)


@dataclass(frozen=True)
class ToneModel:
    """A trained pipeline with its threshold: a message whose accusatory probability is at or
    above `threshold` gets warnings."""

    pipeline: Pipeline
    threshold: float
    form_classifier: LogisticRegression

    def features(self, texts: list[str]) -> spmatrix:
        """The feature rows of `texts`, for `scores_of` and `forms_of`: computing them once
        serves both."""
        return self.pipeline.named_steps["features"].transform(texts)

    def scores_of(self, features: spmatrix) -> np.ndarray:
        return self.pipeline.named_steps["classify"].predict_proba(features)[:, 1]

    def forms_of(self, features: spmatrix) -> list[str]:
        return [str(form) for form in self.form_classifier.predict(features)]

    def scores(self, texts: list[str]) -> np.ndarray:
        """The probability that each text reads as accusatory."""
        return self.scores_of(self.features(texts))

    def forms(self, texts: list[str]) -> list[str]:
        """The most likely accusatory form of each text (meaningful for flagged text only)."""
        return self.forms_of(self.features(texts))


def save_model(model: ToneModel, path: Path = MODEL_PATH) -> None:
    for name in ("words", "chars"):
        vectorizer = model.pipeline.named_steps["features"].named_transformers[name]
        # Every pruned term is kept in `stop_words_`; it's only for introspection, and dropping
        # it is most of the difference between a 10 MB and a 1 MB file.
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    bundle = {
        "format": FORMAT,
        "sklearn": sklearn.__version__,
        "pipeline": model.pipeline,
        "threshold": model.threshold,
        "form_classifier": model.form_classifier,
    }
    joblib.dump(bundle, path, compress=3)


class ModelUnavailable(RuntimeError):
    """The shipped model can't be used here; retrain it with `daybook tone train`."""


@functools.cache
def load_model(path: Path = MODEL_PATH) -> ToneModel:
    """The model at `path`, read once per process and kept."""
    try:
        # Unpickling runs code from the file, which is safe only for files we wrote: this one
        # is built by `daybook tone train` and shipped inside the package, never uploaded.
        bundle = joblib.load(path)
    except (FileNotFoundError, ModuleNotFoundError, AttributeError) as error:
        raise ModelUnavailable(
            f"The tone model at {path} can't be loaded ({error}). "
            "Run `daybook tone train` to rebuild it from the corpus."
        ) from error
    if bundle.get("format") != FORMAT or bundle.get("sklearn") != sklearn.__version__:
        raise ModelUnavailable(
            f"The tone model at {path} was built with scikit-learn {bundle.get('sklearn')} "
            f"(format {bundle.get('format')}); this is {sklearn.__version__}. "
            "Run `daybook tone train` to rebuild it."
        )
    return ToneModel(bundle["pipeline"], float(bundle["threshold"]), bundle["form_classifier"])
