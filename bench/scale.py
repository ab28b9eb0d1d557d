"""Time and peak memory of parse + metrics + scorecards at 1x, 10x and 50x the real corpus.

Each size runs in a fresh subprocess, so its peak RSS is its own. Stages, as ``analyzer.load``
runs them: parse (``corpus.tables``, reading the store's rows as it goes), metrics
(``corpus.metrics(as_of)``), scorecards (``analyzer scorecards --month M`` over the same corpus
object). The language pass is measured on its own, cold, as throughput (comments per second);
that run also fills its cache, so the timed runs read it warm, as a user's second run would.

Example:
    python bench/scale.py --sizes 1,10,50 --work /tmp/bench --month 2026-02
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

BENCH_DIR = Path(__file__).resolve().parent
# issue 24, in one process: the whole `analyzer scorecards` command at 50x within 120 s and
# 4 GiB, and time growing no faster than the corpus (10x / 1x <= 10, 50x / 1x <= 50)
GOAL_COMMAND_SECONDS_50X = 120
GOAL_RSS_GIB_50X = 4
LANGUAGE_SLICE = 100_000  # comments per annotate call when warming the language cache


# -- the child: one size, one fresh process --------------------------------------------------


def month_end(month: str) -> pd.Timestamp:
    """The last second of ``month`` (YYYY-MM): the ``as_of`` its scorecard judges at."""
    return pd.Timestamp(f"{month}-01", tz="UTC") + pd.offsets.MonthBegin(1) - pd.Timedelta("1s")


def run_child(data_dir: Path, month: str, mode: str) -> dict:
    """Run the stages in this process and return seconds per stage and peak RSS."""
    import analyzer
    import analyzer.corpus

    seconds: dict[str, float] = {}
    cpu_seconds: dict[str, float] = {}
    missing: list[str] = []
    drop_tables_caches(data_dir)  # the stages measured as on the first run after a sync
    corpus = analyzer.load(data_dir)

    def timed(stage: str, work):  # noqa: ANN001, ANN202
        """Run one stage; a stage not built yet (ImportError) is recorded as missing."""
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            result = work()
        except ImportError as exc:
            missing.append(f"{stage}: {exc}")
            return None
        seconds[stage] = round(time.perf_counter() - started, 3)
        cpu_seconds[stage] = round(time.process_time() - cpu_started, 3)
        return result

    tables = timed("parse", lambda: corpus.tables)  # streams the store's rows as it parses
    out: dict = {"missing": missing, "bugs": corpus.store.count()}
    out["comments"] = 0 if tables is None else len(tables.comments)
    if tables is None:
        pass
    elif mode == "language":
        cache_dir = data_dir / ".cache"  # where Corpus.language keeps it
        shutil.rmtree(cache_dir, ignore_errors=True)
        if timed("language_cold", lambda: _warm_language(tables.comments, cache_dir)):
            out["language_comments_per_s"] = round(out["comments"] / seconds["language_cold"])
            out["language_comments_per_cpu_s"] = round(
                out["comments"] / cpu_seconds["language_cold"]
            )
    elif timed("language_warm", lambda: corpus.language) is not None:
        metrics = timed("metrics", lambda: corpus.metrics(as_of=month_end(month)))
        if metrics is not None:
            out["deadlines"] = len(metrics.deadlines)
            out.update(timed("scorecards", lambda: _scorecards(corpus, data_dir, month)) or {})
    out["seconds"] = seconds
    out["cpu_seconds"] = cpu_seconds
    out["peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    return out


def drop_tables_caches(data_dir: Path) -> None:
    """Remove the parse and language stages' tables caches (analyzer/parse/cache.py), as a
    sync that changed the store would make them stale; the per-comment language cache stays,
    as it would (a sync adds a few comments)."""
    for stale in (data_dir / ".cache").glob("tables-*"):
        shutil.rmtree(stale, ignore_errors=True)


def _warm_language(comments: pd.DataFrame, cache_dir: Path) -> bool:
    """The cold language pass, in slices whose readings add up in the cache: in one call the
    stage holds every comment's blocks at once (5.8 GB peak at 10x), which 50x cannot afford."""
    from analyzer.language import annotate

    for start in range(0, len(comments), LANGUAGE_SLICE):
        annotate(comments.iloc[start : start + LANGUAGE_SLICE], cache_dir=cache_dir)
    return True


