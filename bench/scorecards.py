"""Time one month's scorecards for every CA of the bundled snapshot (target: under 10 s).

Run from the repository root:

    python bench/scorecards.py --month 2026-02
    python bench/scorecards.py --month 2026-02 --data-dir /tmp/gen/10x

Prints wall and CPU seconds for each step, from a cold start (store read, parse, language),
through the metrics at the 12 month-ends the trend needs, to the rendered pages. CPU seconds
are shown beside wall seconds because a shared machine's load inflates wall time.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import analyzer
from analyzer.months import Month
from analyzer.report.scorecards import tables_from_corpus, write_scorecards

TARGET_SECONDS = 10.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", default="2026-02")
    parser.add_argument(
        "--data-dir", type=Path, default=None, help="A store to use instead of the snapshot."
    )
    args = parser.parse_args()
    month = Month.parse(args.month)
    steps: list[tuple[str, float, float]] = []

    def step(name: str, work):  # noqa: ANN001, ANN202
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        steps.append((name, time.perf_counter() - wall, time.process_time() - cpu))
        return result

    with tempfile.TemporaryDirectory() as tmp:
        # no store in tmp/no-store: the bundled snapshot
        corpus = analyzer.load(args.data_dir or Path(tmp) / "no-store")
        step("read + parse", lambda: corpus.tables)
        step("language", lambda: corpus.language)
        tables = step("metrics at 12 month-ends", lambda: tables_from_corpus(corpus, month))
        written = step("context + render + write", lambda: write_scorecards(tables, month, tmp))
        pages = len(written.pages)
        size = sum(p.stat().st_size for p in Path(written.directory).iterdir())

    total_wall = sum(s[1] for s in steps)
    total_cpu = sum(s[2] for s in steps)
    source = args.data_dir or "the bundled snapshot"
    print(f"scorecards for {month.label} of {source}: {pages} CAs, {size / 1024:.0f} KiB written")
    print(f"{'step':<28}{'wall s':>9}{'cpu s':>9}")
    for name, wall, cpu in steps:
        print(f"{name:<28}{wall:>9.2f}{cpu:>9.2f}")
    print(f"{'total':<28}{total_wall:>9.2f}{total_cpu:>9.2f}")
    verdict = "within" if total_wall < TARGET_SECONDS else "OVER"
    print(f"{verdict} the {TARGET_SECONDS:.0f} s target (wall)")
    return 0 if total_wall < TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
