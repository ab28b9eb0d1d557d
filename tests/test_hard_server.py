"""Hostile or unlucky servers: silent caps, moved bugs, wrong clocks, slow and huge answers."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from analyzer.env import ExitStatus, JobError
from analyzer.fetch.client import Backoff, BugzillaClient
from analyzer.store import VANISHED_KEY, Store
from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults
from tests.conftest import run_cli

FAST = ("--max-rate", "0", "--backoff", "0.001")
OPEN_BUG = 1940001
CLOSED_BUG = 1940008


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


def one_line_error(result, status: ExitStatus, fragment: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == status, result.stderr
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert fragment in lines[0] and "unexpected" not in lines[0], lines[0]


@pytest.mark.parametrize("cap", [1, 2, 5])
@pytest.mark.parametrize("order", ["bug_id DESC", "changeddate DESC"])
def test_a_server_ignoring_the_order_while_capping_never_gives_a_partial_sync(
    bugzilla_corpus, tmp_path, cap, order
):
    """Pages capped without a word and in another order: some pages are out of order (refused
    at once), and a page of one bug cannot show it (the count after the listing does)."""
    with FakeBugzilla(bugzilla_corpus, max_limit=cap, faults=Faults(order_instead=order)) as bad:
        result = sync(bad, tmp_path / "data", "--page-size", "200")
        again = sync(bad, tmp_path / "data", "--page-size", "200")  # resumes: fails again
    one_line_error(result, ExitStatus.ERROR, "order=bug_id")
    one_line_error(again, ExitStatus.ERROR, "order=bug_id")
    with Store.open(tmp_path / "data") as store:
        assert store.get_meta("last_sync_time") is None  # never reported as a finished sync


def test_a_bug_the_count_shows_was_skipped_is_fetched(bugzilla_corpus, tmp_path):
    """A bug filed after the last page (so the pages never showed it) is found by the count
    and fetched by id: the first sync ends with every bug."""
    filed: list[int] = []

    def file_one(fake: FakeBugzilla, entry) -> None:
        if dict(entry.params).get("v1") and not filed:  # the empty page has just been served
            filed.append(fake.add_bug("Harbor CA: late", "x@harbor-ca.example", "Late."))

    with FakeBugzilla(bugzilla_corpus) as server:
        server.on_request = file_one
        result = sync(server, tmp_path / "data", "--page-size", "200")
    assert result.exit_code == 0, result.stderr
    assert "Synced 12 bugs (12 new" in result.stderr
    assert filed[0] in stored_ids(tmp_path / "data")


def test_a_vanished_bug_is_kept_marked_and_no_longer_judged(server, data_dir, cli):
    assert sync(server, data_dir).exit_code == 0
    with Store.open(data_dir) as store:
        kept = store.get(OPEN_BUG)
    due = cli("due", "--data-dir", data_dir, "--format", "json").json()
    assert OPEN_BUG in {row["bug_id"] for row in due["deadlines"]}  # judged while visible

    server.faults.hidden.add(OPEN_BUG)  # made private, or removed
    result = sync(server, data_dir)
    assert result.exit_code == 0, result.stderr
    assert "1 no longer returned by the server" in result.stderr
    with Store.open(data_dir) as store:  # nothing stored is lost
        now = store.get(OPEN_BUG)
        assert now.comments == kept.comments and now.history == kept.history
        assert {k: v for k, v in now.bug.items() if k != VANISHED_KEY} == kept.bug
        seen_at = now.bug[VANISHED_KEY]
        assert seen_at == store.get_meta("last_sync_time")
    due = cli("due", "--data-dir", data_dir, "--format", "json").json()
    assert OPEN_BUG not in {row["bug_id"] for row in due["deadlines"]}
    metrics = cli("metrics", "--data-dir", data_dir, "--format", "json").json()
    row = next(row for row in metrics if row["bug_id"] == OPEN_BUG)
    assert row["excluded"] == "vanished from the server" and row["deadlines"] == []
    quality = cli("quality", "--data-dir", data_dir).stdout
    assert f"bug {OPEN_BUG}" in quality and "no longer returned by the server" in quality
    earlier = cli("metrics", "--data-dir", data_dir, "--format", "json", "--as-of", "2025-03-01")
    row = next(row for row in earlier.json() if row["bug_id"] == OPEN_BUG)
    assert row["excluded"] == "" and row["deadlines"]  # judged before it vanished

    again = sync(server, data_dir)  # known to be gone: not marked again, its time kept
    assert "no longer returned" not in again.stderr
    with Store.open(data_dir) as store:
        assert store.get(OPEN_BUG).bug[VANISHED_KEY] == seen_at

    server.faults.hidden.clear()  # public again (unchanged): the next sync brings it back
    back = sync(server, data_dir)
    assert back.exit_code == 0, back.stderr
    with Store.open(data_dir) as store:
        assert VANISHED_KEY not in store.get(OPEN_BUG).bug
    due = cli("due", "--data-dir", data_dir, "--format", "json").json()
    assert OPEN_BUG in {row["bug_id"] for row in due["deadlines"]}


def test_a_closed_bug_that_vanished_is_noticed_on_a_full_sync(server, data_dir, cli):
    assert sync(server, data_dir).exit_code == 0
    server.faults.hidden.add(CLOSED_BUG)
    assert "no longer returned" not in sync(server, data_dir).stderr  # closed: not asked about
    result = sync(server, data_dir, "--full")
    assert "1 no longer returned by the server" in result.stderr
    quality = cli("quality", "--data-dir", data_dir).stdout
    assert f"bug {CLOSED_BUG}" in quality and "kept as it was when last seen" in quality


def test_a_server_that_caps_its_id_answers_makes_no_bug_look_vanished(server, data_dir):
    assert sync(server, data_dir).exit_code == 0
    server.max_limit = 2  # the id search for the open bugs not seen gets 2 at a time
    server.clear_log()
    result = sync(server, data_dir)
    assert result.exit_code == 0, result.stderr
    assert "no longer returned" not in result.stderr
    asked = [entry for entry in server.log if "id" in dict(entry.params)]
    assert len(asked) >= 3  # asked again for the ones not in the capped answer
    with Store.open(data_dir) as store:
        assert store.vanished_ids(VANISHED_KEY) == set()


def test_headers_trickled_a_byte_at_a_time_meet_the_overall_deadline(server):
    server.faults.trickle_headers_seconds = 0.05  # ~150 header bytes: 7 s, each read in time
    client = BugzillaClient(server.url, max_per_minute=0, backoff=Backoff(retries=0), deadline=0.5)
    started = time.monotonic()
    with client, pytest.raises(JobError, match="slower than the 0.5 s deadline"):
        client.get("/rest/bug", [("limit", 1)])
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    "date",
    [
        "Fri, 01 Jan 10000 00:00:00 GMT",
        "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
        "Fri, 31 Dec 9999 23:59:59 -1200",
        "Sun, 31 Dec 1899 00:00:00 GMT",
        "yesterday",
        "\u00e9t\u00e9",
    ],
)
def test_an_absurd_date_header_is_ignored(server, data_dir, date):
    server.faults.date_header = date
    before = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = sync(server, data_dir)
    assert result.exit_code == 0, result.stderr
    assert "Synced 11 bugs" in result.stderr
    assert before <= high_water(data_dir)  # our own clock, never the absurd one


def test_an_interrupted_first_sync_still_keeps_another_servers_bugs_out(bugzilla_corpus, tmp_path):
    data_dir = tmp_path / "data"

    def fail_after_the_first_page(fake: FakeBugzilla, entry) -> None:
        fake.faults.errors_next = 100

    with FakeBugzilla(bugzilla_corpus) as first:
        first.on_request = fail_after_the_first_page
        broken = sync(first, data_dir, "--page-size", "3", "--retries", "1")
        first_url = first.url
    assert broken.exit_code == ExitStatus.ERROR, broken.stderr
    assert len(stored_ids(data_dir)) == 3  # one page stored, the sync never finished
    with FakeBugzilla(bugzilla_corpus) as other:
        assert other.url != first_url
        mixed = sync(other, data_dir)
    one_line_error(mixed, ExitStatus.USAGE, f"holds bugs from {first_url}")
    assert len(stored_ids(data_dir)) == 3


def test_a_tls_handshake_trickled_a_byte_at_a_time_meets_the_overall_deadline():
    """The deadline covers connecting too: a server that answers the TLS handshake with one
    endless record, a byte at a time, never lets a per-read timeout fire."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def trickle() -> None:
        listener.settimeout(5)
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            record = b"\x16\x03\x03\x40\x00" + b"\x00" * 16384  # a handshake record, 16 KiB
            for index in range(len(record)):
                if stop.is_set():
                    return
                try:
                    conn.sendall(record[index : index + 1])
                except OSError:
                    return  # the client shut the socket, as it should
                time.sleep(0.05)

    thread = threading.Thread(target=trickle, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    client = BugzillaClient(
        f"https://127.0.0.1:{port}", max_per_minute=0, backoff=Backoff(retries=0), deadline=0.5
    )
    started = time.monotonic()
    try:
        with client, pytest.raises(JobError, match="slower than the 0.5 s deadline"):
            client.get("/rest/bug", [("limit", 1)])
        assert time.monotonic() - started < 3
    finally:
        stop.set()
        listener.close()
        thread.join(5)
