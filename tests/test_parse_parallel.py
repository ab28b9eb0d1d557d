"""The parse of a large store in two processes (analyzer/parse/parallel.py) gives exactly the
tables of one serial parse, and a helper process that fails costs time, never a table."""

from __future__ import annotations

import copy
import dataclasses
import time
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer.parse import build_tables
from analyzer.parse.parallel import (
    EARLY_HELPER_SHARE,
    HELPER_SHARE,
    parse_store,
    start_helper,
    stop_helper,
)
from analyzer.store import Store
from analyzer.workers import workers

pytestmark = pytest.mark.skipif(workers() < 2, reason="needs two cores to run a second process")


def _equal(a, b) -> None:
    for item in dataclasses.fields(a):
        left, right = getattr(a, item.name), getattr(b, item.name)
        pd.testing.assert_frame_equal(left, right, obj=item.name)


@pytest.fixture
def store(tmp_path):
    """The bundled snapshot's bugs, and one with values the parse's door must repair (so that
    data_quality has rows in the upper half too)."""
    raws = list(analyzer.load().store.iter_raw())
    last = copy.deepcopy(raws[-1])
    last.bug["id"] = last.bug_id + 1
    hostile = dataclasses.replace(last, key=last.bug_id + 1)
    hostile.comments[0]["text"] = 12345
    hostile.comments[-1]["count"] = -1
    with Store.open(tmp_path / "data") as writing:
        writing.put_bugs([*raws, hostile], meta={"last_sync_time": "2026-03-01T00:00:00Z"})
    with Store.open_readonly(tmp_path / "data" / "bugzilla.sqlite") as reading:
        yield reading


def _lower_count(store) -> int:
    """How many bugs this process parses itself: all but the helper's share."""
    return store.count() - int(store.count() * HELPER_SHARE)


def _serial(store):
    corpus = analyzer.load(store.path.parent)
    return corpus, build_tables(store.iter_raw(), corpus.reference, observed_at=corpus.observed_at)


