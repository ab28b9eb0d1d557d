"""update_cadence: one row per update gap, each expected deadline worked out by hand.

Conventions in the comments: "end of day D" is D 23:59:59 UTC; overdue hours are rounded to two
decimals, so the one second after 23:59:59 disappears (3d 16h 0m 1s -> 88.0).
"""

from __future__ import annotations

from threadkit import metrics_of, rows, thread

URL = "https://bugzilla.mozilla.org/show_bug.cgi?id=1701"


def cadence(bug, as_of, **kw):
    return rows(metrics_of(bug, as_of=as_of, **kw), "update_cadence")


def test_spec_worked_example():
    bug = thread("""
        2025-02-28 10:00  ca  files
        2025-03-03 09:00  ca  says
        2025-03-03 09:00  mozilla  whiteboard [ca-compliance] Next update 2025-03-10
        2025-03-10 16:00  ca  says
        2025-03-21 16:00  ca  says
    """)
    assert cadence(bug, "2025-03-22") == [
        # the CA filed the bug: the first gap starts at comment 0; 02-28 + 7 days = 03-07
        ("update_cadence", "2025-02-28 10:00:00", "2025-03-07 23:59:59", "2025-03-03 09:00:00",
         "met", 0.0, "7d"),
        # the date was written with the 03-03 update (not strictly later): it governs this gap
        ("update_cadence", "2025-03-03 09:00:00", "2025-03-10 23:59:59", "2025-03-10 16:00:00",
         "met", 0.0, "next_update"),
        # the 03-10 update used the date up: 03-10 + 7 = 03-17; 03-21 16:00 - 03-17 23:59:59
        # = 3 days 16 hours (and one second) = 88.0 hours
        ("update_cadence", "2025-03-10 16:00:00", "2025-03-17 23:59:59", "2025-03-21 16:00:00",
         "missed", 88.0, "7d"),
        # still running at as_of 03-22 00:00, due 03-21 + 7 = 03-28
        ("update_cadence", "2025-03-21 16:00:00", "2025-03-28 23:59:59", None,
         "pending", 0.0, "7d"),
    ]  # fmt: skip


def test_evidence_links_are_the_comments_that_started_and_met_each_gap():
    bug = thread("""
        2025-02-28 10:00  ca  files
        2025-03-03 09:00  ca  says
    """)
    frame = metrics_of(bug, as_of="2025-03-04").deadlines
    gaps = frame[frame["rule"] == "update_cadence"]
    assert gaps["evidence_start"].tolist() == [f"{URL}#c0", f"{URL}#c1"]
    assert gaps["evidence_met"].tolist()[0] == f"{URL}#c1"
    assert gaps["evidence_met"].isna().tolist() == [False, True]


def test_date_moved_earlier_during_a_gap_sets_the_deadline():
    bug = thread("""
        2025-04-01 10:00  ca       files
        2025-04-01 10:00  ca       whiteboard [ca-compliance] Next update 2025-04-20
        2025-04-05 08:00  mozilla  whiteboard [ca-compliance] Next update 2025-04-08
        2025-04-12 12:00  ca       says
    """)
    # from 04-05 the limit is end of 04-08, which passes before the update of 04-12 12:00:
    # 04-12 12:00 - 04-08 23:59:59 = 3 days 12 hours = 84.0 hours
    assert cadence(bug, "2025-04-13")[0] == (
        "update_cadence", "2025-04-01 10:00:00", "2025-04-08 23:59:59", "2025-04-12 12:00:00",
        "missed", 84.0, "next_update",
    )  # fmt: skip


def test_date_set_later_during_a_gap_extends_it():
    bug = thread("""
        2025-04-01 10:00  ca       files
        2025-04-06 08:00  mozilla  whiteboard [ca-compliance] Next update 2025-04-25
        2025-04-20 12:00  ca       says
    """)
    # the 7-day limit (end of 04-08) is replaced on 04-06, before it passed: due end of 04-25
    assert cadence(bug, "2025-04-21")[0] == (
        "update_cadence", "2025-04-01 10:00:00", "2025-04-25 23:59:59", "2025-04-20 12:00:00",
        "met", 0.0, "next_update",
    )  # fmt: skip


