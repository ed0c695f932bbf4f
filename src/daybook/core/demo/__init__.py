"""The demo MSP: a seeded, repeatable data set for trying Daybook and for benchmarks."""

from .catalog import DEMO_PASSWORD
from .generator import SIZES, DemoConflict, DemoSummary, build_demo, demo_counts, demo_loaded

__all__ = [
    "DEMO_PASSWORD",
    "SIZES",
    "DemoConflict",
    "DemoSummary",
    "build_demo",
    "demo_counts",
    "demo_loaded",
]
