"""Benchmark `analyzer sync` against the fake Bugzilla serving the real 1,690-bug snapshot.

The fake runs in its own process (in the same process it would fight the client for the GIL)
and adds 50 ms to every request, as a far-away server would. The corpus is the bundled snapshot
(real bugs, comment authors and times), each bug's last change being its last comment, with an
empty history. The client's politeness budget is switched off with ``--max-rate 0`` so the run
measures the protocol (at BMO's 75 a minute, 17 requests would add about 11 s of waiting).

The sync runs in-process through the real CLI (``analyzer.cli.main``); the wall time is that of
the sync itself, without the interpreter's start-up. Requests are counted by the server.

Run by hand (never by the test suite):

    python bench/sync.py
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from analyzer.store import Store, bundled_snapshot_path
from analyzer.testing.fake_bugs import FakeBug
from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults

COMMAND = "python bench/sync.py"


def snapshot_corpus() -> dict[int, FakeBug]:
    """The bundled snapshot as a server corpus: last change = last comment, no history."""
    bugs: dict[int, FakeBug] = {}
    with Store.open_readonly(bundled_snapshot_path(), immutable=True) as store:
        for raw in store.iter_raw():
            bug = dict(raw.bug)
            bug["product"] = bug.get("product") or "CA Program"
            bug["component"] = bug.get("component") or "CA Certificate Compliance"
            times = [c["time"] for c in raw.comments if c.get("time")]
            bug["last_change_time"] = max(times, default=bug.get("creation_time"))
            bugs[raw.bug_id] = FakeBug(bug, list(raw.comments), [])
    return bugs


def serve(latency: float) -> None:
    """Child process: serve the snapshot corpus, print the URL, stop when stdin closes."""
    with FakeBugzilla(snapshot_corpus(), faults=Faults(latency=latency)) as server:
        print(server.url, flush=True)
        sys.stdin.read()


@contextmanager
def fake_server_process(latency: float):
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", "--latency", str(latency)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = child.stdout.readline().strip()
        SERVER_PIDS[url] = child.pid
        yield url
    finally:
        child.stdin.close()
        child.wait(timeout=30)


SERVER_PIDS: dict[str, int] = {}


def server_cpu(url: str) -> float:
    """CPU seconds (user + system) the fake server process has used so far.

    The fake's own serving (building and encoding each answer) is paid by every client alike:
    it is part of the floor no client can go below, so the benchmarks report it beside wall time.
    """
    fields = Path(f"/proc/{SERVER_PIDS[url]}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def served_requests(url: str) -> int:
    with urllib.request.urlopen(f"{url}/__fake__/count", timeout=10) as answer:
        return json.load(answer)["requests"]


def timed_sync(url: str, data_dir: Path, *extra: str) -> tuple[float, int, str]:
    """Wall seconds, requests served and the summary line of one in-process sync."""
    return timed_sync_cpu(url, data_dir, *extra)[:3]  # type: ignore[return-value]


def timed_sync_cpu(url: str, data_dir: Path, *extra: str) -> tuple[float, int, str, float, float]:
    """As timed_sync, plus this process's CPU seconds and the server's, during the sync."""
    from analyzer.cli import main
    from analyzer.env import Environment

    err = io.StringIO()
    env = Environment(stdout=io.StringIO(), stderr=err, environ={}, stderr_isatty=False)
    args = ["sync", "--base-url", url, "--data-dir", str(data_dir), "--max-rate", "0", *extra]
    before, served_before = served_requests(url), server_cpu(url)
    started, cpu = time.perf_counter(), time.process_time()
    code = main(args, env=env)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if code != 0:
        sys.exit(f"sync failed ({code}): {err.getvalue().strip()}")
    served = server_cpu(url) - served_before
    return elapsed, served_requests(url) - before, err.getvalue().strip(), cpu, served


def main_bench() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added per request")
    parser.add_argument("--page-size", type=int, default=200)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.serve:
        serve(options.latency)
        return
    print(f"corpus: the bundled snapshot; latency {options.latency * 1000:.0f} ms per request")
    with tempfile.TemporaryDirectory() as tmp, fake_server_process(options.latency) as url:
        for label in ("full sync", "no-change sync"):
            elapsed, count, summary = timed_sync(
                url, Path(tmp), "--page-size", str(options.page_size)
            )
            print(f"{label:15s} requests={count:4d} wall={elapsed:6.2f}s  ({summary})")
    print(f"command: {COMMAND}" + (" " + " ".join(sys.argv[1:]) if sys.argv[1:] else ""))


if __name__ == "__main__":
    main_bench()