def test_date_set_after_the_limit_passed_does_not_undo_the_miss():
    bug = thread("""
        2025-04-01 10:00  ca       files
        2025-04-10 08:00  mozilla  whiteboard [ca-compliance] Next update 2025-04-25
        2025-04-20 12:00  ca       says
    """)
    # the 7-day limit, end of 04-08, passed first; 04-20 12:00 - 04-08 23:59:59 = 11d 12h = 276 h
    assert cadence(bug, "2025-04-21")[0] == (
        "update_cadence", "2025-04-01 10:00:00", "2025-04-08 23:59:59", "2025-04-20 12:00:00",
        "missed", 276.0, "7d",
    )  # fmt: skip


def test_stale_date_is_ignored():
    bug = thread("""
        2025-05-01 10:00  ca       files
        2025-05-02 08:00  mozilla  whiteboard [ca-compliance] Next update 2025-04-30
        2025-05-07 12:00  ca       says
    """)
    # 04-30 had already passed when written on 05-02: the 7-day limit, end of 05-08, holds
    assert cadence(bug, "2025-05-08")[0] == (
        "update_cadence", "2025-05-01 10:00:00", "2025-05-08 23:59:59", "2025-05-07 12:00:00",
        "met", 0.0, "7d",
    )  # fmt: skip


def test_date_written_on_its_own_day_is_not_stale():
    bug = thread("""
        2025-05-01 10:00  ca       files
        2025-05-06 08:00  mozilla  whiteboard [ca-compliance] Next update 2025-05-06
        2025-05-07 00:30  ca       says
    """)
    # 05-06 is still running at 08:00, so the date governs: end of 05-06, missed by 30m 1s
    assert cadence(bug, "2025-05-08")[0] == (
        "update_cadence", "2025-05-01 10:00:00", "2025-05-06 23:59:59", "2025-05-07 00:30:00",
        "missed", 0.5, "next_update",
    )  # fmt: skip


def test_an_extra_update_before_the_date_does_not_use_it_up():
    bug = thread("""
        2025-06-01 10:00  ca  files
        2025-06-01 10:00  mozilla  whiteboard [ca-compliance] Next update 2025-06-30
        2025-06-05 12:00  ca  says
        2025-06-29 12:00  ca  says
    """)
    # a date is used up by the first CA update on or after its day: the 06-05 update came
    # before 06-30, so the agreed date still governs the next gap
    assert cadence(bug, "2025-06-30")[1] == (
        "update_cadence", "2025-06-05 12:00:00", "2025-06-30 23:59:59", "2025-06-29 12:00:00",
        "met", 0.0, "next_update",
    )  # fmt: skip


def test_an_early_update_then_weekly_is_on_time():
    bug = thread("""
        2025-02-28 10:00  ca  files
        2025-03-03 09:00  ca  says
        2025-03-03 09:00  mozilla  whiteboard [ca-compliance] Next update 2025-03-10
        2025-03-09 16:00  ca  says
        2025-03-16 16:00  ca  says
    """)
    # the 03-09 update came a day before the date: the date stays unused, but it was written
    # before this gap began, so it may only lengthen it: max(end of 03-10, 03-09 + 7 = end of
    # 03-16) = 03-16 23:59:59, and 03-16 16:00 meets it (SPEC's own rule gives the same)
    assert cadence(bug, "2025-03-17")[2] == (
        "update_cadence", "2025-03-09 16:00:00", "2025-03-16 23:59:59", "2025-03-16 16:00:00",
        "met", 0.0, "7d",
    )  # fmt: skip


