"""`analyzer metrics` and `analyzer summary`, driven in-process over a store of written threads."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import run_on_snapshot
from threadkit import thread

from analyzer.env import ExitStatus
from analyzer.metrics.frames import METRIC_COLUMNS
from analyzer.store import Store

SPEC_KEYS = {
    "bug_id", "ca", "status", "opened", "closed", "closed_estimated", "filed_by", "excluded",
    "first_ca_response_hours", "full_report_days", "disclosure_delay_hours",
    "ca_updates", "max_update_gap_days", "missed_updates", "overdue_days",
    "needinfo_to_ca", "needinfo_open", "needinfo_late",
    "next_update_dates_set", "next_update_missed", "next_update_set_by_ca",
    "comments_needing_reply", "comments_late", "open_days", "breach_days", "compliance",
    "deadlines",
}  # fmt: skip
DEADLINE_KEYS = {
    "rule", "irg_version", "start", "due", "met_at", "outcome", "overdue_hours", "basis",
    "repeat", "caveat", "evidence_start", "evidence_met",
}  # fmt: skip

NETLOCK = thread(
    """
    bug 1701 "NetLock: OCSP responder outage"
    2025-03-01 09:00  mozilla  files
    2025-03-02 10:00  ca       says "Preliminary Incident Report. We are investigating."
    2025-03-05 10:00  mozilla  needinfo ca
    2025-03-14 10:00  ca       says "Full Incident Report\\n## Summary\\nAll fixed."
    2025-03-20 10:00  mozilla  closes FIXED
    """
)
OTHER = thread(
    """
    bug 1702 "Sectigo: late revocation"
    2025-03-03 09:00  mozilla  files
    """,
    bug_id=1702,
)


@pytest.fixture
def store_dir(tmp_path):
    data_dir = tmp_path / "data"
    store = Store.open(data_dir)
    store.put_bugs([NETLOCK.raw(), OTHER.raw()])
    store.set_meta(last_sync_time="2025-04-01T00:00:00Z", history_known="true")
    store.close()
    return data_dir


def test_json_has_the_spec_keys_and_nested_deadlines(cli, store_dir):
    result = cli("metrics", "--data-dir", store_dir, "--format", "json")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    bugs = result.json()
    assert [b["bug_id"] for b in bugs] == [1701, 1702]
    netlock = bugs[0]
    assert SPEC_KEYS <= set(netlock)
    assert netlock["opened"] == "2025-03-01T09:00:00Z"
    assert netlock["closed"] == "2025-03-20T10:00:00Z"
    assert bugs[1]["closed"] is None and bugs[1]["first_ca_response_hours"] is None
    assert netlock["first_ca_response_hours"] == 25.0  # 03-01 09:00 -> 03-02 10:00
    assert all(DEADLINE_KEYS <= set(d) for d in netlock["deadlines"])
    needinfo = [d for d in netlock["deadlines"] if d["rule"] == "needinfo_response"]
    # asked 03-05 10:00, due end of 03-12, answered 03-14 10:00: 34 h late
    assert needinfo == [
        {
            **needinfo[0],
            "start": "2025-03-05T10:00:00Z",
            "due": "2025-03-12T23:59:59Z",
            "met_at": "2025-03-14T10:00:00Z",
            "outcome": "missed",
            "overdue_hours": 34.0,
            "evidence_met": "https://bugzilla.mozilla.org/show_bug.cgi?id=1701#c2",
        }
    ]
    # the CA never spoke in bug 1702: every deadline missed (and the next week's update still
    # ahead), nothing met it
    unanswered = bugs[1]["deadlines"]
    assert unanswered and {d["outcome"] for d in unanswered[:-1]} == {"missed"}
    assert unanswered[-1]["outcome"] == "pending" and unanswered[-1]["repeat"] > 0
    assert all(d["met_at"] is None and d["evidence_met"] is None for d in unanswered)


def test_csv_is_the_bug_metrics_table(cli, store_dir):
    result = cli("metrics", "--data-dir", store_dir, "--format", "csv")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    frame = pd.read_csv(io.StringIO(result.stdout))
    assert list(frame.columns) == METRIC_COLUMNS
    assert frame["bug_id"].tolist() == [1701, 1702]
    assert frame.loc[0, "opened"] == "2025-03-01T09:00:00Z"


def test_table_is_one_line_per_bug(cli, store_dir):
    result = cli("metrics", "--data-dir", store_dir)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1 + 2 + 1  # header, two bugs, footer
    assert lines[1].split()[:2] == ["1701", "NetLock"]
    assert "2 bugs as of 2025-04-01T00:00:00Z" in lines[-1]


def test_bug_and_ca_filters(cli, store_dir):
    only = cli("metrics", "--data-dir", store_dir, "--bug", "1702", "--format", "json").json()
    assert [b["bug_id"] for b in only] == [1702]
    by_ca = cli("metrics", "--data-dir", store_dir, "--ca", "netlock", "--format", "json").json()
    assert [b["ca"] for b in by_ca] == ["NetLock"]


def test_as_of_judges_the_past(cli, store_dir):
    early = cli("metrics", "--data-dir", store_dir, "--as-of", "2025-03-03", "--format", "json")
    netlock = early.json()[0]
    assert netlock["status"] != "RESOLVED" and netlock["closed"] is None
    assert netlock["ca_updates"] == 1
    assert all(d["start"] <= "2025-03-03T00:00:00Z" for d in netlock["deadlines"])
    assert all(d["met_at"] is None or d["met_at"] <= "2025-03-03" for d in netlock["deadlines"])


@pytest.mark.parametrize(
    "args, message",
    [
        (("--bug", "999"), "Bug 999 is not in the store."),
        (("--ca", "Nobody"), "No CA named 'Nobody'"),
        (("--as-of", "last tuesday"), "is not an ISO date"),
        (("--format", "xml"), "Invalid value"),
    ],
)
def test_bad_input_is_one_sentence_and_exit_2(cli, store_dir, args, message):
    result = cli("metrics", "--data-dir", store_dir, *args)
    assert result.exit_code == ExitStatus.USAGE
    assert message in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_summary_counts_every_deadline(cli, store_dir):
    as_json = cli("summary", "--data-dir", store_dir, "--format", "json").json()
    deadlines = cli("metrics", "--data-dir", store_dir, "--format", "json").json()
    every = [d for bug in deadlines for d in bug["deadlines"]]
    by_rule = {row["rule"]: row for row in as_json["by_rule"]}
    assert by_rule["all"]["total"] == len(every)
    assert by_rule["needinfo_response"]["missed"] == 1
    assert as_json["bugs"] == 2
    assert any("questions_source" in note for note in as_json["notes"])


def test_summary_on_the_bundled_snapshot_says_what_it_cannot_show(cli, tmp_path):
    result = run_on_snapshot("summary")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert "bundled snapshot" in result.stderr
    out = result.stdout
    assert "over 1690 bugs" in out
    assert "By rule and outcome" in out and "By year due" in out
    assert "needinfos: 1690 of 1690 bugs have no history" in out
    assert "whiteboard history: unknown for 1690 of 1690 bugs" in out
    assert "closed times: estimated" in out


def test_as_of_before_every_bug_is_empty_not_an_error(cli, store_dir):
    as_json = cli("metrics", "--data-dir", store_dir, "--as-of", "2000-01-01", "--format", "json")
    assert as_json.exit_code == ExitStatus.SUCCESS and as_json.json() == []
    as_csv = cli("metrics", "--data-dir", store_dir, "--as-of", "2000-01-01", "--format", "csv")
    assert as_csv.stdout.strip() == ",".join(METRIC_COLUMNS)
