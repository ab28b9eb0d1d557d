"""A sync killed with SIGKILL mid-way leaves a consistent store; the rerun continues and ends
identical to an uninterrupted sync."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analyzer.store import STORE_FILE, Store
from analyzer.testing.fake_bugs import load_corpus
from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults
from tests.conftest import run_cli

FIXTURES = Path(__file__).parent / "fixtures" / "bugzilla"
ROOT = Path(__file__).resolve().parents[1]


def stored_count(data_dir: Path) -> int:
    try:
        with sqlite3.connect(f"file:{data_dir / STORE_FILE}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM bugs").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT], ids=["kill-9", "ctrl-c"])
def test_sync_killed_mid_way_resumes_and_ends_identical(tmp_path, how):
    corpus = load_corpus(FIXTURES)
    with FakeBugzilla(corpus) as clean:
        args = ("--max-rate", "0", "--page-size", "2")
        assert run_cli("sync", "--base-url", clean.url, "--data-dir", tmp_path / "clean", *args)
        expected = Store.open(tmp_path / "clean").dump()

    data_dir = tmp_path / "killed"
    with FakeBugzilla(corpus, faults=Faults(latency=0.25)) as slow:
        command = [sys.executable, "-m", "analyzer", "sync", "--base-url", slow.url]
        command += ["--data-dir", str(data_dir), *args]
        environ = {k: v for k, v in os.environ.items() if k != "BUGZILLA_API_KEY"}
        process = subprocess.Popen(
            command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environ
        )
        deadline = time.monotonic() + 90  # start-up is slow on a loaded machine
        while stored_count(data_dir) < 4 and time.monotonic() < deadline:
            time.sleep(0.02)
        process.send_signal(how)
        _, stderr = process.communicate(timeout=10)
        if how == signal.SIGKILL:
            assert process.returncode == -signal.SIGKILL
        else:
            assert process.returncode == 130
            assert len(stderr.decode().strip().splitlines()) == 1  # one line, no traceback
        killed_at = stored_count(data_dir)
        assert 4 <= killed_at < len(expected)  # really mid-way

        with Store.open(data_dir) as store:
            assert store.get_meta("last_sync_time") is None  # no high-water mark yet
            assert store.get_meta("sync_cursor") is not None
        slow.faults.latency = 0.0
        slow.clear_log()
        rerun = run_cli("sync", "--base-url", slow.url, "--data-dir", data_dir, *args)
        first_query = dict(slow.log[0].params)

    assert rerun.exit_code == 0, rerun.stderr
    assert first_query.get("f1") == "bug_id" and int(first_query["v1"]) > 0  # continued
    assert "last_change_time" not in first_query  # still the same full sync
    with Store.open(data_dir) as store:
        assert store.dump() == expected
        assert store.get_meta("sync_cursor") is None
        assert store.get_meta("last_sync_time")