def _scorecards(corpus, data_dir: Path, month: str) -> dict:  # noqa: ANN001
    """The real ``analyzer scorecards`` command, handed the corpus already built."""
    import analyzer
    import analyzer.corpus

    handed = []

    def load(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        handed.append(True)
        return corpus

    analyzer.load = analyzer.corpus.load = load
    from analyzer.cli import main
    from analyzer.env import Environment

    with tempfile.TemporaryDirectory() as out:
        env = Environment(stdout=open(os.devnull, "w"), stderr=sys.stderr, environ={})
        args = ["scorecards", "--month", month, "--data-dir", str(data_dir), "--out", out]
        code = main(args, env=env)
        pages = sum(1 for _ in Path(out).rglob("*.html"))
    return {"scorecards_exit": int(code), "scorecard_pages": pages, "corpus_reused": bool(handed)}


def memory_by_stage(data_dir: Path, month: str) -> None:
    """Print RSS after, and peak RSS so far, at the end of each stage (to see which sets it)."""
    import analyzer
    from analyzer.months import Month
    from analyzer.report.scorecards import tables_from_corpus, write_scorecards

    def line(stage: str) -> None:
        rss = int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{stage:<22} RSS {rss // 2**20:>6,} MiB   peak so far {peak:>6,} MiB", flush=True)

    corpus = analyzer.load(data_dir)
    _ = corpus.tables  # each stage runs on first access
    line("parse")
    _ = corpus.language
    line("language (cache warm)")
    corpus.metrics(as_of=month_end(month))
    line("metrics (one as_of)")
    chosen = Month.parse(month)
    tables = tables_from_corpus(corpus, chosen)
    line("scorecard tables")
    with tempfile.TemporaryDirectory() as out:
        write_scorecards(tables, chosen, Path(out))
    line("scorecards written")


# -- the parent: generate, run each size, print the table -------------------------------------


def ensure_corpus(work: Path, size: int, seed: int) -> tuple[Path, float | None]:
    """The store of ``size`` times the real corpus, generated when missing."""
    data_dir = work / f"{size}x"
    if (data_dir / "bugzilla.sqlite").is_file():
        return data_dir, None
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            str(BENCH_DIR / "gen_corpus.py"),
            "--scale",
            str(size),
            "--out",
            str(data_dir),
            "--seed",
            str(seed),
        ],  # fmt: skip
        check=True,
    )
    return data_dir, time.perf_counter() - started


def spawn(data_dir: Path, month: str, mode: str) -> dict:
    command = [sys.executable, __file__, "--child", str(data_dir), "--month", month, "--mode", mode]
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{mode} run at {data_dir} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 2)
    return result


# Runs a command as its only child and reports that child's CPU time and peak RSS.
_MEASURE = (
    "import json, resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(json.dumps({'exit': code, 'cpu_s': round(use.ru_utime + use.ru_stime, 2), "
    "'peak_rss_mib': use.ru_maxrss // 1024}))"
)


SYNC_SHARE = 0.02  # bugs a sync changes: the snapshot's last week touched 1%, its last month 5%
SYNC_MARK = "Bench sync: a further update."


def simulate_sync(data_dir: Path, share: float = SYNC_SHARE) -> int:
    """Write ``share`` of the stored bugs again as a sync would, each with a CA comment added
    (or, if an earlier run added it, taken away, so that the store stays the same size), and
    a new sync time. Returns how many bugs changed."""
    from analyzer.store import Store, utc_now_iso

    with Store.open(data_dir) as store:
        ids = sorted(store.last_change_times())
        chosen = ids[:: max(1, round(1 / share))]
        raws = list(store.iter_raw(chosen))
        for raw in raws:
            comments = raw.comments
            if comments and comments[-1].get("text") == SYNC_MARK:
                comments.pop()
            else:
                last = comments[-1] if comments else {"creation_time": raw.bug["creation_time"]}
                comments.append(
                    {
                        "id": None,
                        "count": len(comments),
                        "creator": raw.bug.get("assigned_to") or raw.bug.get("creator"),
                        "creation_time": last["creation_time"],
                        "text": SYNC_MARK,
                        "is_private": False,
                    }
                )
        now = utc_now_iso()
        store.put_bugs(raws, fetched_at=now, meta={"last_sync_time": now})
    return len(raws)


