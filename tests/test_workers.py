"""One part of a job in a forked copy of this process (analyzer/workers.py): whatever happens
in the copy, the caller gets the copy's result or None, and no copy outlives the call."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analyzer import workers
from analyzer.workers import can_fork, halves, in_two

pytestmark = pytest.mark.usefixtures("forkable")  # tests/conftest.py


def _alive(pid: int) -> bool:
    """Running (a zombie, ended but not yet reaped by whoever inherited it, is not)."""
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def test_the_copys_part_runs_in_another_process_meanwhile():
    here = os.getpid()
    theirs, mine = in_two(lambda: (os.getpid(), os.getppid()), lambda: os.getpid())
    assert mine == here
    assert theirs is not None
    their_pid, their_parent = theirs
    assert their_pid != here and their_parent == here
    assert not _alive(their_pid)  # reaped


def test_the_parts_run_at_the_same_time():
    started = time.perf_counter()
    theirs, mine = in_two(lambda: time.sleep(0.6) or "t", lambda: time.sleep(0.6) or "m")
    assert (theirs, mine) == ("t", "m")
    assert time.perf_counter() - started < 1.1  # serially it would take 1.2 s at least


def test_a_copy_that_fails_gives_none():
    def fails():
        raise ValueError("boom")

    assert in_two(fails, lambda: "mine") == (None, "mine")


def test_a_copy_killed_by_a_signal_gives_none():
    assert in_two(lambda: os.kill(os.getpid(), signal.SIGKILL), lambda: 1) == (None, 1)


def test_a_result_that_cannot_be_pickled_gives_none():
    assert in_two(lambda: lambda: None, lambda: 1) == (None, 1)


def test_a_hung_copy_is_killed_and_gives_none(monkeypatch):
    monkeypatch.setattr(workers, "HUNG_AFTER_S", 0.3)
    pids = []

    def hangs():
        time.sleep(60)

    def mine():
        pids.extend(p for p in _children())
        return "mine"

    started = time.perf_counter()
    assert in_two(hangs, mine) == (None, "mine")
    assert time.perf_counter() - started < 10
    assert pids and not any(_alive(p) for p in pids)


def _children() -> list[int]:
    task = f"/proc/{os.getpid()}/task/{os.getpid()}/children"
    return [int(p) for p in open(task).read().split()]


def test_an_error_here_kills_the_copy_and_is_raised():
    pids = []

    def mine():
        pids.extend(_children())
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        in_two(lambda: time.sleep(60), mine)
    assert pids and not any(_alive(p) for p in pids)


def test_the_copy_writes_nothing_to_the_callers_output(capfd):
    def noisy():
        print("from the copy")
        os.write(2, b"raw from the copy\n")
        return "done"

    assert in_two(noisy, lambda: "mine") == ("done", "mine")
    out, err = capfd.readouterr()
    assert "from the copy" not in out + err


@pytest.mark.parametrize("reason", ["thread", "one worker"])
def test_no_copy_where_forking_is_not_safe_or_not_wanted(reason, monkeypatch):
    called = []
    stop = threading.Event()
    if reason == "thread":
        monkeypatch.setattr(workers, "_other_threads", lambda: threading.active_count() - 1)
        other = threading.Thread(target=stop.wait)
        other.start()
    else:
        monkeypatch.setattr(workers, "workers", lambda: 1)
    try:
        assert not can_fork()
        assert in_two(lambda: called.append(1), lambda: "mine") == (None, "mine")
        assert called == []
    finally:
        stop.set()
        if reason == "thread":
            other.join()


def test_analyzer_workers_caps_the_cores(monkeypatch):
    monkeypatch.undo()
    monkeypatch.setenv("ANALYZER_WORKERS", "1")
    assert workers.workers() == 1
    monkeypatch.setenv("ANALYZER_WORKERS", "not a number")
    assert workers.workers() >= 1


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=60))
def test_two_halves_hold_every_position_once_and_differ_by_at_most_the_heaviest(weights):
    first, second = halves(weights)
    assert sorted(first + second) == list(range(len(weights)))
    assert first == sorted(first) and second == sorted(second)
    gap = abs(sum(weights[i] for i in first) - sum(weights[i] for i in second))
    assert gap <= max(weights, default=0)


def test_a_copy_ends_when_the_process_that_made_it_is_killed(tmp_path):
    """A command killed mid-way (SIGKILL: no finally runs) leaves no copy computing on."""
    import subprocess
    import sys

    pid_file = tmp_path / "copy.pid"
    script = (
        "import os, time\n"
        "from analyzer import workers\n"
        "workers.workers = lambda: 2\n"
        "def theirs():\n"
        f"    open({str(pid_file)!r}, 'w').write(str(os.getpid()))\n"
        "    time.sleep(60)\n"
        "workers.in_two(theirs, lambda: time.sleep(60))\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script])
    try:
        for _ in range(200):
            if pid_file.exists() and pid_file.read_text():
                break
            time.sleep(0.05)
        copy = int(pid_file.read_text())
        assert _alive(copy)
    finally:
        parent.kill()
        parent.wait()
    for _ in range(100):
        if not _alive(copy):
            break
        time.sleep(0.05)
    assert not _alive(copy)
