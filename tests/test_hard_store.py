"""Damaged, foreign, read-only and locked stores; a mistyped --data-dir; an unfinished sync."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from analyzer.env import ExitStatus
from analyzer.fetch.sync import CURSOR_KEY
from analyzer.store import STORE_FILE, RawBug, Store
from tests.conftest import run_on_snapshot

READS = [("quality",), ("metrics",), ("summary",), ("due",)]


def one_bug_store(data_dir: Path) -> Path:
    bug = {"id": 7001, "summary": "Harbor CA: late revocation", "status": "NEW",
           "creation_time": "2026-03-01T10:00:00Z", "creator": "ops@harbor-ca.example",
           "whiteboard": "[ca-compliance]", "last_change_time": "2026-03-01T10:00:00Z"}  # fmt: skip
    comment = {"count": 0, "creator": "ops@harbor-ca.example", "text": "Preliminary report",
               "creation_time": "2026-03-01T10:00:00Z", "is_private": False}  # fmt: skip
    with Store.open(data_dir) as store:
        store.put_bugs([RawBug(bug, [comment], [])])
        store.set_meta(source="test", history_known="true", last_sync_time="2026-03-05T00:00:00Z")
    return data_dir


def assert_one_sentence(result, code: int, *fragments: str) -> None:
    assert result.exit_code == code, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.mark.parametrize("args", READS, ids=lambda a: a[0])
def test_a_mistyped_data_dir_is_an_error_not_the_snapshot(cli, tmp_path, args):
    result = cli(*args, "--data-dir", tmp_path / "dta")
    assert_one_sentence(result, ExitStatus.USAGE, "No store in", "dta")
    assert result.stdout == ""


def test_without_data_dir_the_snapshot_is_used_and_said(tmp_path):
    result = run_on_snapshot("quality")
    assert result.exit_code == 0 and "bundled snapshot" in result.stderr


def test_an_unfinished_sync_is_said_by_every_read_command(cli, data_dir):
    one_bug_store(data_dir)
    with Store.open(data_dir) as store:
        store.set_meta(**{CURSOR_KEY: '{"source": "x", "since": null, "started": null}'})
    for args in READS:
        result = cli(*args, "--data-dir", data_dir)
        assert result.exit_code == 0, result.stderr
        assert "did not finish" in result.stderr and "partial" in result.stderr


def test_a_finished_sync_says_nothing_of_the_kind(cli, data_dir):
    one_bug_store(data_dir)
    result = cli("quality", "--data-dir", data_dir)
    assert result.exit_code == 0 and "partial" not in result.stderr


def foreign_sqlite(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True)
    path = data_dir / STORE_FILE
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos VALUES (1, 'cat.jpg')")
    return path


def test_a_foreign_sqlite_file_is_never_written_into(cli, data_dir, server):
    path = foreign_sqlite(data_dir)
    before = path.read_bytes()
    result = cli("sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0")
    assert_one_sentence(result, ExitStatus.USAGE, "not an analyzer store")
    assert path.read_bytes() == before
    assert server.request_count == 0
    assert_one_sentence(cli("quality", "--data-dir", data_dir), 2, "not an analyzer store")


def test_a_store_of_another_schema_version_is_refused(cli, data_dir, server):
    one_bug_store(data_dir)
    with sqlite3.connect(data_dir / STORE_FILE) as conn:
        conn.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    for args in [("quality",), ("sync", "--base-url", server.url, "--max-rate", "0")]:
        result = cli(*args, "--data-dir", data_dir)
        assert_one_sentence(result, ExitStatus.USAGE, "schema version '2'", "reads version 1")
    assert server.request_count == 0


def test_a_file_that_is_not_sqlite_is_named_so(cli, data_dir):
    data_dir.mkdir(parents=True)
    (data_dir / STORE_FILE).write_text("just some text, not a database at all" * 50)
    assert_one_sentence(cli("quality", "--data-dir", data_dir), 2, "not an analyzer store")


def test_a_read_only_store_gets_a_true_message(data_dir):
    """File permissions cannot be taken from root (tests may run as root), so the write is
    refused by SQLite itself: the same error a read-only file or mount gives."""
    from analyzer.store import _problem

    one_bug_store(data_dir)
    uri = (data_dir / STORE_FILE).resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as caught:
        conn.execute("INSERT INTO meta VALUES ('k', 'v')")
    conn.close()
    message = _problem(caught.value, data_dir / STORE_FILE, writing=True)
    assert "read-only" in message and "not an analyzer store" not in message


def test_a_locked_store_is_named_locked(cli, data_dir, server, monkeypatch):
    import analyzer.store

    one_bug_store(data_dir)
    monkeypatch.setattr(analyzer.store, "LOCK_WAIT_SECONDS", 0.05)
    holder = sqlite3.connect(data_dir / STORE_FILE)
    holder.execute("BEGIN EXCLUSIVE")  # another sync, mid-transaction
    try:
        result = cli("sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0")
    finally:
        holder.rollback()
        holder.close()
    assert_one_sentence(result, ExitStatus.USAGE, "locked by another process")
    assert "not an analyzer store" not in result.stderr