def run_command(data_dir: Path, month: str, before: str) -> dict:
    """The user's whole ``analyzer scorecards`` command in a fresh process: imports, load,
    every stage, pages written. Wall, CPU and peak RSS. ``before``: "sync", as the first
    command after a sync that changed :data:`SYNC_SHARE` of the bugs (the tables caches grow
    from the last command's); "nothing", as the first command on a store (no tables cache,
    the per-comment language cache warm); "command", as a later command (every cache warm)."""
    changed = None
    if before == "sync":
        changed = simulate_sync(data_dir)
    elif before == "nothing":
        drop_tables_caches(data_dir)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "analyzer", "scorecards", "--month", month,
                   "--data-dir", str(data_dir), "--out", out]  # fmt: skip
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True
        )
        wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if result["exit"] != 0:
        raise SystemExit(f"analyzer scorecards at {data_dir} failed:\n{done.stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "bugs_changed": changed, **result}


STAGES = ("parse", "metrics", "scorecards")
# the whole command, in this order: the first fills the caches the second grows from
COMMANDS = (("command_first", "nothing"), ("command", "sync"), ("command_warm", "command"))
COMMANDS_SAID = (
    ("command_first", "first on the store"),
    ("command", "after a sync"),
    ("command_warm", "later runs"),
)


def table(rows: list[dict]) -> str:
    """Markdown table; each time is wall seconds with CPU seconds in brackets."""
    head = ["size", "bugs", "comments", *[f"{s} s" for s in STAGES], "total s", "peak RSS MiB",
            "language cold comments/s (per CPU s)", "language cold peak RSS MiB",
            "language warm s", "whole command, first on the store s", "peak MiB",
            "whole command after a sync s", "peak MiB",
            "whole command, later runs s", "peak MiB"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        wall, cpu = row["seconds"], row["cpu_seconds"]
        cells = [f"{row['size']}x", f"{row['bugs']:,}", f"{row['comments']:,}"]
        cells += [_pair(wall.get(s), cpu.get(s)) for s in STAGES]
        cells += [_pair(row["total_s"], row["total_cpu_s"]), f"{row['peak_rss_mib']:,}"]
        cells += [
            f"{_num(row.get('language_comments_per_s'), '{:,}')} "
            f"({_num(row.get('language_comments_per_cpu_s'), '{:,}')})",
            _num(row.get("language_peak_rss_mib"), "{:,}"),
        ]
        cells += [_pair(wall.get("language_warm"), cpu.get("language_warm"))]
        for name, _ in COMMANDS:
            command = row.get(name) or {}
            cells += [_pair(command.get("wall_s"), command.get("cpu_s"))]
            cells += [_num(command.get("peak_rss_mib"), "{:,}")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _pair(wall: float | None, cpu: float | None) -> str:
    return "n/a" if wall is None else f"{wall:.1f} ({cpu:.1f})"


def _num(value: float | None, spec: str = "{:.2f}") -> str:
    return "n/a" if value is None else spec.format(value)


def verdict(rows: list[dict]) -> list[str]:
    by_size = {row["size"]: row for row in rows}
    lines = []
    if 1 in by_size:
        small = by_size[1]
        for size, big in sorted(by_size.items()):
            if size == 1:
                continue
            ratios = [
                f"stages {big['total_s'] / small['total_s']:.1f} wall, "
                f"{big['total_cpu_s'] / small['total_cpu_s']:.1f} CPU"
            ]
            for name, when in COMMANDS_SAID:
                if big.get(name) and small.get(name):
                    ratios.append(
                        f"whole command {when} {big[name]['wall_s'] / small[name]['wall_s']:.1f} "
                        f"wall, {big[name]['cpu_s'] / small[name]['cpu_s']:.1f} CPU"
                    )
            lines.append(f"{size}x / 1x: {'; '.join(ratios)} (goal: each <= {size})")
    if 50 in by_size:
        big = by_size[50]
        lines.append(f"50x: stages {big['total_s']:.1f} s, peak RSS {big['peak_rss_mib']:,} MiB")
        for name, when in COMMANDS_SAID:
            command = big.get(name)
            if command:
                wall = command["wall_s"]
                lines.append(
                    f"50x whole command, {when}: {wall:.1f} s wall, {command['cpu_s']:.1f} s CPU "
                    f"{_goal(wall, GOAL_COMMAND_SECONDS_50X, 's')}, "
                    f"peak {_memory(command['peak_rss_mib'])}"
                )
    return lines


def _goal(value: float, goal: float, unit: str) -> str:
    return f"(goal <= {goal} {unit}: {'met' if value <= goal else 'missed'})"


def _memory(peak_mib: float) -> str:
    gib = peak_mib / 1024
    return f"{gib:.2f} GiB {_goal(gib, GOAL_RSS_GIB_50X, 'GiB')}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", default="1,10,50", help="comma-separated multiples (1,10 in ~15 min here)"
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench"), help="where stores go")
    parser.add_argument("--month", default="2026-02", help="scorecard month, YYYY-MM")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--reuse-cache",
        action="store_true",
        help="skip the cold language pass where an earlier run left a language cache",
    )
    parser.add_argument(
        "--no-command",
        action="store_true",
        help="skip timing the whole `analyzer scorecards` command as a user runs it",
    )
    parser.add_argument(
        "--memory-by-stage",
        type=Path,
        metavar="DIR",
        help="only print RSS after and peak during each stage for the store in DIR",
    )
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="pipeline", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_by_stage:
        memory_by_stage(args.memory_by_stage, args.month)
        return 0
    if args.child:
        print(json.dumps(run_child(args.child, args.month, args.mode)))
        return 0
    command = shlex.join(["python", "bench/scale.py", *(argv or sys.argv[1:])])
    print(f"$ {command}")
    print(
        f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}, pandas {pd.__version__}"
    )
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        data_dir, generated = ensure_corpus(args.work, size, args.seed)
        if generated is not None:
            print(f"{size}x: generated in {generated:.1f} s", file=sys.stderr)
        cached = any((data_dir / ".cache").rglob("*.parquet"))
        if args.reuse_cache and cached:
            language = {}  # a warm cache from an earlier run: no cold pass this time
        else:
            language = spawn(data_dir, args.month, "language")  # cold, and warms the cache
        row = spawn(data_dir, args.month, "pipeline")
        row["size"] = size
        row["language_comments_per_s"] = language.get("language_comments_per_s")
        row["language_comments_per_cpu_s"] = language.get("language_comments_per_cpu_s")
        row["language_peak_rss_mib"] = language.get("peak_rss_mib")
        row["total_s"] = round(sum(row["seconds"].get(s, 0.0) for s in STAGES), 3)
        row["total_cpu_s"] = round(sum(row["cpu_seconds"].get(s, 0.0) for s in STAGES), 3)
        for name, before in COMMANDS:
            row[name] = None if args.no_command else run_command(data_dir, args.month, before)
        rows.append(row)
        print(f"{size}x: {json.dumps(row)}", file=sys.stderr)
    print(table(rows))
    print("times: wall seconds (CPU seconds); total = parse + metrics + scorecards.")
    print("language: cold pass measured alone (cache emptied first); the timed runs read it warm.")
    print("whole command: `python -m analyzer scorecards --month M --data-dir DIR` in a fresh")
    print("  process (imports, store, every stage, pages, CA history pages). First on the")
    print("  store: no tables cache, the per-comment language cache warm; after a sync: one")
    print(f"  that changed {SYNC_SHARE:.0%} of the bugs (tables grown from the last command's);")
    print("  later runs: every cache warm.")
    print(f"load average now: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for problem in sorted({m for row in rows for m in row["missing"]}):
        print(f"not measured (stage not built yet): {problem}")
    for line in verdict(rows):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
