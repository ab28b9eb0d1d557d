"""Compare `analyzer sync` with perceval's ``bugzillarest`` backend on the same fake Bugzilla.

Both fetch the bundled 1,690-bug snapshot (comments and history of every bug) from one fake
server process with 50 ms latency per request; requests are counted by the server, wall time
is the fetch itself (no interpreter start-up) on each side. Our rate budget is off
(``--max-rate 0``); perceval has none. Perceval's items are written to a JSON-lines file, as
our sync writes its SQLite store, so both persist what they fetched.

"No change" means a second run right after the first: ours is an incremental ``analyzer sync``;
perceval's is its own incremental mode, ``fetch(from_date=<newest updated_on of the first run>)``.

Perceval lives in its own venv (it pins other versions of our dependencies); say where with
``--perceval-python`` or ``$PERCEVAL_PYTHON`` (default: ``perceval-venv/bin/python`` here):

    python3 -m venv perceval-venv && perceval-venv/bin/pip install perceval
    python bench/sync_vs_perceval.py
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync import fake_server_process, served_requests, server_cpu, timed_sync_cpu  # noqa: E402

PERCEVAL_PYTHON = os.environ.get("PERCEVAL_PYTHON", "perceval-venv/bin/python")
COMMAND = "python bench/sync_vs_perceval.py"

# Runs inside the perceval venv: fetch everything (or since a date), write JSON lines, time it.
PERCEVAL_DRIVER = r"""
import json, sys, time, datetime
from perceval.backends.core.bugzillarest import BugzillaREST
url, out, since = sys.argv[1], sys.argv[2], sys.argv[3]
kwargs = {}
if since != "-":
    kwargs["from_date"] = datetime.datetime.fromtimestamp(float(since), datetime.timezone.utc)
started, cpu = time.perf_counter(), time.process_time()
newest, count = 0.0, 0
with open(out, "w") as sink:
    for item in BugzillaREST(url).fetch(**kwargs):
        sink.write(json.dumps(item) + "\n")
        newest, count = max(newest, item["updated_on"]), count + 1
print(json.dumps({"seconds": time.perf_counter() - started, "cpu": time.process_time() - cpu,
                  "items": count, "newest": newest}))
"""


def perceval_fetch(
    python: str, url: str, out: Path, since: float | None
) -> tuple[float, int, dict, float, float]:
    """Wall seconds, requests, the driver's report, perceval's CPU and the server's CPU."""
    before, served_before = served_requests(url), server_cpu(url)
    done = subprocess.run(
        [
            python,
            "-c",
            PERCEVAL_DRIVER,
            url,
            str(out),
            "-" if since is None else str(since),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"perceval failed: {done.stderr.strip()[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    served = server_cpu(url) - served_before
    return report["seconds"], served_requests(url) - before, report, report["cpu"], served


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument(
        "--perceval-python", default=PERCEVAL_PYTHON, help="the interpreter that has perceval"
    )
    options = parser.parse_args()
    if not Path(options.perceval_python).exists():
        sys.exit(f"perceval is not installed at {options.perceval_python}: see `{COMMAND} --help`.")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, fake_server_process(options.latency) as url:
        ours_full = timed_sync_cpu(url, Path(tmp) / "ours")
        ours_again = timed_sync_cpu(url, Path(tmp) / "ours")
        theirs_full = perceval_fetch(
            options.perceval_python, url, Path(tmp) / "perceval.jsonl", None
        )
        newest = theirs_full[2]["newest"]
        theirs_again = perceval_fetch(
            options.perceval_python, url, Path(tmp) / "perceval-2.jsonl", newest
        )
    for label, ours, theirs in (
        ("full", ours_full, theirs_full),
        ("no-change", ours_again, theirs_again),
    ):
        rows.append(
            f"{label:10s} analyzer: {ours[1]:4d} requests {ours[0]:6.2f}s | "
            f"perceval: {theirs[1]:4d} requests {theirs[0]:6.2f}s | "
            f"ratio requests {ours[1] / max(theirs[1], 1):.3f}, time {ours[0] / theirs[0]:.3f}"
        )
    for label, run in (("analyzer full", ours_full), ("perceval full", theirs_full)):
        floor = run[4] + run[1] * options.latency
        rows.append(
            f"{label}: client CPU {run[3]:.2f}s, server CPU {run[4]:.2f}s, latency "
            f"{run[1] * options.latency:.2f}s; floor (server + latency) {floor:.2f}s, "
            f"wall/floor {run[0] / floor:.2f}"
        )
    print(f"corpus: the bundled snapshot; latency {options.latency * 1000:.0f} ms per request")
    print(f"perceval items: full {theirs_full[2]['items']}, no-change {theirs_again[2]['items']}")
    print("\n".join(rows))
    print(f"command: {COMMAND}" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""))


if __name__ == "__main__":
    main()