def test_an_old_date_carried_across_a_reopen_does_not_make_it_due_at_once():
    bug = thread("""
        2025-03-01 09:00  ca       files
        2025-03-03 09:00  ca       says
        2025-03-03 09:00  ca       whiteboard [ca-compliance] Next update 2025-03-10
        2025-03-05 09:00  mozilla  closes FIXED
        2025-04-01 09:00  mozilla  reopens
        2025-04-03 09:00  ca       says
    """)
    # the reopen gap starts 04-01 09:00; the 03-10 date, written before it, would have put the
    # deadline at the reopening itself. It only lengthens: 04-01 + 7 = end of 04-08; met 04-03
    assert cadence(bug, "2025-04-04")[1] == (
        "update_cadence", "2025-04-01 09:00:00", "2025-04-08 23:59:59", "2025-04-03 09:00:00",
        "met", 0.0, "7d",
    )  # fmt: skip


def test_edit_keeping_the_same_date_does_not_rewrite_it():
    bug = thread("""
        2025-11-01 10:00  ca       files
        2025-11-01 10:00  mozilla  whiteboard [ca-compliance] Next update 2025-11-20
        2025-11-20 10:00  ca       says
        2025-11-20 11:00  mozilla  whiteboard [ca-compliance] [ov] Next update 2025-11-20
        2025-11-25 12:00  ca       says
    """)
    # the 11-20 update used the date; the tag edit at 11:00 keeps it, so it is not new:
    # the gap from 11-20 10:00 has the 7-day limit, end of 11-27 (a rewrite would give 11-20)
    assert cadence(bug, "2025-11-26")[1] == (
        "update_cadence", "2025-11-20 10:00:00", "2025-11-27 23:59:59", "2025-11-25 12:00:00",
        "met", 0.0, "7d",
    )  # fmt: skip


def test_gap_ended_by_close_is_a_row_only_when_missed():
    late = thread("""
        2025-08-01 10:00  mozilla  files
        2025-08-01 12:00  ca       says
        2025-08-20 12:00  mozilla  closes FIXED
    """)
    # the CA's reply on the filing day opens no gap of its own: 08-01 + 7 days = end of 08-08;
    # closed 08-20 12:00: 11d 12h = 276 h of silence, and a week later one more missed row
    assert cadence(late, "2025-09-01") == [
        ("update_cadence", "2025-08-01 10:00:00", "2025-08-08 23:59:59", None, "missed", 276.0,
         "7d"),
        ("update_cadence", "2025-08-08 23:59:59", "2025-08-15 23:59:59", None, "missed", 108.0,
         "7d"),
    ]  # fmt: skip
    on_time = thread("""
        2025-08-01 10:00  mozilla  files
        2025-08-01 12:00  ca       says
        2025-08-05 12:00  mozilla  closes FIXED
    """)
    assert cadence(on_time, "2025-09-01") == []  # closed before anything fell due


def test_reopen_starts_a_new_gap_and_closed_time_is_not_a_gap():
    bug = thread("""
        2025-07-01 10:00  ca       files
        2025-07-02 10:00  ca       says
        2025-07-03 10:00  mozilla  closes FIXED
        2025-07-20 10:00  mozilla  reopens
        2025-07-30 12:00  ca       says
    """)
    gaps = cadence(bug, "2025-07-31")
    # 07-02 -> close 07-03: within 7 days, no row; closed 07-03 .. 07-20: no obligation;
    # reopened 07-20 10:00 + 7 = end of 07-27; 07-30 12:00 - 07-27 23:59:59 = 2d 12h = 60 h
    assert gaps == [
        ("update_cadence", "2025-07-01 10:00:00", "2025-07-08 23:59:59", "2025-07-02 10:00:00",
         "met", 0.0, "7d"),
        ("update_cadence", "2025-07-20 10:00:00", "2025-07-27 23:59:59", "2025-07-30 12:00:00",
         "missed", 60.0, "7d"),
        ("update_cadence", "2025-07-30 12:00:00", "2025-08-06 23:59:59", None, "pending", 0.0,
         "7d"),
    ]  # fmt: skip
    frame = metrics_of(bug, as_of="2025-07-31").deadlines
    reopen = frame[(frame["rule"] == "update_cadence")].iloc[1]
    # no comment came with the reopen, so its evidence is the bug's activity page
    assert reopen["evidence_start"] == "https://bugzilla.mozilla.org/show_activity.cgi?id=1701"
    assert reopen["evidence_met"] == f"{URL}#c2"


