"""The Next-update parser on adversarial whiteboards: seconds per size, which must grow linearly.

Usage (from the repository)::

    python bench/whiteboard.py --sizes 200000,2000000

Each line is one whiteboard made of one near-miss repeated (``Next update 2025-``, ...) with a
readable mention at its very end. The parser once read each mention's rest afresh: 20 KB took
10 s, 2 MB over a minute per bug. Goal: 10x the text, about 10x the time (here ~0.5 s a MB).
"""

from __future__ import annotations

import argparse
import time

from analyzer.parse.reference import load_reference
from analyzer.parse.whiteboard import parse_whiteboard

UNITS = [
    "Next update 2025-",
    "next-update: ",
    "Next update 2025-13-45 ",
    "[next update ",
    "next update 1 jan 2x ",
    "next update ;12-34-",
    "Next update 1.2.",
    "next_update=March ",
    "12-34-",
    "a]",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="200000,2000000")
    sizes = [int(size) for size in parser.parse_args().sizes.split(",")]
    reference = load_reference(None)
    for unit in UNITS:
        figures = []
        for size in sizes:
            tail = " [Next update 2026-04-01]"
            value = (unit * (size // len(unit) + 1))[: size - len(tail)] + tail
            began, cpu = time.perf_counter(), time.process_time()
            parsed = parse_whiteboard(value, reference)
            assert parsed.next_update_status == "parsed", unit
            wall, used = time.perf_counter() - began, time.process_time() - cpu
            figures.append(f"{size:>9,} chars {wall:6.2f} s wall {used:6.2f} s cpu")
        print(f"{unit!r:28} " + " | ".join(figures))


if __name__ == "__main__":
    main()
