"""Time the metrics stage on a store (default: the bundled snapshot of 1,690 bugs).

Stages before it (read, parse, language) are timed once so the metrics time is the stage's own;
the metrics run ``--repeat`` times at ``--as-of`` (default: the store's last sync) and the best
and median wall times are printed. A scorecard month needs the metrics at 13 month-ends, so
``--month-ends N`` times N consecutive month-end computations as well.

Example:
    python bench/metrics.py
    python bench/gen_corpus.py --scale 50 --out /tmp/bench/50x --seed 1
    python bench/metrics.py --data-dir /tmp/bench/50x --repeat 1 --language empty
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

import analyzer
from analyzer.metrics import compute
from analyzer.tables import LanguageTables

GOAL_SECONDS_SNAPSHOT = 5.0


def timed(label: str, func):
    """Run ``func``; print wall and CPU seconds (CPU is what a busy machine cannot inflate)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = func()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{label:<28} {seconds:8.2f} s wall {cpu:8.2f} s cpu", flush=True)
    return value, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None, help="store directory")
    parser.add_argument("--as-of", default=None, help="ISO time (default: last sync)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--month-ends", type=int, default=0)
    parser.add_argument(
        "--language",
        choices=("stage", "fallback", "empty"),
        default="stage",
        help="annotations for the metrics: the language stage (slow when its cache is cold), "
        "none so the metrics use their fallback rule, or an empty table (the stage alone)",
    )
    args = parser.parse_args(argv)

    total_start, total_cpu = time.perf_counter(), time.process_time()
    corpus = analyzer.load(args.data_dir, note=lambda m: print(m, file=sys.stderr))
    raw, _ = timed("read", lambda: corpus.raw)
    tables, _ = timed("parse", lambda: corpus.tables)
    language = None
    if args.language == "stage":
        try:
            language, _ = timed("language", lambda: corpus.language)
        except ImportError:
            pass
    elif args.language == "empty":
        language = LanguageTables(
            pd.DataFrame({"bug_id": [], "count": [], "questions": [], "report_kind": []}),
            pd.DataFrame(),
        )
    as_of = pd.Timestamp(args.as_of, tz="UTC") if args.as_of else corpus.observed_at
    times = []
    result = None
    for run in range(max(args.repeat, 1)):
        result, seconds = timed(
            f"metrics (run {run + 1})", lambda: compute(tables, language, as_of)
        )
        times.append(seconds)
        if run == 0:  # the goal is one pass of every stage
            total = time.perf_counter() - total_start
            total_cpu = time.process_time() - total_cpu
    print(
        f"\n{len(raw):,} bugs, {len(tables.comments):,} comments -> "
        f"{len(result.deadlines):,} deadlines as of {as_of:%Y-%m-%dT%H:%M:%SZ}"
    )
    print(f"metrics best {min(times):.2f} s, median {statistics.median(times):.2f} s")
    print(f"read + parse + language + metrics once: {total:.2f} s wall, {total_cpu:.2f} s cpu")
    if args.month_ends:
        end = as_of.normalize().replace(day=1) - pd.Timedelta("1s")
        ends = [end - pd.offsets.MonthEnd(i) for i in range(args.month_ends)]
        ends = [e.normalize() + pd.Timedelta(hours=23, minutes=59, seconds=59) for e in ends]
        timed(
            f"metrics at {len(ends)} month-ends",
            lambda: [compute(tables, language, moment) for moment in ends],
        )
    if args.data_dir is None:
        verdict = "within" if total <= GOAL_SECONDS_SNAPSHOT else "over"
        print(
            f"{verdict} the {GOAL_SECONDS_SNAPSHOT:.0f} s goal for the snapshot "
            f"(wall; on a busy machine compare the cpu seconds)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
