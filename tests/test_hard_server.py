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
    assert limits == ["200", "200", "200", "200"]  # 5 + 5 + 1 bugs, then the empty page


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
