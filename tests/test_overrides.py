"""Staff overrides in DATA_DIR/reference/: validated, applied with provenance on every row they
change, winning over an estimate and never over a fact the store has."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pandas as pd
import pytest
from threadkit import language_of, rows, thread

from analyzer.env import ExitStatus
from analyzer.metrics import compute
from analyzer.parse import build_tables, load_reference
from tests.conftest import run_cli

SYNC = pd.Timestamp("2026-03-14T06:00:00Z")


def _reference(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "reference"
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


def _judge(bug, folder: Path, as_of: pd.Timestamp = SYNC):
    tables = build_tables([bug.raw()], load_reference(folder), observed_at=SYNC)
    return tables, compute(tables, language_of(bug), as_of)


def _quiet_bug(history: bool):
    return thread(
        """
        2025-12-01 09:00  mozilla  files
        2025-12-02 09:00  ca       says
        2026-01-20 09:00  ca       says
        """,
        history=history,
    )


NEXT = (
    "bug_id,next_update,set_by,set_at,source\n"
    "1701,2026-02-20,bwilson@mozilla.com,2026-01-22T10:00:00Z,Ben's notes of 2026-01-22\n"
)


def test_a_next_update_date_staff_know_governs_from_when_it_was_set(tmp_path):
    tables, result = _judge(_quiet_bug(False), _reference(tmp_path, next_update_dates=NEXT))
    board = tables.whiteboard
    added = board[board["override"] != ""]
    assert added["set_by"].tolist() == ["bwilson@mozilla.com"]
    assert added["set_by_role"].tolist() == ["root_program"]
    assert added["override"].iloc[0] == (
        "override next_update_dates.csv:line 2 (Ben's notes of 2026-01-22)"
    )
    gap = [r for r in rows(result, "update_cadence") if r[1] >= "2026-01-20"]
    # 01-20 + 7 d = end of 01-27, replaced by the date written during the gap: 02-20
    # unmet until the sync: end of 02-20 to 03-14 06:00 is 21 d 6 h = 510 h
    assert gap[0][2:7] == ("2026-02-20 23:59:59", None, "missed", 510.0, "next_update")
    cadence = result.deadlines[result.deadlines["rule"] == "update_cadence"]
    assert "next_update_dates.csv:line 2" in cadence["caveat"].iloc[-len(gap)]
    assert tables.bugs["override"].iloc[0] == added["override"].iloc[0]


def test_an_override_never_beats_the_stores_history(tmp_path):
    tables, result = _judge(_quiet_bug(True), _reference(tmp_path, next_update_dates=NEXT))
    assert (tables.whiteboard["override"] == "").all()
    assert {r[6] for r in rows(result, "update_cadence")} == {"7d"}
    found = tables.data_quality
    assert found["value"].str.contains("next_update_dates.csv:line 2").any()
    assert "not applied" in found["action"].tolist()


def _closed_bug():
    return thread(
        """
        2017-10-14 11:00  community  files
        2017-10-18 06:00  ca         says
        2017-11-15 23:00  mozilla    says
        2017-11-20 10:00  mozilla    closes FIXED
        2019-06-21 01:00  ca         says
        """,
        history=False,
    )


CLOSE = "bug_id,closed,source\n1701,2017-11-20T10:00:00Z,BMO history read by hand\n"


def test_a_close_time_staff_know_wins_over_the_estimate(tmp_path):
    tables, result = _judge(_closed_bug(), _reference(tmp_path, close_times=CLOSE))
    bug = tables.bugs.iloc[0]
    assert bug["closed"] == pd.Timestamp("2017-11-20T10:00:00Z")
    assert not bug["closed_estimated"]
    assert bug["override"] == "override close_times.csv:line 2 (BMO history read by hand)"
    ended = result.deadlines[result.deadlines["met_at"].isna()]
    assert len(ended) and ended["caveat"].str.contains("close_times.csv:line 2").all()
    # without it, the estimate: the CA's last comment in 2019
    plain = build_tables([_closed_bug().raw()], load_reference(None), observed_at=SYNC)
    assert plain.bugs["closed"].iloc[0] == pd.Timestamp("2019-06-21T01:00:00Z")


def test_a_close_time_for_a_bug_the_store_has_open_is_not_applied(tmp_path):
    tables, _ = _judge(_quiet_bug(False), _reference(tmp_path, close_times=CLOSE))
    assert pd.isna(tables.bugs["closed"].iloc[0]) and tables.bugs["override"].iloc[0] == ""
    assert tables.data_quality["problem"].str.contains("open").any()


EXCLUDE = "bug_id,reason,since,source\n1701,duplicate of bug 1700,2026-01-01,CA program triage\n"


def test_an_exclusion_staff_know_holds_from_its_time(tmp_path):
    folder = _reference(tmp_path, exclusions=EXCLUDE)
    tables, result = _judge(_quiet_bug(False), folder)
    reason = tables.bugs["excluded"].iloc[0]
    assert reason.startswith("duplicate of bug 1700; override exclusions.csv:line 2")
    assert result.deadlines.empty and result.bug_metrics["excluded"].iloc[0] == reason
    # before its time the bug was open and judged
    _, before = _judge(_quiet_bug(False), folder, pd.Timestamp("2025-12-31T00:00:00Z"))
    assert len(before.deadlines) and before.bug_metrics["excluded"].iloc[0] == ""


def test_an_exclusion_the_store_has_already_stands_as_the_store_says(tmp_path):
    bug = thread(
        """
        2025-12-01 09:00  mozilla  files
        2025-12-05 09:00  mozilla  closes INVALID
        """
    )
    tables, _ = _judge(bug, _reference(tmp_path, exclusions=EXCLUDE))
    assert tables.bugs["excluded"].iloc[0] == "resolution INVALID"
    assert tables.data_quality["problem"].str.contains("excludes it already").any()


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("close_times", "bug_id,closed,source\n1701,yesterday,me\n", "line 2"),
        ("close_times", "bug_id,closed,source\n1701,2020-01-01,me\nx,2020-01-01,me\n", "line 3"),
        ("close_times", "bug_id,closed\n1701,2020-01-01\n", "line 1"),
        ("close_times", "bug_id,closed,source\n1701,2020-01-01,\n", "source is empty"),
        ("close_times", "bug_id,closed,source\n1,2020-01-01,a\n1,2020-01-02,b\n", "line 3"),
        ("next_update_dates", "bug_id,next_update,set_by,set_at,source\n"
         "1701,2026-13-01,a@b.org,2026-01-01,me\n", "next_update"),
        ("next_update_dates", "bug_id,next_update,set_by,set_at,source\n"
         "1701,2026-03-01,nobody,2026-01-01,me\n", "set_by"),
        ("exclusions", "bug_id,reason,since,source\n1701,dup,1066-10-14,me\n", "since"),
    ],
)  # fmt: skip
def test_a_bad_row_is_exit_2_naming_the_file_and_line(tmp_path, name, text, fragment):
    _reference(tmp_path / "data", **{name: text})
    with contextlib.chdir(tmp_path):
        result = run_cli("summary")
    assert result.exit_code == ExitStatus.USAGE, result.stderr
    error = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(error) == 1 and f"{name}.csv" in error[0] and fragment in error[0], error


def test_the_snapshot_with_a_close_time_override(tmp_path):
    """The worked example of docs/metrics.md: staff know when bug 1525446 closed."""
    _reference(
        tmp_path / "data",
        close_times="bug_id,closed,source\n1525446,2019-02-05T22:38:43Z,BMO history\n",
    )
    with contextlib.chdir(tmp_path):
        result = run_cli("metrics", "--bug", "1525446", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert "close_times.csv:line 2" in result.stdout or '"closed_estimated": false' in result.stdout
