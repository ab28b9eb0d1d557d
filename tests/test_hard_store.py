"""Damaged, foreign, read-only and locked stores; a mistyped --data-dir; an unfinished sync."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from analyzer.env import ExitStatus
from analyzer.fetch.sync import CURSOR_KEY
from analyzer.store import STORE_FILE, Store
from tests.conftest import fill, one_bug_store, run_on_snapshot

READS = [("quality",), ("metrics",), ("summary",), ("due",)]


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


# -- damaged stores ----------------------------------------------------------------------------


def synced_store(cli, server, data_dir: Path) -> Path:
    result = cli("sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0")
    assert result.exit_code == 0, result.stderr
    return data_dir / STORE_FILE


def damage_a_middle_page(path: Path, fill: bytes) -> None:
    """Overwrite one whole page in the middle of the file, as a bad disk sector would."""
    with sqlite3.connect(path) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.close()
    assert pages >= 4, pages
    with path.open("r+b") as handle:
        handle.seek((pages // 2) * page_size)
        handle.write((fill * page_size)[:page_size])


FILLS = {"zeros": b"\x00", "ones": b"\xff", "noise": bytes(range(7, 251, 3))}


@pytest.mark.parametrize("fill", FILLS, ids=str)
def test_a_damaged_page_is_named_a_damaged_store_and_never_written(cli, server, tmp_path, fill):
    path = synced_store(cli, server, tmp_path / "good")
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / STORE_FILE).write_bytes(path.read_bytes())
    damage_a_middle_page(damaged / STORE_FILE, FILLS[fill])
    before = (damaged / STORE_FILE).read_bytes()
    for args in [*READS, ("export", "--out", tmp_path / "out", "--format", "csv")]:
        result = cli(*args, "--data-dir", damaged)
        assert_one_sentence(result, ExitStatus.USAGE, str(damaged / STORE_FILE), "is damaged")
    requests = server.request_count
    result = cli("sync", "--base-url", server.url, "--data-dir", damaged, "--max-rate", "0")
    assert_one_sentence(result, ExitStatus.USAGE, "is damaged")
    assert server.request_count == requests  # refused before any request
    assert (damaged / STORE_FILE).read_bytes() == before
    assert not (damaged / (STORE_FILE + "-wal")).exists()


DAMAGED_ROWS = {
    "bug_json cut short": ("bug_json", '{"id": 1, "summary": "Harb'),
    "bug_json not an object": ("bug_json", 42),
    "comments_json not UTF-8": ("comments_json", b"[\xff\xfe]"),
    "history_json not JSON": ("history_json", "[{]"),
    "comments_json empty": ("comments_json", ""),
}


def test_damaged_rows_are_named_and_the_rest_stay_readable(cli, server, data_dir):
    synced_store(cli, server, data_dir)
    conn = sqlite3.connect(data_dir / STORE_FILE)
    ids = [row[0] for row in conn.execute("SELECT bug_id FROM bugs ORDER BY bug_id")]
    victims = dict(zip(DAMAGED_ROWS, ids[1:], strict=False))
    for name, bug_id in victims.items():
        column, value = DAMAGED_ROWS[name]
        if isinstance(value, bytes):  # a text cell holding bytes that are not UTF-8
            conn.execute(f"UPDATE bugs SET {column} = CAST(? AS TEXT) WHERE bug_id = ?",
                         (value, bug_id))  # fmt: skip
        else:
            conn.execute(f"UPDATE bugs SET {column} = ? WHERE bug_id = ?", (value, bug_id))
    conn.execute(
        "UPDATE bugs SET fetched_at = CAST(x'ff00' AS TEXT), last_change_time = x'fe' "
        "WHERE bug_id = ?",
        (ids[0],),
    )
    conn.commit()
    conn.close()
    report = cli("quality", "--data-dir", data_dir, "--format", "json")
    assert report.exit_code == 0, report.stderr
    found = [row for row in report.json()["unreadable"] if row["where"] == "store"]
    assert sorted(row["bug_id"] for row in found) == sorted(victims.values())
    assert all(row["problem"].startswith("damaged row") for row in found)
    text = cli("quality", "--data-dir", data_dir)
    assert text.exit_code == 0 and f"bug {ids[1]} store bug_json" in text.stdout
    for args in READS[1:]:
        result = cli(*args, "--data-dir", data_dir, "--format", "json")
        assert result.exit_code == 0, (args, result.stderr)
    bugs = cli("export", "--data-dir", data_dir, "--out", data_dir / "x", "--format", "csv")
    assert bugs.exit_code == 0, bugs.stderr
    exported = (data_dir / "x" / "bugs.csv").read_text()
    assert str(ids[0]) in exported  # its times were damaged, its JSON was not
    for bug_id in victims.values():
        assert f"\n{bug_id}," not in exported
    sync = cli("sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0")
    assert sync.exit_code == 0, sync.stderr  # the file is sound: a sync may heal what it refetches


def test_a_full_disk_under_sync_is_one_sentence_and_loses_nothing(cli, server, tmp_path,
                                                                   mount_tmpfs):  # fmt: skip
    data_dir = mount_tmpfs(tmp_path / "small", "2m")
    synced_store(cli, server, data_dir)
    with Store.open_readonly(data_dir / STORE_FILE) as store:
        before = store.dump()
    for number in range(3):
        server.add_bug(f"Harbor CA: incident {number}", "ops@harbor-ca.example", "x" * 400_000)
    fill(data_dir / "filler")
    result = cli("sync", "--base-url", server.url, "--data-dir", data_dir, "--max-rate", "0")
    assert_one_sentence(result, ExitStatus.ERROR, "No space left", str(data_dir))
    assert "unexpected" not in result.stderr
    (data_dir / "filler").unlink()
    with Store.open_readonly(data_dir / STORE_FILE) as store:
        assert store.dump() == before
    assert cli("quality", "--data-dir", data_dir).exit_code == 0


@pytest.mark.parametrize("value", ["'yesterday'", "x'ff00'", "12345", "'3025-01-01T00:00:00Z'"])
def test_a_damaged_meta_row_is_read_as_missing_not_a_crash(cli, data_dir, value):
    one_bug_store(data_dir)
    with sqlite3.connect(data_dir / STORE_FILE) as conn:
        for key in ("last_sync_time", "source", "history_known"):
            conn.execute(f"UPDATE meta SET value = {value} WHERE key = ?", (key,))
    conn.close()
    for args in READS:
        result = cli(*args, "--data-dir", data_dir)
        assert result.exit_code == 0, (args, result.stderr)
