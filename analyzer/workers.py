"""Work shared with a second core: how many this process may use, and one part of a job run
in a forked copy of this process while this one runs the other.

Why a fork, where the first parse starts a fresh interpreter (analyzer/parse/parallel.py):
the stages after the parse work on tables already in memory (gigabytes at 50x the real
corpus). A fresh interpreter would have to be handed them, which costs about what it saves; a
forked copy has them at once, shared until written. A fork is safe here only where nothing
else runs: on Linux, with no other Python thread (a Jupyter kernel has some, a test's fake
server too: those run serially), between pyarrow calls (whose thread pool Arrow remakes in
the child). The copy's part comes back pickled; whatever goes wrong in it (an error, a kill,
a hang), the caller gets None and does that part itself, so the result is always that of one
process (tests/test_workers.py).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar, cast

Theirs = TypeVar("Theirs")
Mine = TypeVar("Mine")

# Below this many bugs a stage's second half is done in well under a second: a forked copy
# (its start, the hand-back of its part) saves next to nothing.
MIN_BUGS_TO_SPLIT = 5_000
# a copy far slower than this process's own part is hung: its part is done here instead
HUNG_FACTOR = 4
HUNG_AFTER_S = 120.0
_RESULT = "result.pickle"


def workers() -> int:
    """The cores this process may use (``ANALYZER_WORKERS`` caps them; 1 works serially)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    wanted = os.environ.get("ANALYZER_WORKERS", "")
    return max(1, min(cores, int(wanted))) if wanted.isdigit() else cores


def can_fork() -> bool:
    """A forked copy of this process can share its work: Linux, two cores, no other thread."""
    return (
        sys.platform == "linux" and hasattr(os, "fork") and _other_threads() == 0 and workers() >= 2
    )


def _other_threads() -> int:
    """Python threads besides this one (any of them could hold a lock the copy would need)."""
    return threading.active_count() - 1


def in_two(
    theirs: Callable[[], Theirs], mine: Callable[[], Mine], release: bool = False
) -> tuple[Theirs | None, Mine]:
    """``(theirs(), mine())``, ``theirs`` run in a forked copy of this process meanwhile.
    ``theirs`` comes back as None when the copy could not be made, failed or hung (or
    :func:`can_fork` says no): the caller then runs it itself. An error or an interrupt in
    ``mine`` kills the copy. ``release``: first hand freed memory back to the system (a
    quarter of a second at 50x; worth it before the parts that allocate the most)."""
    if not can_fork():
        return None, mine()
    with _folder() as folder:
        if folder is None:
            return None, mine()
        if release:
            _release_free_memory()
        child = _fork(theirs, Path(folder))
        if child is None:
            return None, mine()
        reaped = False
        try:
            started = time.perf_counter()
            here = mine()
            limit = max(HUNG_AFTER_S, HUNG_FACTOR * (time.perf_counter() - started))
            status = _wait(child, limit)
            reaped = status is not None
            theirs_back = cast("Theirs | None", _load(Path(folder)) if status == 0 else None)
            return theirs_back, here
        finally:
            if not reaped:
                with contextlib.suppress(OSError):
                    os.kill(child, signal.SIGKILL)
                    os.waitpid(child, 0)


def halves(weights: Sequence[int]) -> tuple[list[int], list[int]]:
    """The positions of ``weights`` in two parts of about equal sum (heaviest first, each to
    the lighter part), each in order."""
    loads = [0, 0]
    parts: tuple[list[int], list[int]] = ([], [])
    for i in sorted(range(len(weights)), key=lambda i: -weights[i]):
        lighter = 0 if loads[0] <= loads[1] else 1
        loads[lighter] += weights[i]
        parts[lighter].append(i)
    return sorted(parts[0]), sorted(parts[1])


@contextlib.contextmanager
def _folder():
    """A private temporary folder for the copy's result, removed after (None: none can be
    made)."""
    try:
        holder = tempfile.TemporaryDirectory(prefix=".analyzer-part-")
    except OSError:
        yield None
        return
    with holder as folder:
        yield folder


def _fork(theirs: Callable[[], object], folder: Path) -> int | None:
    """The copy's pid (None when there is none). The copy never returns: it runs ``theirs``,
    leaves the result in ``folder`` and exits at once, skipping the caller's clean-up (its
    ``finally`` blocks and exit handlers are the caller's, not the copy's)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()  # else text buffered before the fork would be written twice
    parent = os.getpid()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: "multi-threaded" (Arrow)
        try:
            pid = os.fork()
        except OSError:
            return None
    if pid != 0:
        return pid
    code = 1
    try:
        _die_with(parent)
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # an interrupt ends the copy at once
        quiet = os.open(os.devnull, os.O_WRONLY)
        os.dup2(quiet, 1)  # the copy says nothing: the caller reports
        os.dup2(quiet, 2)
        sys.stdout = sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - until os._exit
        result = theirs()
        partial = folder / f"{_RESULT}.partial"
        with open(partial, "wb") as sink:
            pickle.dump(result, sink, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, folder / _RESULT)
        code = 0
    except BaseException:  # noqa: BLE001, S110 - the caller does this part itself
        pass
    finally:
        os._exit(code)


def _release_free_memory() -> None:
    """Hand memory freed by earlier stages back to the system before the copy is made: else
    the copy's own allocations land in those free pages, each a copy-on-write of a page this
    process still holds (at 50x, some hundreds of MB counted twice)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    with contextlib.suppress(Exception):
        import pyarrow

        pyarrow.default_memory_pool().release_unused()


def _die_with(parent: int) -> None:
    """End this copy when the process that made it dies (killed, say), instead of computing
    on for no one (Linux's parent-death signal)."""
    import ctypes

    set_parent_death_signal = 1  # PR_SET_PDEATHSIG
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(set_parent_death_signal, signal.SIGKILL)
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _wait(pid: int, limit: float) -> int | None:
    """The copy's exit code once it ends (a signal counts as failure), None after ``limit``
    seconds."""
    deadline = time.monotonic() + limit
    pause = 0.001
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        if time.monotonic() > deadline:
            return None
        time.sleep(pause)
        pause = min(pause * 2, 0.05)


def _load(folder: Path) -> object | None:
    try:
        with open(folder / _RESULT, "rb") as source:
            return pickle.load(source)
    except Exception:  # noqa: BLE001 - a result that cannot be read is computed again
        return None
