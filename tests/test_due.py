"""`analyzer due`: which deadlines show, in which order, in which format, with which exit code."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from threadkit import thread

from analyzer.ahead.due import due_bugs, due_from_tables, human_hours, parse_window
from analyzer.ahead.promises import promise_summary
from analyzer.env import ExitStatus, InputError
from analyzer.report.due import FORMATS, due_page, scorecard_month
from analyzer.report.safety import slugs_for
from analyzer.store import Store

AS_OF = pd.Timestamp("2026-03-14T12:00:00Z")
NAT = pd.NaT


def when(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


def link(bug: int, count: int = 0) -> str:
    return f"https://bugzilla.mozilla.org/show_bug.cgi?id={bug}#c{count}"


BUGS = pd.DataFrame(
    {
        "bug_id": [101, 102, 103],
        "summary": ["Alpha CA: late revocation", "Beta: <script>alert(1)</script>", "Alpha CA: x"],
        "ca": ["Alpha CA", "Beta", "Alpha CA"],
        "opened": [when("2026-01-01"), when("2026-02-01"), when("2025-06-01")],
        "closed": [NAT, NAT, when("2026-02-01")],
        "url": [f"https://bugzilla.mozilla.org/show_bug.cgi?id={b}" for b in (101, 102, 103)],
        "assignee": ["pki@alpha.example", "", ""],
    }
)


def deadline(bug, rule, due, outcome, met_at=NAT, ca=None):
    return {
        "bug_id": bug,
        "ca": ca or BUGS.set_index("bug_id").loc[bug, "ca"],
        "rule": rule,
        "irg_version": "3.1",
        "start": when(due) - pd.Timedelta(days=7),
        "due": when(due),
        "met_at": met_at,
        "outcome": outcome,
        "overdue_hours": 0.0,
        "evidence_start": link(bug, 3),
        "evidence_met": None,
        "basis": "7d",
    }


DEADLINES = pd.DataFrame(
    [
        {**deadline(101, "update_cadence", "2026-03-20T23:59:59Z", "pending"), "caveat": "no text"},
        deadline(101, "comment_response", "2026-03-10T23:59:59Z", "missed"),
        deadline(102, "needinfo_response", "2026-03-15T23:59:59Z", "pending"),
        deadline(102, "update_cadence", "2026-02-20T23:59:59Z", "missed"),
        deadline(102, "full_report", "2026-02-15T23:59:59Z", "met", when("2026-02-14")),
        deadline(101, "first_response", "2026-01-04T00:00:00Z", "missed", when("2026-01-05")),
        deadline(103, "update_cadence", "2026-01-20T23:59:59Z", "missed"),
    ]
)


def test_overdue_first_longest_first_then_by_due_time():
    table = due_from_tables(DEADLINES, BUGS, AS_OF)
    assert list(zip(table["bug_id"], table["rule"], strict=True)) == [
        (102, "update_cadence"),
        (101, "comment_response"),
        (102, "needinfo_response"),
        (101, "update_cadence"),
    ]
    assert list(table["state"]) == ["overdue", "overdue", "pending", "pending"]
    assert table.loc[1, "overdue_hours"] == pytest.approx(3 * 24 + 12 + 1 / 3600, abs=1e-3)
    assert table.loc[2, "left_hours"] == pytest.approx(36, abs=1e-3)


def test_met_deadlines_and_closed_bugs_are_not_due():
    table = due_from_tables(DEADLINES, BUGS, AS_OF)
    assert "full_report" not in set(table["rule"])
    assert "first_response" not in set(table["rule"])
    assert 103 not in set(table["bug_id"])


def test_a_bug_closed_after_as_of_was_open_then():
    table = due_from_tables(DEADLINES, BUGS, when("2026-01-25"))
    assert 103 in set(table["bug_id"])


def test_within_keeps_overdue_and_what_falls_due_in_the_window():
    table = due_from_tables(DEADLINES, BUGS, AS_OF, within=parse_window("48h"))
    assert list(table["rule"]) == ["update_cadence", "comment_response", "needinfo_response"]


def test_ca_filter():
    assert set(due_from_tables(DEADLINES, BUGS, AS_OF, ca="Beta")["bug_id"]) == {102}


@pytest.mark.parametrize(("text", "hours"), [("7d", 168), ("48h", 48), ("2w", 336), (" 3D ", 72)])
def test_window_spellings(text, hours):
    assert parse_window(text) == pd.Timedelta(hours=hours)


@pytest.mark.parametrize("text", ["", "7", "d7", "0d", "-1d", "7 days", "1.5d", "7m"])
def test_bad_windows_are_input_errors(text):
    with pytest.raises(InputError, match="--within"):
        parse_window(text)


def test_human_hours():
    assert [human_hours(h) for h in (0.2, 5.9, 24, 100.5)] == ["<1h", "5h", "1d 0h", "4d 4h"]


COMMENTS = pd.DataFrame(
    {
        "bug_id": [101, 101, 102],
        "count": [0, 3, 0],
        "time": [when("2026-01-01"), when("2026-03-01T08:00:00Z"), when("2026-02-01")],
        "is_ca_update": [False, True, False],
    }
)
BOARD = pd.DataFrame(
    {
        "bug_id": [101, 102],
        "valid_from": [AS_OF, AS_OF],
        "valid_to": pd.Series([NAT, NAT], dtype="datetime64[ns, UTC]"),
        "next_update": [when("2026-04-30"), when("2026-01-05")],
        "set_by": [None, None],
    }
)


def _bugs(within=None, board=BOARD):
    every = due_from_tables(DEADLINES, BUGS, AS_OF)
    window = parse_window(within) if within else None
    return due_bugs(every, BUGS, BUGS["bug_id"], COMMENTS, board, None, AS_OF, within=window)


def _ctx(within=None):
    promises = pd.DataFrame(
        {"ca": ["Alpha CA", "Alpha CA", "Beta"], "status": ["kept", "broken", "pending"]}
    )
    every = due_from_tables(DEADLINES, BUGS, AS_OF)
    return due_page(_bugs(within), every, promise_summary(promises), AS_OF, within, None)


def test_one_row_per_open_judged_bug_worst_first():
    table = _bugs()
    assert list(table["bug_id"]) == [102, 101]  # 103 is closed
    beta, alpha = table.iloc[0], table.iloc[1]
    assert (beta["state"], beta["rule"]) == ("overdue", "update_cadence")
    assert beta["overdue_hours"] == pytest.approx(21 * 24 + 12 + 1 / 3600, abs=1e-3)
    assert beta["missed_updates"] == 1
    assert pd.isna(beta["last_ca_update"]) and pd.isna(beta["last_ca_update_url"])
    assert not beta["next_update_honoured"]  # 2026-01-05 had passed
    assert (alpha["rule"], alpha["state"]) == ("comment_response", "overdue")
    assert alpha["last_ca_update"] == when("2026-03-01T08:00:00Z")
    assert alpha["last_ca_update_url"].endswith("id=101#c3")
    assert alpha["next_update_by"] == "unknown" and alpha["next_update_honoured"]


def test_an_excluded_bug_gets_no_row():
    every = due_from_tables(DEADLINES, BUGS, AS_OF)
    table = due_bugs(every, BUGS, pd.Series([101]), COMMENTS, BOARD, None, AS_OF)
    assert list(table["bug_id"]) == [101]


def test_the_current_next_update_date_governs_the_gap_running_at_sync_time():
    """History unknown: the whiteboard's date, still ahead, replaces the weekly misses of the
    gap running now (SwissSign's "Next update 2026-04-30" bugs on the snapshot)."""
    silent = pd.DataFrame(
        [
            deadline(102, "update_cadence", "2026-02-20T23:59:59Z", "missed"),
            deadline(102, "update_cadence", "2026-02-27T23:59:59Z", "missed"),
            deadline(102, "update_cadence", "2026-04-30T23:59:59Z", "pending"),
        ]
    ).assign(caveat="whiteboard history unknown", met_at=pd.NaT)
    silent["met_at"] = pd.to_datetime(silent["met_at"], utc=True)
    every = due_from_tables(silent, BUGS, AS_OF)
    dated = BOARD.assign(next_update=[when("2026-04-30"), when("2026-04-30")])
    honoured = due_bugs(every, BUGS, [102], COMMENTS, dated, None, AS_OF).iloc[0]
    assert (honoured["state"], honoured["missed_updates"]) == ("pending", 0)
    assert honoured["due"] == when("2026-04-30T23:59:59Z")
    assert "Next update 2026-04-30 honoured" in honoured["caveat"]
    by_ca = dated.assign(set_by=["ca", "ca"])
    shown = due_bugs(every, BUGS, [102], COMMENTS, by_ca, None, AS_OF).iloc[0]
    assert (shown["state"], shown["missed_updates"]) == ("overdue", 2)
    assert not shown["next_update_honoured"]


def test_within_keeps_bugs_overdue_or_due_in_the_window():
    assert list(_bugs("48h")["bug_id"]) == [102, 101]
    quiet = DEADLINES[(DEADLINES["bug_id"] == 101) & (DEADLINES["rule"] == "update_cadence")]
    every = due_from_tables(quiet, BUGS, AS_OF)
    window = parse_window("48h")
    table = due_bugs(every, BUGS, [101], COMMENTS, BOARD, None, AS_OF, within=window)
    assert table.empty  # next due 03-20: outside 48 h


def test_text_table_lists_one_row_per_bug_and_promises_per_ca():
    text = FORMATS["table"](_ctx("7d"))
    lines = text.splitlines()
    assert lines[0].startswith("2 open judged bugs as of 2026-03-14 12:00 UTC (2 overdue")
    assert lines[1].split()[:2] == ["CA", "BUG"]
    assert lines[2].startswith("Beta") and "update_cadence 21d 12h overdue" in lines[2]
    assert "Alpha CA: 1 kept, 1 broken, 0 pending" in text
    assert text.endswith("\n")


def test_json_is_one_object_with_bugs_deadlines_and_promises():
    data = json.loads(FORMATS["json"](_ctx()))
    assert data["as_of"] == "2026-03-14T12:00:00Z"
    assert [b["bug_id"] for b in data["bugs"]] == [102, 101]
    assert data["bugs"][0]["due"] == "2026-02-20T23:59:59Z"
    assert data["bugs"][1]["next_update"] == "2026-04-30T00:00:00Z"
    assert [d["rule"] for d in data["deadlines"]][:2] == ["update_cadence", "comment_response"]
    assert data["promises"] == [
        {"ca": "Alpha CA", "kept": 1, "broken": 1, "pending": 0, "unknown": 0},
        {"ca": "Beta", "kept": 0, "broken": 0, "pending": 1, "unknown": 0},
    ]


def test_markdown_one_line_per_bug_escaped_and_ending_in_a_newline():
    text = FORMATS["md"](_ctx())
    assert "<script>" not in text
    assert "[102](https://bugzilla.mozilla.org/show_bug.cgi?id=102)" in text
    assert f"[comment\\_response]({link(101, 3)})" in text
    rows = [line for line in text.splitlines() if line.startswith("| ") and "](" in line]
    assert len(rows) == 2
    promise_lines = [line for line in text.splitlines() if line.startswith("- ")]
    assert promise_lines == [
        "- Alpha CA: 1 kept, 1 broken, 0 pending",
        "- Beta: 0 kept, 0 broken, 1 pending",
    ]
    assert text.endswith("pending\n")


def scorecard_of(row) -> str:
    """The scorecard link of a due page row: its CA group's heading links it."""
    return row.find_parent("tbody").select_one("a.scorecard")["href"]


def test_html_escapes_and_links_to_scorecards():
    soup = BeautifulSoup(FORMATS["html"](_ctx()), "html.parser")
    assert soup.find("script") is None
    rows = soup.select("#due-table tr[data-bug]")
    assert [r["data-bug"] for r in rows] == ["102", "101"]
    assert scorecard_of(rows[0]) == "../2026-02/beta.html"
    assert scorecard_of(rows[1]) == "../2026-02/alpha-ca.html"
    assert "<script>alert(1)</script>" in rows[0].get_text()
    assert (
        soup.select("#promises-table tbody tr")[0]
        .get_text(" ", strip=True)
        .startswith("Alpha CA 1 1 0")
    )


def test_html_links_case_only_name_variants_to_their_own_pages():
    """``Netlock`` and ``NetLock`` are two CA names and two scorecards: never one link."""
    bugs = BUGS.assign(ca=["NetLock", "Netlock", "NetLock"])
    deadlines = DEADLINES.assign(
        ca=DEADLINES["bug_id"].map(dict(zip(bugs.bug_id, bugs.ca, strict=True)))
    )
    every = due_from_tables(deadlines, bugs, AS_OF)
    table = due_bugs(every, bugs, bugs["bug_id"], COMMENTS, BOARD, None, AS_OF)
    slugs = slugs_for(bugs["ca"])
    page = due_page(table, every, promise_summary(every.iloc[0:0]), AS_OF, None, None, slugs)
    soup = BeautifulSoup(FORMATS["html"](page), "html.parser")
    links = {r["data-bug"]: scorecard_of(r) for r in soup.select("#due-table tr[data-bug]")}
    assert links["101"] != links["102"]
    assert links["101"] == f"../2026-02/{slugs['NetLock']}.html"
    assert links["102"] == f"../2026-02/{slugs['Netlock']}.html"


def test_scorecard_month_is_the_last_whole_month():
    assert scorecard_month(when("2026-03-14")) == "2026-02"
    assert scorecard_month(when("2026-01-01T00:00:01Z")) == "2025-12"


def test_bad_within_exits_2_without_traceback(cli, data_dir):
    result = cli("due", "--data-dir", data_dir, "--within", "soon")
    assert result.exit_code == ExitStatus.USAGE
    assert "--within 'soon'" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_format_and_as_of_are_usage_errors(cli, data_dir):
    assert cli("due", "--data-dir", data_dir, "--format", "xml").exit_code == ExitStatus.USAGE
    result = cli("due", "--data-dir", data_dir, "--as-of", "yesterday")
    assert result.exit_code == ExitStatus.USAGE
    assert "Traceback" not in result.stderr


def store_of(data_dir, *threads, synced="2026-03-14T00:00:00Z"):
    with Store.open(data_dir) as store:
        store.put_bugs([t.raw() for t in threads])
        store.set_meta(last_sync_time=synced, source="test")


OPEN = thread(
    """
    bug 1901 "NetLock: OCSP responder outage"
    2026-03-01 09:00  ca        files      "Preliminary Incident Report: an outage."
    2026-03-02 10:00  community says       "Why did the monitoring not alert?"
    """,
    bug_id=1901,
)
CLOSED = thread(
    """
    bug 1902 "NetLock: closed long ago"
    2026-02-01 09:00  ca        files      "Preliminary Incident Report: a typo."
    2026-02-20 09:00  mozilla   closes     FIXED
    """,
    bug_id=1902,
)


def test_end_to_end_json_through_the_real_stages(cli, data_dir):
    store_of(data_dir, OPEN, CLOSED)
    result = cli("due", "--data-dir", data_dir, "--format", "json")
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    data = result.json()
    assert data["as_of"] == "2026-03-14T00:00:00Z"
    rows = [(d["bug_id"], d["rule"], d["state"]) for d in data["deadlines"]]
    assert rows == [
        (1901, "update_cadence", "overdue"),
        (1901, "comment_response", "overdue"),
        (1901, "full_report", "pending"),
        (1901, "update_cadence", "pending"),  # the next week of the silence: end of 03-15
    ]
    assert data["deadlines"][0]["due"] == "2026-03-08T23:59:59Z"
    assert data["deadlines"][0]["overdue_hours"] == pytest.approx(120.0, abs=0.01)
    assert data["deadlines"][1]["evidence_start"].endswith("id=1901#c1")
    assert data["deadlines"][2]["left_hours"] == pytest.approx(48.0, abs=0.01)


def test_end_to_end_within_and_as_of(cli, data_dir):
    store_of(data_dir, OPEN, CLOSED)
    day = cli("due", "--data-dir", data_dir, "--within", "24h", "--format", "json").json()
    assert [d["rule"] for d in day["deadlines"]] == ["update_cadence", "comment_response"]
    early = cli("due", "--data-dir", data_dir, "--as-of", "2026-03-05", "--format", "json").json()
    assert [d["state"] for d in early["deadlines"]] == ["pending", "pending", "pending"]
    closed = cli("due", "--data-dir", data_dir, "--as-of", "2026-02-10", "--format", "json").json()
    assert {d["bug_id"] for d in closed["deadlines"]} == {1902}


def test_end_to_end_unknown_ca_exits_2(cli, data_dir):
    store_of(data_dir, OPEN)
    result = cli("due", "--data-dir", data_dir, "--ca", "No Such CA")
    assert result.exit_code == ExitStatus.USAGE
    assert "No CA named 'No Such CA'" in result.stderr
    assert "Traceback" not in result.stderr
    known = cli("due", "--data-dir", data_dir, "--format", "json").json()["deadlines"][0]["ca"]
    typo = cli("due", "--data-dir", data_dir, "--ca", known[:-1])
    assert typo.exit_code == ExitStatus.USAGE
    assert f"Did you mean: {known}?" in typo.stderr
    assert cli("due", "--data-dir", data_dir, "--ca", known).exit_code == ExitStatus.SUCCESS
    # any letter case names the same CA, as in metrics and scorecards
    lower = cli("due", "--data-dir", data_dir, "--ca", known.lower(), "--format", "json")
    assert lower.exit_code == ExitStatus.SUCCESS, lower.stderr
    assert {row["ca"] for row in lower.json()["deadlines"]} == {known}


def test_end_to_end_out_writes_the_file_whole(cli, data_dir, tmp_path):
    store_of(data_dir, OPEN)
    target = tmp_path / "reports" / "due" / "due.json"
    result = cli("due", "--data-dir", data_dir, "--format", "json", "--out", target)
    assert result.exit_code == ExitStatus.SUCCESS, result.stderr
    assert result.stdout == ""
    assert len(json.loads(target.read_text())["deadlines"]) == 4
    assert [p.name for p in target.parent.iterdir()] == ["due.json"]
    blocked = tmp_path / "file"
    blocked.write_text("x")
    result = cli("due", "--data-dir", data_dir, "--out", blocked / "index.md")
    assert result.exit_code == ExitStatus.USAGE
    assert "Cannot write" in result.stderr
