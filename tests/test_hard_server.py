"""Hostile or unlucky servers: silent caps, moved bugs, wrong clocks, slow and huge answers."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from analyzer.env import ExitStatus
from analyzer.store import Store
from analyzer.testing.fake_bugzilla import FakeBugzilla
from tests.conftest import run_cli

FAST = ("--max-rate", "0", "--backoff", "0.001")
OPEN_BUG = 1940001


def sync(server: FakeBugzilla, data_dir: Path, *extra: str):
    return run_cli("sync", "--base-url", server.url, "--data-dir", data_dir, *FAST, *extra)


def stored_ids(data_dir: Path) -> list[int]:
    with Store.open(data_dir) as store:
        return sorted(store.last_change_times())


def test_a_server_cap_below_the_page_size_loses_nothing(bugzilla_corpus, tmp_path):
    with FakeBugzilla(bugzilla_corpus) as honest:
        assert sync(honest, tmp_path / "all").exit_code == 0
    with FakeBugzilla(bugzilla_corpus, max_limit=5) as capped:
        result = sync(capped, tmp_path / "capped", "--page-size", "200")
        limits = [dict(entry.params).get("limit") for entry in capped.log]
    assert result.exit_code == 0, result.stderr
    assert "Synced 11 bugs (11 new" in result.stderr
    assert stored_ids(tmp_path / "capped") == stored_ids(tmp_path / "all")
    # 5 + 5 + 1 bugs, the empty page, then the count that shows none was skipped
    assert limits == ["200", "200", "200", "200", None]


def test_a_bug_moved_out_of_the_component_is_refetched_and_not_judged(server, data_dir, cli):
    assert sync(server, data_dir).exit_code == 0
    server.change_field(OPEN_BUG, "rp@mozilla.example", "component", "CA Certificate Root Program")
    result = sync(server, data_dir)
    assert result.exit_code == 0, result.stderr
    assert "1 left the CA compliance component" in result.stderr
    with Store.open(data_dir) as store:
        assert store.get(OPEN_BUG).bug["component"] == "CA Certificate Root Program"
    metrics = cli("metrics", "--data-dir", data_dir, "--format", "json").json()
    assert OPEN_BUG not in {row["bug_id"] for row in metrics}
    due = cli("due", "--data-dir", data_dir, "--format", "json").json()
    assert OPEN_BUG not in {row["bug_id"] for row in due["deadlines"]}
    quality = cli("quality", "--data-dir", data_dir).stdout
    assert f"bug {OPEN_BUG} bug component" in quality and "moved out" in quality
    again = sync(server, data_dir)  # known to have moved: not asked about again
    assert "left the CA compliance component" not in again.stderr


def high_water(data_dir: Path) -> str:
    with Store.open(data_dir) as store:
        return store.get_meta("last_sync_time")


def test_a_server_clock_in_2099_does_not_become_the_high_water_mark(server, data_dir, cli):
    server.faults.date_header = "Thu, 01 Jan 2099 00:00:00 GMT"
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert sync(server, data_dir).exit_code == 0
    after = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert before <= high_water(data_dir) <= after
    server.add_comment(OPEN_BUG, "rp@mozilla.example", "A later question?")
    result = sync(server, data_dir)
    assert "(0 new, 1 changed)" in result.stderr  # the later change is fetched


def test_a_server_clock_in_1996_is_raised_to_the_newest_change_seen(server, data_dir, cli):
    server.faults.date_header = "Mon, 01 Jan 1996 00:00:00 GMT"
    assert sync(server, data_dir).exit_code == 0
    newest = max(
        fake.bug["last_change_time"]
        for fake in server.bugs.values()
        if fake.bug["component"] == "CA Certificate Compliance"
    )
    assert high_water(data_dir) >= newest
    due = cli("due", "--data-dir", data_dir)
    assert due.exit_code == ExitStatus.SUCCESS, due.stderr


def test_a_server_sending_a_byte_at_a_time_meets_the_overall_deadline(server):
    import pytest

    from analyzer.env import JobError
    from analyzer.fetch.client import Backoff, BugzillaClient

    server.faults.trickle_seconds = 0.05  # a search page of ~30 KB would take half an hour
    client = BugzillaClient(server.url, max_per_minute=0, backoff=Backoff(retries=0), deadline=0.5)
    with client, pytest.raises(JobError, match="slower than the 0.5 s deadline"):
        client.get("/rest/bug", [("limit", 1)])


def test_a_gzip_bomb_is_refused_before_it_fills_memory(server):
    import gzip

    import pytest

    from analyzer.env import JobError
    from analyzer.fetch.client import Backoff, BugzillaClient

    server.faults.gzip_body = gzip.compress(b"{" + b" " * (64 * 2**20) + b"}", 9)
    assert len(server.faults.gzip_body) < 100_000  # small on the wire
    client = BugzillaClient(
        server.url, max_per_minute=0, backoff=Backoff(retries=0), max_bytes=2**20
    )
    with client, pytest.raises(JobError, match=r"over 1 MiB \(decompressed\); refusing it"):
        client.get("/rest/bug", [("limit", 1)])


def test_a_gzip_answer_within_the_cap_is_read(server):
    import gzip
    import json

    from analyzer.fetch.client import BugzillaClient

    server.faults.gzip_body = gzip.compress(json.dumps({"bugs": []}).encode())
    with BugzillaClient(server.url, max_per_minute=0) as client:
        assert client.get("/rest/bug", [("limit", 1)]) == {"bugs": []}


def test_server_error_messages_and_locations_cannot_steer_the_terminal(
    bugzilla_corpus, data_dir, cli
):
    evil = "\x1b]0;owned\x07\x1b[2J\u202eBad\nsecond line"
    location = "https://x.example/\x1b]0;owned\x07\x1b[2J"  # a header carries no newline
    with FakeBugzilla(bugzilla_corpus, redirect_to=location) as hop:
        moved = sync(hop, data_dir)
    server = FakeBugzilla(bugzilla_corpus)
    server.answer = lambda target, key: (  # type: ignore[method-assign]
        400,
        "application/json",
        json_error(evil),
    )
    with server:
        failed = sync(server, data_dir)
    assert moved.exit_code == ExitStatus.USAGE and failed.exit_code == ExitStatus.ERROR
    for result in (moved, failed):
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
        for char in ("\x1b", "\x07", "\u202e"):
            assert char not in result.stderr
    assert "Bad second line" in failed.stderr


def json_error(message: str) -> bytes:
    import json

    return json.dumps({"error": True, "code": 100500, "message": message}).encode()
