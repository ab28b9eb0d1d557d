"""How long ``analyzer --help`` takes in a fresh process, and which imports cost the most.

Usage (from the repository, with the package installed in the interpreter that runs this)::

    python bench/cli_start.py --repeat 10

Goal: well under 0.3 s; nothing heavy (pandas, spaCy) is imported for help.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time


def wall_times(repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        began = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "analyzer", "--help"], check=True, capture_output=True
        )
        times.append(time.perf_counter() - began)
    return times


def slowest_imports(count: int) -> list[tuple[int, str]]:
    """The imports with the largest cumulative time (microseconds), from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import analyzer.cli"],
        check=True,
        capture_output=True,
        text=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return sorted(rows, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    times = wall_times(args.repeat)
    print(
        f"analyzer --help: median {statistics.median(times):.3f} s, "
        f"min {min(times):.3f} s over {len(times)} runs ({sys.executable})"
    )
    print("slowest imports of analyzer.cli (cumulative):")
    for micros, name in slowest_imports(8):
        print(f"  {micros / 1000:8.1f} ms  {name}")


if __name__ == "__main__":
    main()
