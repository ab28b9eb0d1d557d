"""How long ``analyzer site`` takes on a store (default: the bundled snapshot), fresh process.

Usage::

    python bench/site.py [--data-dir DIR] [--out DIR]

Goal: under 60 s on the bundled snapshot. Prints wall and CPU seconds (on a shared machine
compare CPU), the pages written and the load average at the start.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "site"
        command = [sys.executable, "-m", "analyzer", "site", "--out", str(out)]
        if args.data_dir is not None:
            command += ["--data-dir", str(args.data_dir)]
        began = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, cwd=tmp, check=False)
        wall = time.perf_counter() - began
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            sys.exit(done.stderr)
        pages = sum(1 for _ in out.rglob("*.html"))
    print(f"analyzer site: {wall:.1f} s wall, {usage.ru_utime + usage.ru_stime:.1f} s CPU, "
          f"{pages} pages, load average {load:.1f} at start")  # fmt: skip
    print(done.stderr.strip().splitlines()[-1])
    print("command: python bench/site.py" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""))


if __name__ == "__main__":
    main()
