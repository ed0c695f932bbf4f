"""Benchmark: the follow-up tone check on the held-out test split of its corpus.

Prints precision and recall on the test split, the false-alarm rate on curious messages,
recall per accusatory form (and false alarms per kind of curious message), and the time per
message: the score alone, and the full check (score, quotes, form, rewrite), as p50 and p95
over every test message, after one warm-up pass. Wall time is what a reviewer waits; CPU time
is the work done, and stays meaningful when other jobs share the machine. The shipped model is
loaded once first, as the app does on the first check; that load is timed separately.

    .venv/bin/python bench/tone_bench.py [--runs 3]
"""

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "daybook.settings")

import django  # noqa: E402

django.setup()

from daybook.review.tone import check_tone  # noqa: E402
from daybook.review.tone.corpus import read_corpus  # noqa: E402
from daybook.review.tone.model import MODEL_PATH, load_model  # noqa: E402
from daybook.review.tone.train import evaluate  # noqa: E402


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def timings(texts: list[str], runs: int, call) -> tuple[list[float], list[float]]:
    """(wall, CPU) milliseconds per call, one value per text per run."""
    for text in texts:  # warm-up: lazy imports, caches
        call(text)
    wall, cpu = [], []
    for _ in range(runs):
        for text in texts:
            started, started_cpu = time.perf_counter(), time.process_time()
            call(text)
            cpu.append(1000 * (time.process_time() - started_cpu))
            wall.append(1000 * (time.perf_counter() - started))
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Timing passes over the test split.")
    # `make bench` passes --sizes to every benchmark; the corpus has one size, so it is ignored.
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    args = parser.parse_args()

    start = time.perf_counter()
    model = load_model()
    load_ms = 1000 * (time.perf_counter() - start)
    test = [e for e in read_corpus() if e.split == "test"]
    metrics = evaluate(model, test)
    print(
        f"Model {MODEL_PATH.name}: {MODEL_PATH.stat().st_size / 1024:.0f} KiB, loaded in "
        f"{load_ms:.0f} ms"
    )
    for line in metrics.lines():
        print(line)

    texts = [e.text for e in test]
    flagged = [t for t in texts if check_tone(t).warnings]
    print(f"time per message, {args.runs} runs (ms):")
    print(f"{'':>28} {'wall p50':>9} {'wall p95':>9} {'cpu p50':>8} {'cpu p95':>8}")
    for label, sample, call in (
        (f"score only ({len(texts)})", texts, lambda t: model.scores([t])),
        (f"full check ({len(texts)})", texts, check_tone),
        (f"full check, flagged ({len(flagged)})", flagged, check_tone),
    ):
        wall, cpu = timings(sample, args.runs, call)
        print(
            f"{label:>28} {percentile(wall, 0.5):>9.2f} {percentile(wall, 0.95):>9.2f} "
            f"{percentile(cpu, 0.5):>8.2f} {percentile(cpu, 0.95):>8.2f}"
        )
    print(f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
