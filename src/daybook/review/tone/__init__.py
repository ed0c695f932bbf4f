"""The tone check for follow-up messages: a classifier trained on our own corpus of reviewer
messages, with an explanation of what reads as blame and a curious rewrite.

    result = check_tone("Why is there a gap on your calendar?")
    result.warnings[0].quote, result.warnings[0].why, result.warnings[0].advice
    result.suggestion

Retrain with `daybook tone train`; measure with `bench/tone_bench.py`.
"""

from .check import ToneResult, ToneWarning, check_tone

__all__ = ["ToneResult", "ToneWarning", "check_tone"]