def test_closure_report_ends_the_cadence():
    bug = thread("""
        2025-09-01 10:00  ca         files
        2025-09-05 10:00  ca         says closure
        2025-09-20 10:00  community  says 1q
    """)
    # nothing after the closure report is an update gap, though the bug is still open
    assert cadence(bug, "2025-10-15") == [
        ("update_cadence", "2025-09-01 10:00:00", "2025-09-08 23:59:59", "2025-09-05 10:00:00",
         "met", 0.0, "7d"),
    ]  # fmt: skip
    # ... but the question asked after it still has to be answered: 09-20 + 7 = end of 09-27
    questions = rows(metrics_of(bug, as_of="2025-10-15"), "comment_response")
    assert [(q[2], q[4]) for q in questions] == [("2025-09-27 23:59:59", "missed")]


def test_gap_running_at_as_of_is_pending_then_missed():
    bug = thread("""
        2025-10-01 10:00  ca  files
    """)
    # 10-01 + 7 = end of 10-08
    assert cadence(bug, "2025-10-05") == [
        ("update_cadence", "2025-10-01 10:00:00", "2025-10-08 23:59:59", None, "pending", 0.0,
         "7d"),
    ]  # fmt: skip
    # at 10-10 12:00 it is 1 day 12 hours past: 36 h, and the next week is due end of 10-15
    assert cadence(bug, "2025-10-10 12:00") == [
        ("update_cadence", "2025-10-01 10:00:00", "2025-10-08 23:59:59", None, "missed", 36.0,
         "7d"),
        ("update_cadence", "2025-10-08 23:59:59", "2025-10-15 23:59:59", None, "pending", 0.0,
         "7d"),
    ]  # fmt: skip


def test_pending_gap_due_is_the_date_in_force_at_as_of():
    bug = thread("""
        2025-10-01 10:00  ca       files
        2025-10-03 10:00  mozilla  whiteboard [ca-compliance] Next update 2025-10-31
    """)
    assert cadence(bug, "2025-10-20") == [
        ("update_cadence", "2025-10-01 10:00:00", "2025-10-31 23:59:59", None, "pending", 0.0,
         "next_update"),
    ]  # fmt: skip


def test_private_ca_comment_is_not_an_update():
    bug = thread("""
        2025-10-01 10:00  ca  files
        2025-10-05 10:00  ca  says private
        2025-10-12 10:00  ca  says
    """)
    # the private comment does not end the gap: 10-01 + 7 = end of 10-08; 10-12 10:00 is 3d 10h
    assert cadence(bug, "2025-10-12 11:00")[0] == (
        "update_cadence", "2025-10-01 10:00:00", "2025-10-08 23:59:59", "2025-10-12 10:00:00",
        "missed", 82.0, "7d",
    )  # fmt: skip


def test_metrics_of_the_gaps():
    bug = thread("""
        2025-02-28 10:00  ca  files
        2025-03-03 09:00  ca  says
        2025-03-03 09:00  mozilla  whiteboard [ca-compliance] Next update 2025-03-10
        2025-03-10 16:00  ca  says
        2025-03-21 16:00  ca  says
    """)
    m = metrics_of(bug, as_of="2025-03-22").bug_metrics.iloc[0]
    assert m["ca_updates"] == 4
    assert m["missed_updates"] == 1 and m["next_update_missed"] == 0
    assert m["next_update_dates_set"] == 1
    assert m["max_update_gap_days"] == 11.0  # 03-10 16:00 -> 03-21 16:00
    assert m["overdue_days"] == round(88.0 / 24, 2)
