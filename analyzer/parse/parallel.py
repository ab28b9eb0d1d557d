"""The parse of every stored bug in two processes: the first command on a large store.

Why: the parse is plain Python, bug by bug (each bug's rows depend only on its own stored
row, the reference tables and ``observed_at``; analyzer/parse/update.py relies on the same),
and at 50x the real corpus it takes 35-40 s of one core. A second process parses the upper
half of the bug ids while this one parses the lower half; its tables come back through a
scratch entry of the tables cache's format (parquet with the dtypes written down, so they
read back exactly) and are joined in bug order by the same merge that grows tables after a
sync. Whatever goes wrong in the second process, this one parses that half itself: the tables
are always those of one serial parse (tests/test_parse_parallel.py).
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from analyzer.parse import build_tables, cache
from analyzer.parse.reference import Reference
from analyzer.parse.update import merged
from analyzer.store import Store
from analyzer.tables import ThreadTables

# Below this many bugs a second process costs more (its start and imports, 1-2 s) than it saves.
MIN_BUGS = 20_000
_PART = "upper-half"


def workers() -> int:
    """The cores this process may use (``ANALYZER_WORKERS`` caps them; 1 parses serially)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    wanted = os.environ.get("ANALYZER_WORKERS", "")
    return max(1, min(cores, int(wanted))) if wanted.isdigit() else cores


def parse_store(
    store: Store,
    reference: Reference,
    observed_at: pd.Timestamp,
    scratch: Path | None = None,
    min_bugs: int = MIN_BUGS,
) -> ThreadTables:
    """Every thread table of the stored bugs: in two processes when there are ``min_bugs``
    or more and two cores, else in this one. ``scratch``: where the second process leaves
    its tables (a temporary directory inside it, removed after)."""
    count = store.count()
    split = store.bug_id_at(count // 2) if count >= max(min_bugs, 2) else None
    if split is None or workers() < 2:
        return build_tables(store.iter_raw(), reference, observed_at=observed_at)
    try:
        if scratch is not None:
            scratch.mkdir(parents=True, exist_ok=True)
    except OSError:
        scratch = None  # the system's temporary directory will do
    with tempfile.TemporaryDirectory(prefix=".parse-", dir=scratch) as folder:
        helper = _start_helper((str(store.path), reference, str(observed_at), split, folder))
        try:
            lower = build_tables(
                store.iter_raw_between(None, split), reference, observed_at=observed_at
            )
        except BaseException:  # an interrupt, say: the helper's half is not wanted either
            helper.kill()
            helper.wait()
            raise
        upper = cache.load(Path(folder), _PART) if helper.wait() == 0 else None
    tables = None if upper is None else merged(lower, upper, ())
    if tables is None:  # the helper failed: this process parses its half too
        upper = build_tables(store.iter_raw_between(split, None), reference, observed_at)
        tables = merged(lower, upper, ())
    if tables is None:  # halves that do not fit together: a serial parse is the truth
        return build_tables(store.iter_raw(), reference, observed_at=observed_at)
    return tables


# The helper is a fresh interpreter that imports this very package and runs only
# _parse_upper: not multiprocessing's spawn, which runs the caller's main module again (a
# researcher's unguarded script would run twice), and not fork, unsafe beside pyarrow's threads.
_HELPER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from analyzer.parse.parallel import _helper_main; _helper_main()"
)


def _start_helper(args: tuple) -> subprocess.Popen:
    root = str(Path(__file__).resolve().parents[2])  # the directory holding ``analyzer/``
    helper = subprocess.Popen(
        [sys.executable, "-c", _HELPER, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a helper that fails is recovered from: no traceback shown
    )
    assert helper.stdin is not None
    try:
        helper.stdin.write(pickle.dumps(args))
        helper.stdin.close()
    except OSError:  # it died at once: the caller parses that half itself
        pass
    return helper


def _helper_main() -> None:
    _parse_upper(*pickle.load(sys.stdin.buffer))


def _parse_upper(store_path: str, reference: Reference, observed_at: str, low: int, out: str):
    """The second process: parse the bugs from ``low`` up, leave the tables in ``out``."""
    with Store.open_readonly(store_path) as store:
        raws = store.iter_raw_between(low, None)
        tables = build_tables(raws, reference, observed_at=pd.Timestamp(observed_at))
    cache.save(Path(out), _PART, tables)
