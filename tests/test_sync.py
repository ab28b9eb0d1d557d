"""`analyzer sync` against the fake Bugzilla over real HTTP: economy, correctness, safety."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.env import ExitStatus
from analyzer.store import Store
from analyzer.testing.fake_bugs import FakeBug
from analyzer.testing.fake_bugzilla import FakeBugzilla, Faults
from tests.conftest import run_cli

FAST = ("--max-rate", "0", "--backoff", "0.001")
SEARCH_HEAD = (
    "/rest/bug?product=CA+Program&product=NSS&component=CA+Certificate+Compliance"
    "&include_fields=_default%2Ccomments%2Chistory"
)
# after a whole listing: how many bugs match, to know no page skipped any
COUNT = "/rest/bug?product=CA+Program&product=NSS&component=CA+Certificate+Compliance&count_only=1"


def sync(server: FakeBugzilla, data_dir: Path, *extra: str, **kwargs):
    return run_cli(
        "sync", "--base-url", server.url, "--data-dir", data_dir, *FAST, *extra, **kwargs
    )


def dump(data_dir: Path) -> list[tuple]:
    with Store.open(data_dir) as store:
        return store.dump()


def ca_bugs(server: FakeBugzilla) -> dict:
    return {
        i: fake
        for i, fake in server.bugs.items()
        if fake.bug["product"] in ("CA Program", "NSS")
        and fake.bug["component"] == "CA Certificate Compliance"
    }


def test_full_sync_stores_every_ca_bug_verbatim_in_few_requests(server, data_dir):
    result = sync(server, data_dir, "--page-size", "4")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    # three pages of 4, 4 and 3 bugs, then the empty page that ends it (a short page does not:
    # BMO lowers an oversized limit without a word), then the count that shows none was skipped
    assert result.stderr == "Synced 11 bugs (11 new, 0 changed) in 5 requests.\n"
    assert result.stdout == ""
    expected = ca_bugs(server)
    with Store.open(data_dir) as store:
        assert sorted(store.last_change_times()) == sorted(expected)
        for bug_id, fake in expected.items():
            raw = store.get(bug_id)
            assert raw.bug == fake.bug
            assert raw.comments == fake.comments
            assert raw.history == fake.history
        meta = store.meta()
    assert meta["source"] == server.url
    assert meta["history_known"] == "true"
    assert meta["last_sync_time"].endswith("Z") and "sync_cursor" not in meta
    ids = sorted(expected)
    assert [entry.target for entry in server.log] == [
        f"{SEARCH_HEAD}&order=bug_id&limit=4",
        f"{SEARCH_HEAD}&f1=bug_id&o1=greaterthan&v1={ids[3]}&order=bug_id&limit=4",
        f"{SEARCH_HEAD}&f1=bug_id&o1=greaterthan&v1={ids[7]}&order=bug_id&limit=4",
        f"{SEARCH_HEAD}&f1=bug_id&o1=greaterthan&v1={ids[10]}&order=bug_id&limit=4",
        COUNT,
    ]
    assert all(entry.user_agent.startswith("ca-incident-analyzer/") for entry in server.log)


def test_nothing_new_costs_at_most_two_requests(server, data_dir):
    assert sync(server, data_dir).exit_code == 0
    before = dump(data_dir)
    server.clear_log()
    result = sync(server, data_dir)
    assert result.exit_code == 0
    assert server.request_count <= 2  # the empty search, and where the open bugs are now
    assert result.stderr == "Synced 0 bugs (0 new, 0 changed) in 2 requests.\n"
    assert dump(data_dir) == before


def test_incremental_sync_picks_up_exactly_the_changes(server, data_dir):
    assert sync(server, data_dir).exit_code == 0
    with Store.open(data_dir) as store:
        last_sync = store.get_meta("last_sync_time")
    before = {row[0]: row for row in dump(data_dir)}
    ids = sorted(ca_bugs(server))
    server.add_comment(ids[2], "pki-ops@bluefin-certs.example", "Our update: all revoked.")
    server.set_whiteboard(ids[5], "rp@mozilla.example", "[ca-compliance] Next update 2027-01-05")
    new_id = server.add_bug("Harbor CA: Wrong key usage", "incidents@harbor-ca.example", "Report.")
    server.clear_log()

    result = sync(server, data_dir)

    assert result.exit_code == 0, result.stderr
    # one page, the empty page, and the check that no open bug left the component
    assert result.stderr == "Synced 3 bugs (1 new, 2 changed) in 3 requests.\n"
    params = dict(server.log[0].params)
    assert params["last_change_time"] < last_sync  # asks only since the last sync, with overlap
    after = {row[0]: row for row in dump(data_dir)}
    changed = {i for i in after if after[i] != before.get(i)}
    assert changed == {ids[2], ids[5], new_id}
    with Store.open(data_dir) as store:
        assert store.get(ids[2]).comments[-1]["text"] == "Our update: all revoked."
        assert store.get(ids[5]).history[-1]["changes"][0]["added"].endswith("2027-01-05")
        assert store.get(new_id).comments[0]["text"] == "Report."


def test_server_without_inline_extras_gets_batched_comment_and_history_calls(
    bugzilla_corpus, tmp_path
):
    with FakeBugzilla(bugzilla_corpus) as inline:
        assert sync(inline, tmp_path / "inline").exit_code == 0
    with FakeBugzilla(bugzilla_corpus, inline_extras=False) as bare:
        result = sync(bare, tmp_path / "bare", "--page-size", "6")
        targets = [entry.target for entry in bare.log]
    assert result.exit_code == 0, result.stderr
    assert dump(tmp_path / "bare") == dump(tmp_path / "inline")
    ids = sorted(ca_bugs(bare))
    first, second = ids[:6], ids[6:]
    assert targets == [
        f"{SEARCH_HEAD}&order=bug_id&limit=6",
        f"/rest/bug/{first[0]}/comment?" + "&".join(f"ids={i}" for i in first[1:]),
        f"/rest/bug/{first[0]}/history?" + "&".join(f"ids={i}" for i in first[1:]),
        f"{SEARCH_HEAD}&f1=bug_id&o1=greaterthan&v1={first[-1]}&order=bug_id&limit=6",
        f"/rest/bug/{second[0]}/comment?" + "&".join(f"ids={i}" for i in second[1:]),
        f"/rest/bug/{second[0]}/history?" + "&".join(f"ids={i}" for i in second[1:]),
        f"{SEARCH_HEAD}&f1=bug_id&o1=greaterthan&v1={second[-1]}&order=bug_id&limit=6",
        COUNT,
    ]


def test_id_batches_keep_urls_under_8_kib(tmp_path):
    bugs = {}
    for n in range(1500):
        bug = {
            "id": 1_000_000 + n,
            "product": "CA Program",
            "component": "CA Certificate Compliance",
            "summary": f"Example CA {n}: thing",
            "last_change_time": "2025-01-01T00:00:00Z",
        }
        bugs[bug["id"]] = FakeBug(bug, [], [])
    with FakeBugzilla(bugs, inline_extras=False) as bare:
        result = sync(bare, tmp_path / "d", "--page-size", "2000")
        log = list(bare.log)
    assert result.exit_code == 0, result.stderr
    comment_calls = [e for e in log if e.path.endswith("/comment")]
    assert len(comment_calls) >= 2
    assert all(len(e.target) <= 8192 and e.status == 200 for e in log)
    asked = [int(e.path.split("/")[3]) for e in comment_calls]
    asked += [int(v) for e in comment_calls for k, v in e.params if k == "ids"]
    assert sorted(asked) == sorted(bugs)


def test_faults_do_not_change_the_result(bugzilla_corpus, tmp_path):
    with FakeBugzilla(bugzilla_corpus) as clean:
        assert sync(clean, tmp_path / "clean", "--page-size", "2").exit_code == 0
    faults = Faults(error_rate=0.1, rate_limit_block_next=True, truncate_next=0)
    with FakeBugzilla(bugzilla_corpus, faults=faults, block_seconds=0.05, seed=3) as flaky:
        flaky.faults.truncate_next = 1
        result = sync(flaky, tmp_path / "flaky", "--page-size", "2", "--retries", "10")
        statuses = [entry.status for entry in flaky.log]
    assert result.exit_code == 0, result.stderr
    assert dump(tmp_path / "flaky") == dump(tmp_path / "clean")
    assert 400 in statuses  # the rate-limit block happened
    assert any(status >= 500 for status in statuses)
    assert flaky.faults.truncate_next == 0  # the truncated body was served


def test_a_server_that_keeps_failing_ends_in_one_clear_error(server, data_dir):
    server.faults.errors_next = 100
    result = sync(server, data_dir, "--retries", "3")
    assert result.exit_code == ExitStatus.ERROR
    assert server.request_count == 4
    assert_one_line_error(result, "kept failing after 4 attempts")


def test_the_api_key_goes_only_in_the_header(bugzilla_corpus, data_dir):
    secret = "sEcReT-api-KEY-0123456789"
    with FakeBugzilla(bugzilla_corpus, api_key=secret, rate_limit=1) as server:
        result = sync(server, data_dir, "--page-size", "3", environ={"BUGZILLA_API_KEY": secret})
        log = list(server.log)
    assert result.exit_code == 0, result.stderr
    assert len(log) == 6 and all(entry.with_key and entry.status == 200 for entry in log)
    assert all(secret not in entry.target for entry in log)
    assert secret not in result.stdout + result.stderr
    for path in data_dir.rglob("*"):
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_a_bad_api_key_is_bad_input_and_is_not_echoed(bugzilla_corpus, data_dir):
    with FakeBugzilla(bugzilla_corpus, api_key="the-right-one") as server:
        result = sync(server, data_dir, environ={"BUGZILLA_API_KEY": "wrong-key-42"})
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, "refused the credentials")
    assert "wrong-key-42" not in result.stderr


def test_unreachable_url_is_a_job_failure(data_dir):
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_cli(
        "sync", "--base-url", f"http://127.0.0.1:{port}", "--data-dir", data_dir, *FAST,
        "--retries", "5",
    )  # fmt: skip
    assert result.exit_code == ExitStatus.ERROR
    assert_one_line_error(result, f"Could not connect to http://127.0.0.1:{port}.")


@pytest.mark.parametrize("impostor", ["html", "json"])
def test_a_server_that_is_not_bugzilla_is_bad_input(bugzilla_corpus, data_dir, impostor):
    with FakeBugzilla(bugzilla_corpus, impostor=impostor) as server:
        result = sync(server, data_dir)
        assert server.request_count == 1  # no retries against the wrong server
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, "does not look like")


def test_a_base_url_without_the_rest_api_is_bad_input(server, data_dir):
    result = run_cli("sync", "--base-url", server.url + "/wrong", "--data-dir", data_dir, *FAST)
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, "has no Bugzilla REST API")


def test_an_unwritable_data_dir_is_bad_input(server, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = sync(server, blocker / "data")
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, "Cannot write the store")
    assert server.request_count == 0


@pytest.mark.parametrize(
    "flags",
    [
        ("--page-size", "0"),
        ("--max-rate", "-5"),
        ("--retries", "many"),
        ("--base-url", "ftp://bugzilla.example"),
        ("--base-url", "bugzilla.mozilla.org"),
    ],
)
def test_bad_flags_are_usage_errors(data_dir, flags):
    result = run_cli("sync", "--data-dir", data_dir, *flags)
    assert result.exit_code == ExitStatus.USAGE
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == [
        result.stderr.strip().splitlines()[-1]
    ]
    assert not (data_dir / "bugzilla.sqlite").exists()


def test_progress_only_on_a_terminal(server, tmp_path):
    quiet = sync(server, tmp_path / "a", "--page-size", "4")
    loud = sync(server, tmp_path / "b", "--page-size", "4", tty=True)
    assert "Syncing" not in quiet.stderr
    assert loud.stderr.count("\rSyncing:") == 4
    assert loud.stderr.endswith("Synced 11 bugs (11 new, 0 changed) in 5 requests.\n")


def test_full_flag_refetches_but_rewrites_nothing_unchanged(server, data_dir):
    assert sync(server, data_dir, "--page-size", "5").exit_code == 0
    server.clear_log()
    result = sync(server, data_dir, "--full", "--page-size", "5")
    assert result.stderr == "Synced 0 bugs (0 new, 0 changed) in 5 requests.\n"
    assert all("last_change_time" not in dict(entry.params) for entry in server.log)


def test_syncing_from_another_server_is_refused_not_mixed(bugzilla_corpus, data_dir):
    with FakeBugzilla(bugzilla_corpus) as first:
        assert sync(first, data_dir).exit_code == 0
        first_url = first.url
    before = dump(data_dir)
    with FakeBugzilla(bugzilla_corpus) as second:
        result = sync(second, data_dir)
        assert second.request_count == 0
        second_url = second.url
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, f"holds bugs from {first_url}, not {second_url}")
    assert dump(data_dir) == before


def assert_one_line_error(result, fragment: str) -> None:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert fragment in lines[0], lines[0]


def test_a_server_that_ignores_the_id_condition_is_refused_not_looped(bugzilla_corpus, data_dir):
    with FakeBugzilla(bugzilla_corpus, ignore_charts=True) as server:
        result = sync(server, data_dir, "--page-size", "4")
        assert server.request_count == 2
    assert result.exit_code == ExitStatus.USAGE
    assert_one_line_error(result, "ignores the bug id condition")


def test_bugs_changing_during_a_sync_are_not_lost(server, data_dir):
    ids = sorted(ca_bugs(server))
    created: list[int] = []

    def meddle(fake: FakeBugzilla, entry) -> None:
        if len(fake.log) == 2:  # the first page is served, the second is being served
            fake.add_comment(ids[0], "compliance@northwind-pki.example", "Changed mid-sync.")
            fake.change_field(ids[5], "rp@mozilla.example", "status", "RESOLVED")
            created.append(fake.add_bug("Harbor CA: Mid-sync", "x@harbor-ca.example", "New."))

    server.on_request = meddle
    first = sync(server, data_dir, "--page-size", "2")
    server.on_request = None
    assert first.exit_code == 0, first.stderr
    assert "12 new" in first.stderr  # the new bug has the highest id: this sync's last page
    server.clear_log()
    second = sync(server, data_dir, "--page-size", "2")
    # ids[5] changed before its page was served, so the first sync already has it; ids[0] had
    # been stored before it changed: only the next sync can see it, and it does.
    # the 3 bugs changed in the overlap hour: pages of 2 and 1, the empty page, the moved check
    assert second.stderr == "Synced 1 bug (0 new, 1 changed) in 4 requests.\n"
    with Store.open(data_dir) as store:
        assert store.get(ids[0]).comments[-1]["text"] == "Changed mid-sync."
        assert store.get(ids[5]).bug["status"] == "RESOLVED"
        assert store.get(created[0]).comments[0]["text"] == "New."
    with FakeBugzilla(server.bugs) as fresh:
        assert sync(fresh, data_dir.parent / "fresh").exit_code == 0
    assert dump(data_dir) == dump(data_dir.parent / "fresh")
