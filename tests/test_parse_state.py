"""Changes, closing times and the bug's state at any moment (``--as-of``)."""

from __future__ import annotations

import pandas as pd
from parse_raw import change, comment, needinfo_flag, raw_bug, tables, ts

from analyzer.parse.state import bug_state_at

CA, MOZ = "a@netlock.hu", "rp@mozilla.com"


def history_bug():
    return raw_bug(
        status="RESOLVED",
        assigned_to=CA,
        whiteboard="[ca-compliance] Next update 2025-03-01",
        comments=[
            comment(0, "reporter@example.org", "2025-01-01T00:00:00Z"),
            comment(1, MOZ, "2025-01-02T00:00:00Z"),
        ],
        history=[
            change(
                "2025-01-02T00:00:00Z",
                MOZ,
                ("status", "NEW", "ASSIGNED"),
                ("assigned_to", "nobody@mozilla.org", CA),
                ("flagtypes.name", "", f"needinfo?({CA})"),
            ),
            change(
                "2025-02-01T00:00:00Z",
                CA,
                ("whiteboard", "[ca-compliance]", "[ca-compliance] Next update 2025-03-01"),
                ("flagtypes.name", f"needinfo?({CA})", ""),
            ),
            change("2025-03-01T00:00:00Z", MOZ, ("status", "ASSIGNED", "RESOLVED")),
            change("2025-03-05T00:00:00Z", CA, ("status", "RESOLVED", "REOPENED")),
            change("2025-04-01T00:00:00Z", MOZ, ("status", "REOPENED", "RESOLVED")),
        ],
        flags=[],
    )


def test_one_change_row_per_field_with_evidence_link():
    rows = tables(history_bug()).changes
    assert len(rows) == 8
    first = rows.loc[rows["seq"] == 0]
    assert list(first["field_name"]) == ["status", "assigned_to", "flagtypes.name"]
    assert first["url"].str.endswith("id=1#c1").all()  # MOZ commented at that second
    assert rows.loc[rows["seq"] == 2, "url"].iloc[0].endswith("show_activity.cgi?id=1")
    assert list(rows.loc[rows["seq"] == 1, "role"]) == ["ca", "ca"]


def test_closed_is_the_last_close_that_stuck():
    bug = tables(history_bug()).bugs.iloc[0]
    assert bug["closed"] == ts("2025-04-01T00:00:00Z") and not bug["closed_estimated"]


def test_closed_is_estimated_from_the_last_comment_without_history():
    raw = raw_bug(
        status="RESOLVED",
        comments=[
            comment(0, "x@y.org", "2025-01-01T00:00:00Z"),
            comment(1, CA, "2025-05-05T05:05:05Z"),
        ],
    )
    bug = tables(raw).bugs.iloc[0]
    assert bug["closed"] == ts("2025-05-05T05:05:05Z") and bug["closed_estimated"]


def test_state_rewinds_status_assignee_whiteboard_and_needinfos():
    built = tables(history_bug())
    early = bug_state_at(built, ts("2025-01-15T00:00:00Z")).iloc[0]
    assert (early["status"], early["assignee"], early["whiteboard"]) == (
        "ASSIGNED",
        CA,
        "[ca-compliance]",
    )
    assert early["needinfo_open"] == 1 and early["needinfo_requestees"] == CA
    between = bug_state_at(built, ts("2025-03-10T00:00:00Z")).iloc[0]
    assert between["status"] == "REOPENED" and between["needinfo_open"] == 0
    start = bug_state_at(built, ts("2025-01-01T12:00:00Z")).iloc[0]
    assert (start["status"], start["assignee"]) == ("NEW", "nobody@mozilla.org")
    assert bug_state_at(built, ts("2024-12-31T00:00:00Z")).empty  # not yet filed


def test_state_counts_open_flags_from_the_bug():
    raw = raw_bug(history=[], flags=[needinfo_flag(None, MOZ, "2025-01-03T00:00:00Z")])
    state = bug_state_at(tables(raw), pd.Timestamp("2025-02-01", tz="UTC")).iloc[0]
    assert state["needinfo_open"] == 1 and state["needinfo_requestees"] == "(anyone)"
