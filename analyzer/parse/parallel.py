"""The parse of every stored bug in two processes: the first command on a large store.

Why: the parse is plain Python, bug by bug (each bug's rows depend only on its own stored
row, the reference tables and ``observed_at``; analyzer/parse/update.py relies on the same),
and at 50x the real corpus it takes 35-40 s of one core. A second process parses the upper
part of the bug ids while this one parses the lower part; its tables come back as Arrow IPC
files with their dtypes written down (so they read back exactly) and are joined in bug order
by the same merge that grows tables after a sync. Whatever goes wrong in the second process,
this one parses that part itself: the tables are always those of one serial parse
(tests/test_parse_parallel.py).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa

from analyzer.parse import build_tables, cache
from analyzer.parse.reference import Reference
from analyzer.parse.update import merged
from analyzer.store import Store
from analyzer.tables import ThreadTables
from analyzer.workers import workers

# Below this many bugs a second process costs more (its start and imports, 1-2 s) than it saves.
MIN_BUGS = 20_000
# The helper's share of the bugs: a little under half, as it starts 1-2 s after this process;
# one started early (start_helper) has imported by then, and only hands its half back after.
HELPER_SHARE = 0.46
EARLY_HELPER_SHARE = 0.49
_MANIFEST = "dtypes.json"


def start_helper(store: Store, min_bugs: int = MIN_BUGS) -> subprocess.Popen | None:
    """The helper process, started before it is needed (None where :func:`parse_store`
    would parse in one process): its interpreter's start and imports, 1-2 s, then overlap
    what this process does first (the store's signatures). It waits for its work on stdin;
    :func:`parse_store` sends it, :func:`stop_helper` ends one that got none."""
    if workers() < 2 or store.count() < max(min_bugs, 2):
        return None
    try:
        return _spawn()
    except (OSError, ValueError, subprocess.SubprocessError):  # no interpreter to start
        return None


def stop_helper(helper: subprocess.Popen | None) -> None:
    """End a helper still running (one never sent its work, or interrupted)."""
    if helper is not None and helper.poll() is None:
        helper.kill()
        helper.wait()


def parse_store(
    store: Store,
    reference: Reference,
    observed_at: pd.Timestamp,
    scratch: Path | None = None,
    min_bugs: int = MIN_BUGS,
    helper: subprocess.Popen | None = None,
) -> ThreadTables:
    """Every thread table of the stored bugs: in two processes when there are ``min_bugs``
    or more and two cores, else in this one. ``scratch``: where the second process leaves
    its tables (a temporary directory inside it, removed after). ``helper``: one from
    :func:`start_helper` (else one is started here); it is always ended on return."""
    try:
        return _parse_store(store, reference, observed_at, scratch, min_bugs, helper)
    finally:
        stop_helper(helper)


def _parse_store(
    store: Store,
    reference: Reference,
    observed_at: pd.Timestamp,
    scratch: Path | None,
    min_bugs: int,
    helper: subprocess.Popen | None,
) -> ThreadTables:
    ids = sorted(store.last_change_times())  # one pass over the key's index
    share = HELPER_SHARE if helper is None else EARLY_HELPER_SHARE
    split = ids[len(ids) - int(len(ids) * share)] if len(ids) >= max(min_bugs, 2) else None
    if split is None or workers() < 2:
        return build_tables(store.iter_raw(), reference, observed_at=observed_at)
    with _scratch_folder(scratch) as folder:
        if folder is None:  # nowhere to leave the helper's tables: one process
            return build_tables(store.iter_raw(), reference, observed_at=observed_at)
        before = store.get_meta("generation")  # every write of bugs makes a new one
        upper, lower = _halves(store, reference, observed_at, split, folder, before, helper)
    if store.get_meta("generation") != before:  # a sync wrote meanwhile: one consistent read
        return build_tables(store.iter_raw(), reference, observed_at=observed_at)
    tables = None if upper is None else merged(lower, upper, ())
    if tables is None:  # the helper failed: this process parses its half too
        upper = build_tables(store.iter_raw_between(split, None), reference, observed_at)
        tables = merged(lower, upper, ())
    if tables is None:  # halves that do not fit together: a serial parse is the truth
        return build_tables(store.iter_raw(), reference, observed_at=observed_at)
    return tables


def _halves(
    store: Store,
    reference: Reference,
    observed_at: pd.Timestamp,
    split: int,
    folder: str,
    generation: str | None,
    helper: subprocess.Popen | None = None,
) -> tuple[ThreadTables | None, ThreadTables]:
    """(the helper's upper half, or None when it failed, hung or saw another ``generation``
    of the store; this process's lower half)."""
    args = (store.opened_file, store.file_identity, generation, reference, observed_at, split)
    try:
        helper = helper or _spawn()
        _send(helper, pickle.dumps((*args, folder)))
    except (OSError, ValueError, subprocess.SubprocessError):  # no interpreter to start
        helper = None
    try:
        started = time.perf_counter()
        lower = build_tables(store.iter_raw_between(None, split), reference, observed_at)
        if helper is None:
            return None, lower
        # a helper far slower than this half is hung: parse its half here instead
        limit = max(120.0, 4 * (time.perf_counter() - started))
        try:
            done = helper.wait(timeout=limit) == 0
        except subprocess.TimeoutExpired:
            done = False
        return (_read_half(Path(folder)) if done else None), lower
    finally:  # an interrupt, say: the helper's half is not wanted either
        if helper is not None and helper.poll() is None:
            helper.kill()
            helper.wait()


@contextlib.contextmanager
def _scratch_folder(scratch: Path | None) -> Iterator[str | None]:
    """A temporary folder inside ``scratch`` (else the system's), removed after; None when
    neither can be made."""
    for place in (scratch, None) if scratch is not None else (None,):
        try:
            if place is not None:
                place.mkdir(parents=True, exist_ok=True)
            holder = tempfile.TemporaryDirectory(prefix=".parse-", dir=place)
        except OSError:
            continue
        with holder as folder:
            yield folder
        return
    yield None


# The helper is a fresh interpreter that imports this very package and runs only
# _parse_upper: not multiprocessing's spawn, which runs the caller's main module again (a
# researcher's unguarded script would run twice), and not fork, unsafe beside pyarrow's threads.
_HELPER = (
    "import sys; sys.path.insert(0, sys.argv[1]); "
    "from analyzer.parse.parallel import _helper_main; _helper_main()"
)


def _spawn() -> subprocess.Popen:
    root = str(Path(__file__).resolve().parents[2])  # the directory holding ``analyzer/``
    if not sys.executable:
        raise OSError("no Python interpreter to start")
    return subprocess.Popen(
        [sys.executable, "-c", _HELPER, root],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # a helper that fails is recovered from: no traceback shown
    )


def _send(helper: subprocess.Popen, payload: bytes) -> None:
    assert helper.stdin is not None
    try:
        helper.stdin.write(payload)
        helper.stdin.close()
    except OSError:  # it died: the caller parses that half itself
        pass


def _helper_main() -> None:
    _parse_upper(*pickle.load(sys.stdin.buffer))


def _parse_upper(
    store_path: Path,
    identity: tuple[int, int] | None,
    generation: str | None,
    reference: Reference,
    observed_at: pd.Timestamp,
    low: int,
    out: str,
) -> None:
    """The second process: parse the bugs from ``low`` up and leave the tables in ``out``;
    exit non-zero instead when the file or the store's state is not the caller's."""
    info = os.stat(store_path)
    if identity is not None and (info.st_dev, info.st_ino) != tuple(identity):
        raise SystemExit(3)  # another file at that path now: not the caller's store
    with Store.open_readonly(store_path) as store:
        if store.get_meta("generation") != generation:
            raise SystemExit(4)  # a sync wrote since the caller read its half's state
        raws = store.iter_raw_between(low, None)
        tables = build_tables(raws, reference, observed_at=observed_at)
        if store.get_meta("generation") != generation:
            raise SystemExit(4)
    _write_half(Path(out), tables)


# The hand-off: Arrow IPC files, written and read in about a second at 50x (parquet, with its
# encoding and compression, took 5), and the dtypes, which IPC does not all keep (``None`` in
# object columns, the unit of a time column), checked on reading as the tables cache does.
def _write_half(folder: Path, tables: ThreadTables) -> None:
    dtypes = {}
    for item in dataclasses.fields(tables):
        frame = getattr(tables, item.name)
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
        with pa.OSFile(str(folder / f"{item.name}.arrow"), "wb") as sink:
            with pa.ipc.new_file(sink, arrow.schema) as writer:
                writer.write_table(arrow)
        dtypes[item.name] = {c: str(t) for c, t in frame.dtypes.items()}
    (folder / _MANIFEST).write_text(json.dumps(dtypes))  # last: the half is whole


def _read_half(folder: Path) -> ThreadTables | None:
    """The helper's tables, or None when they are not all there with their dtypes."""
    try:
        dtypes = json.loads((folder / _MANIFEST).read_text())
        frames = {}
        for item in dataclasses.fields(ThreadTables):
            with pa.OSFile(str(folder / f"{item.name}.arrow")) as source:  # read, not mapped
                frame = pa.ipc.open_file(source).read_all().to_pandas()
            if not cache.restore_dtypes(frame, dtypes[item.name]):
                return None
            frames[item.name] = frame
        return ThreadTables(**frames)
    except Exception:  # noqa: BLE001 - a half that cannot be read is parsed again here
        return None