def _counting(monkeypatch) -> list[int]:
    """How many bugs each parse in this process read (the helper's are not seen)."""
    parsed: list[int] = []
    real = build_tables

    def counted(raws, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raws = list(raws)
        parsed.append(len(raws))
        return real(raws, *args, **kwargs)

    monkeypatch.setattr("analyzer.parse.parallel.build_tables", counted)
    return parsed


def test_two_processes_give_the_tables_of_one(store, tmp_path, monkeypatch):
    corpus, serial = _serial(store)
    bugs = serial.bugs["bug_id"]
    assert len(serial.data_quality) and serial.data_quality["bug_id"].max() == bugs.max()
    parsed = _counting(monkeypatch)
    halves = parse_store(store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    _equal(halves, serial)
    assert parsed == [_lower_count(store)]  # the other part came from the helper
    assert not list((tmp_path / "s").iterdir())  # the helper's scratch entry is gone


def test_a_helper_started_early_parses_its_share_and_ends(store, tmp_path, monkeypatch):
    """Started before the store's signatures are read, sent its work later: the same tables,
    its (larger) share parsed there; and one never sent work is ended."""
    corpus, serial = _serial(store)
    helper = start_helper(store, min_bugs=2)
    assert helper is not None and helper.poll() is None  # waiting for its work
    parsed = _counting(monkeypatch)
    halves = parse_store(
        store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2, helper=helper
    )
    _equal(halves, serial)
    assert parsed == [store.count() - int(store.count() * EARLY_HELPER_SHARE)]
    assert helper.poll() is not None
    idle = start_helper(store, min_bugs=2)
    stop_helper(idle)
    assert idle.poll() is not None
    assert start_helper(store) is None  # the snapshot is below MIN_BUGS: no helper
    monkeypatch.setenv("ANALYZER_WORKERS", "1")
    assert start_helper(store, min_bugs=2) is None


def test_a_helper_that_cannot_open_the_store_costs_a_serial_half(store, tmp_path, monkeypatch):
    """The store moved away after this process opened it: the helper cannot open it and
    fails; this process parses the upper half through its own open connection."""
    corpus, serial = _serial(store)
    store.path.rename(store.path.with_name("moved.sqlite"))
    parsed = _counting(monkeypatch)
    halves = parse_store(store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    _equal(halves, serial)
    assert sum(parsed) == store.count() and len(parsed) == 2


def test_a_small_store_is_parsed_in_this_process(store, tmp_path, monkeypatch):
    corpus, serial = _serial(store)
    monkeypatch.setattr("analyzer.parse.parallel._spawn", _no_helper)
    _equal(parse_store(store, corpus.reference, corpus.observed_at, tmp_path), serial)
    monkeypatch.setenv("ANALYZER_WORKERS", "1")
    _equal(parse_store(store, corpus.reference, corpus.observed_at, tmp_path, min_bugs=2), serial)


def _no_helper() -> None:
    raise AssertionError("a helper process was started")


def test_the_helper_reads_the_file_this_process_opened(store, tmp_path, monkeypatch):
    """A store opened by a relative path, then another working directory (a notebook's
    ``os.chdir``) holding another store there: the helper still reads the caller's file."""
    corpus, serial = _serial(store)
    monkeypatch.chdir(tmp_path)
    relative = Store.open_readonly("data/bugzilla.sqlite")
    elsewhere = tmp_path / "elsewhere"
    with Store.open(elsewhere / "data") as other:
        other.put_bugs(list(store.iter_raw())[:3], meta={"last_sync_time": "2026-03-01T00:00:00Z"})
    monkeypatch.chdir(elsewhere)
    parsed = _counting(monkeypatch)
    halves = parse_store(relative, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    _equal(halves, serial)
    assert parsed == [_lower_count(store)]
    relative.close()


def test_nowhere_to_write_or_no_interpreter_still_parses(store, tmp_path, monkeypatch):
    corpus, serial = _serial(store)
    unusable = parse_store(store, corpus.reference, corpus.observed_at, Path("/proc/self"), 2)
    _equal(unusable, serial)
    monkeypatch.setattr("sys.executable", "")
    _equal(parse_store(store, corpus.reference, corpus.observed_at, tmp_path, min_bugs=2), serial)


def _children() -> list[str]:
    """This process's parse helpers still running (other tests may leave other children)."""
    tasks = Path("/proc/self/task")
    kids = [kid for task in tasks.iterdir() for kid in (task / "children").read_text().split()]
    helpers = []
    for kid in kids:
        try:
            command = Path(f"/proc/{kid}/cmdline").read_bytes()
        except OSError:  # gone meanwhile
            continue
        if b"analyzer.parse.parallel" in command:
            helpers.append(kid)
    return helpers


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_an_interrupt_kills_the_helper_and_leaves_no_scratch(store, tmp_path, monkeypatch):
    corpus, _ = _serial(store)

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        raise KeyboardInterrupt

    monkeypatch.setattr("analyzer.parse.parallel.build_tables", interrupted)
    with pytest.raises(KeyboardInterrupt):
        parse_store(store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    assert _children() == []
    assert list((tmp_path / "s").iterdir()) == []


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc")
def test_an_interrupt_while_waiting_for_the_helper_kills_it(store, tmp_path, monkeypatch):
    import subprocess

    corpus, _ = _serial(store)
    real_wait = subprocess.Popen.wait

    def wait(self, timeout=None):  # noqa: ANN001, ANN202
        if timeout is not None:  # the wait for the helper's half, not the wait after a kill
            raise KeyboardInterrupt
        return real_wait(self)

    monkeypatch.setattr(subprocess.Popen, "wait", wait)
    with pytest.raises(KeyboardInterrupt):
        parse_store(store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    assert _children() == []
    time.sleep(0.5)  # a helper left running would write its half into the scratch folder
    assert list((tmp_path / "s").iterdir()) == []


def test_a_sync_writing_during_the_parse_gives_one_consistent_read(store, tmp_path, monkeypatch):
    """A sync that writes bugs while the two processes read (a new ``generation``): the tables
    are those of one serial parse of the store as it is after the write, not a mix."""
    corpus, _ = _serial(store)
    parsed: list[int] = []
    real = build_tables

    def writing_then_parsing(raws, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if not parsed:  # the lower half: a sync writes before it is read
            last = list(store.iter_raw_between(None, None))[-1]
            last.comments.append({**last.comments[-1], "count": len(last.comments), "id": None})
            with Store.open(store.path.parent) as writing:
                writing.put_bugs([last], meta={"last_sync_time": "2026-03-02T00:00:00Z"})
        raws = list(raws)
        parsed.append(len(raws))
        return real(raws, *args, **kwargs)

    monkeypatch.setattr("analyzer.parse.parallel.build_tables", writing_then_parsing)
    tables = parse_store(store, corpus.reference, corpus.observed_at, tmp_path / "s", min_bugs=2)
    after = real(store.iter_raw(), corpus.reference, observed_at=corpus.observed_at)
    _equal(tables, after)
    assert parsed[-1] == store.count()  # read again, whole


def test_an_early_helper_is_ended_when_the_tables_are_grown_instead(store, monkeypatch):
    """After a sync the tables grow from the last command's: the helper started in case of a
    full parse is ended, not left waiting."""
    from analyzer.parse import parallel

    data = store.path.parent
    _ = analyzer.load(data).tables  # the entry to grow from
    raw = next(iter(store.iter_raw()))
    raw.comments.append({**raw.comments[-1], "count": len(raw.comments), "text": "More."})
    with Store.open(data) as writing:
        writing.put_bugs([raw])
    started = []
    real = parallel.start_helper

    def early(store_, min_bugs=2):  # noqa: ANN001, ANN202 - a small store gets one too
        started.append(real(store_, min_bugs=min_bugs))
        return started[-1]

    monkeypatch.setattr(parallel, "start_helper", early)
    corpus = analyzer.load(data)
    _ = corpus.tables
    assert corpus.stage_sources["tables"].startswith("updated")
    assert started and started[0] is not None and started[0].poll() is not None
