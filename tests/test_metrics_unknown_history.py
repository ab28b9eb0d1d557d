"""A store without history (like the bundled snapshot): what is estimated, and said to be."""

from __future__ import annotations

import pandas as pd
from threadkit import metrics_of, rows, thread

BLIND_BOARD = "whiteboard history unknown"
BOTH = "whiteboard history unknown; close time estimated"


def snapshot_like():
    return thread(
        """
        2025-01-06 09:00  mozilla  files
        2025-01-07 09:00  ca       says
        2025-01-20 09:00  ca       says notext
        2025-02-10 09:00  mozilla  says
        2025-02-12 09:00  mozilla  whiteboard [ca-compliance] Next update 2025-03-01
        2025-02-15 09:00  mozilla  closes FIXED
        """,
        history=False,
    )


def test_close_is_the_last_comment_and_gaps_say_so():
    result = metrics_of(snapshot_like(), as_of="2025-03-01", observed_at="2025-03-01")
    gaps = result.deadlines[result.deadlines["rule"] == "update_cadence"]
    # 01-07 + 7 = end of 01-14; 01-20 09:00 is 5 d 9 h later = 129 h. The closing gap: the close
    # is estimated at the last comment, 02-10 09:00; end of 01-27 -> 13 d 9 h = 321 h, unmet,
    # and a week later one more missed update (6 d 9 h); end of 02-10 is after the close
    assert rows(result, "update_cadence")[1:] == [
        ("update_cadence", "2025-01-07 09:00:00", "2025-01-14 23:59:59", "2025-01-20 09:00:00",
         "missed", 129.0, "7d"),
        ("update_cadence", "2025-01-20 09:00:00", "2025-01-27 23:59:59", None, "missed", 321.0,
         "7d"),
        ("update_cadence", "2025-01-27 23:59:59", "2025-02-03 23:59:59", None, "missed", 153.0,
         "7d"),
    ]  # fmt: skip
    assert gaps["caveat"].tolist() == [BLIND_BOARD, BLIND_BOARD, BOTH, BOTH]
    m = result.bug_metrics.iloc[0]
    assert m["status"] == "RESOLVED"
    assert m["closed"] == pd.Timestamp("2025-02-10 09:00Z")
    # the whiteboard is known only from the sync on, so its date counts only from then
    assert m["next_update_dates_set"] == 1


def test_a_report_the_store_cannot_read_in_time_is_unknown_not_missed():
    # the textless CA comment of 01-20 09:00 came before the due time (01-06 + 14 d = end of
    # 01-20): the report may be in it, so the outcome cannot be judged
    result = metrics_of(snapshot_like(), as_of="2025-03-01", observed_at="2025-03-01")
    report = result.deadlines[result.deadlines["rule"] == "full_report"].iloc[0]
    assert report["outcome"] == "unknown"
    assert report["overdue_hours"] == 0
    assert report["caveat"].startswith("CA comment text missing")


def test_a_textless_comment_after_the_due_time_leaves_the_miss_certain():
    # the only textless CA comment is 01-25, after the end of 01-20: late or never, it missed
    late = thread(
        """
        2025-01-06 09:00  mozilla  files
        2025-01-07 09:00  ca       says
        2025-01-25 09:00  ca       says notext
        """,
        history=False,
    )
    result = metrics_of(late, as_of="2025-03-01", observed_at="2025-03-01")
    report = result.deadlines[result.deadlines["rule"] == "full_report"].iloc[0]
    assert report["outcome"] == "missed"
    assert report["caveat"].startswith("CA comment text missing")


def test_before_the_estimated_close_the_bug_was_open():
    result = metrics_of(snapshot_like(), as_of="2025-02-01", observed_at="2025-03-01")
    m = result.bug_metrics.iloc[0]
    assert m["status"] != "RESOLVED" and pd.isna(m["closed"])
    # the last gap is still running: end of 01-27 passed 4 d (and 1 s) before 02-01 00:00, and
    # the next week is due at the end of 02-03
    assert rows(result, "update_cadence")[-2][3:6] == (None, "missed", 96.0)
    assert rows(result, "update_cadence")[-1][2:5] == ("2025-02-03 23:59:59", None, "pending")
    assert result.deadlines["caveat"].str.contains("close time estimated").sum() == 0
