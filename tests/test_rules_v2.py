"""Rules v2, one hand-worked thread per rule and edge case (SPEC "The rules the metrics encode").

Conventions: "end of day D" is D 23:59:59 UTC; overdue hours are rounded to two decimals, so the
one second after 23:59:59 disappears (3d 16h 0m 1s -> 88.0).
"""

from __future__ import annotations

import pytest
from threadkit import metrics_of, repeats, rows, thread


def of(result, rule):
    return rows(result, rule)


def metric(result, name):
    return result.bug_metrics.iloc[0][name]


# -- update_cadence --------------------------------------------------------------------------


def test_spec_update_example_every_week_of_silence_is_a_missed_row():
    bug = thread("""
        2024-06-21 13:01  community  files
        2024-07-09 18:00  ca         says
    """)
    result = metrics_of(bug, as_of="2024-07-10")
    assert of(result, "update_cadence") == [
        # 06-21 + 7 days = end of 06-28; the update came 07-09 18:00: 10d 18h (+1 s) = 258 h
        ("update_cadence", "2024-06-21 13:01:00", "2024-06-28 23:59:59", "2024-07-09 18:00:00",
         "missed", 258.0, "7d"),
        # a week later, still silent: one more missed row, overdue 3d 18h = 90 h
        ("update_cadence", "2024-06-28 23:59:59", "2024-07-05 23:59:59", "2024-07-09 18:00:00",
         "missed", 90.0, "7d"),
        # the next gap starts at 07-09 and is still running
        ("update_cadence", "2024-07-09 18:00:00", "2024-07-16 23:59:59", None,
         "pending", 0.0, "7d"),
    ]  # fmt: skip
    assert repeats(result, "update_cadence") == [0, 1, 0]
    assert metric(result, "missed_updates") == 2


def test_updates_on_one_utc_day_are_one_update_dated_by_the_first():
    bug = thread("""
        2025-03-03 09:00  ca  files
        2025-03-03 15:00  ca  says
        2025-03-10 10:00  ca  says
        2025-03-10 20:00  ca  says
        2025-03-17 08:00  ca  says
    """)
    assert of(metrics_of(bug, as_of="2025-03-18"), "update_cadence") == [
        # 03-03 15:00 is on the start's day: it opens no gap of its own
        ("update_cadence", "2025-03-03 09:00:00", "2025-03-10 23:59:59", "2025-03-10 10:00:00",
         "met", 0.0, "7d"),
        # 03-10 20:00 is the same update as 03-10 10:00
        ("update_cadence", "2025-03-10 10:00:00", "2025-03-17 23:59:59", "2025-03-17 08:00:00",
         "met", 0.0, "7d"),
        ("update_cadence", "2025-03-17 08:00:00", "2025-03-24 23:59:59", None,
         "pending", 0.0, "7d"),
    ]  # fmt: skip


@pytest.mark.parametrize(("writer", "honoured"), [("ca", False), ("mozilla", True)])
def test_a_next_update_date_counts_only_when_a_root_program_wrote_it(writer, honoured):
    bug = thread(f"""
        2025-04-01 10:00  ca        files
        2025-04-02 09:00  {writer}  whiteboard [ca-compliance] Next update 2025-04-30
        2025-04-12 12:00  ca        says
    """)
    result = metrics_of(bug, as_of="2025-04-13")
    first = of(result, "update_cadence")[0]
    if honoured:
        assert first == ("update_cadence", "2025-04-01 10:00:00", "2025-04-30 23:59:59",
                         "2025-04-12 12:00:00", "met", 0.0, "next_update")  # fmt: skip
    else:  # the CA's own date is shown and flagged, not honoured: end of 04-08, 3d 12h late
        assert first == ("update_cadence", "2025-04-01 10:00:00", "2025-04-08 23:59:59",
                         "2025-04-12 12:00:00", "missed", 84.0, "7d")  # fmt: skip
    assert metric(result, "next_update_set_by_ca") == (0 if honoured else 1)
    assert metric(result, "next_update_dates_set") == (1 if honoured else 0)


@pytest.mark.parametrize(("year", "due", "outcome"), [
    ("2025", "2025-04-08 23:59:59", "missed"),  # IRG 3.0: no date lengthens the 7 days
    ("2024", "2024-04-30 23:59:59", "met"),  # before 3.0 the agreed date governs
])  # fmt: skip
def test_revocation_delay_bugs_are_updated_weekly_whatever_the_date(year, due, outcome):
    bug = thread(f"""
        {year}-04-01 10:00  ca       files
        {year}-04-01 11:00  mozilla  whiteboard [ca-compliance] [leaf-revocation-delay] Next update {year}-04-30
        {year}-04-12 12:00  ca       says
    """)  # noqa: E501
    first = of(metrics_of(bug, as_of=f"{year}-04-13"), "update_cadence")[0]
    assert (first[2], first[4]) == (due, outcome)


def test_a_closure_report_stops_the_cadence_and_a_reopen_starts_it_again():
    bug = thread("""
        2025-05-01 10:00  ca       files
        2025-05-05 10:00  ca       says closure
        2025-05-20 10:00  mozilla  closes FIXED
        2025-06-10 09:00  mozilla  reopens
        2025-06-12 09:00  ca       says
    """)
    result = metrics_of(bug, as_of="2025-06-13")
    assert of(result, "update_cadence") == [
        ("update_cadence", "2025-05-01 10:00:00", "2025-05-08 23:59:59", "2025-05-05 10:00:00",
         "met", 0.0, "7d"),
        # 05-05 .. 05-20: fifteen silent days after the Closure Report, no row
        ("update_cadence", "2025-06-10 09:00:00", "2025-06-17 23:59:59", "2025-06-12 09:00:00",
         "met", 0.0, "7d"),
        ("update_cadence", "2025-06-12 09:00:00", "2025-06-19 23:59:59", None,
         "pending", 0.0, "7d"),
    ]  # fmt: skip
    # the Closure Report came before a full one: it meets the full-report deadline too
    assert of(result, "full_report")[0][3:5] == ("2025-05-05 10:00:00", "met")


@pytest.mark.parametrize(
    "notice",
    [
        "2025-05-06 10:00  mozilla  says closing",
        "2025-05-06 10:00  mozilla  whiteboard [ca-compliance] [close on 2025-05-20]",
    ],
)
def test_a_root_programs_closing_notice_stops_the_cadence(notice):
    bug = thread(f"""
        2025-05-01 10:00  ca       files
        2025-05-02 10:00  ca       says full
        {notice}
        2025-05-30 10:00  mozilla  closes FIXED
    """)
    result = metrics_of(bug, as_of="2025-06-01")
    # the gap from 05-02 would fall due 05-09, after the notice: dropped
    assert of(result, "update_cadence") == [
        ("update_cadence", "2025-05-01 10:00:00", "2025-05-08 23:59:59", "2025-05-02 10:00:00",
         "met", 0.0, "7d"),
    ]  # fmt: skip
    assert of(result, "comment_response") == []  # a closing notice expects no reply
    assert metric(result, "breach_days") == 0


def test_silence_until_the_close_every_week_missed_and_the_clock_stops_at_the_close():
    bug = thread("""
        2025-01-06 09:00  ca       files
        2025-02-01 12:00  mozilla  closes FIXED
    """)
    result = metrics_of(bug, as_of="2025-03-01")
    assert of(result, "update_cadence") == [
        # overdue until the close 02-01 12:00, never beyond: 18d 12h, 11d 12h, 4d 12h
        ("update_cadence", "2025-01-06 09:00:00", "2025-01-13 23:59:59", None,
         "missed", 444.0, "7d"),
        ("update_cadence", "2025-01-13 23:59:59", "2025-01-20 23:59:59", None,
         "missed", 276.0, "7d"),
        ("update_cadence", "2025-01-20 23:59:59", "2025-01-27 23:59:59", None,
         "missed", 108.0, "7d"),
        # 02-03 would fall due after the close: dropped
    ]  # fmt: skip
    # the full report (due end of 01-20) is overdue until the close, not until as_of
    assert of(result, "full_report") == [
        ("full_report", "2025-01-06 09:00:00", "2025-01-20 23:59:59", None, "missed", 276.0,
         "14d"),
    ]  # fmt: skip
    # open 26d 3h; in breach from end of 01-13 to the close: 18d 12h (repeats count once)
    assert metric(result, "open_days") == pytest.approx(26.125, abs=1e-3)
    assert metric(result, "breach_days") == pytest.approx(18.5, abs=1e-3)
    assert metric(result, "compliance") == pytest.approx(1 - 18.5 / 26.125, abs=1e-3)
    breach = result.breaches
    assert breach["rules"].tolist() == ["update_cadence", "full_report update_cadence"]
    assert breach["end"].iloc[-1] == result.bug_metrics["closed"].iloc[0]


def test_a_date_written_already_past_is_ignored():
    bug = thread("""
        2025-06-02 10:00  ca       files
        2025-06-04 10:00  mozilla  whiteboard [ca-compliance] Next update 2025-06-03
        2025-06-08 10:00  ca       says
    """)
    first = of(metrics_of(bug, as_of="2025-06-09"), "update_cadence")[0]
    assert first[2:5] == ("2025-06-09 23:59:59", "2025-06-08 10:00:00", "met")


# -- first_response and full_report --------------------------------------------------------


def test_the_cas_own_filing_is_no_first_response():
    ca_filed = thread("""
        2025-01-06 09:00  ca  files
        2025-01-20 09:00  ca  says full
    """)
    result = metrics_of(ca_filed, as_of="2025-02-01")
    assert of(result, "first_response") == []
    assert metric(result, "filed_by") == "ca"
    reported = thread("""
        2025-01-06 09:00  community  files
        2025-01-10 09:00  ca         says
    """)
    result = metrics_of(reported, as_of="2025-02-01")
    # 72 exact hours: due 01-09 09:00, answered a day late
    assert of(result, "first_response") == [
        ("first_response", "2025-01-06 09:00:00", "2025-01-09 09:00:00", "2025-01-10 09:00:00",
         "missed", 24.0, "72h"),
    ]  # fmt: skip
    assert metric(result, "first_ca_response_hours") == 96.0


def test_an_obligation_that_would_fall_due_after_the_close_is_dropped():
    bug = thread("""
        2025-03-03 09:00  community  files
        2025-03-04 09:00  mozilla    closes INCOMPLETE
    """)
    result = metrics_of(bug, as_of="2025-04-01")
    assert result.deadlines.empty
    assert metric(result, "excluded") == "resolution INCOMPLETE"
    fixed = thread("""
        2025-03-03 09:00  community  files
        2025-03-04 09:00  mozilla    closes FIXED
    """)
    assert metrics_of(fixed, as_of="2025-04-01").deadlines.empty  # all would fall due later


# -- initial_disclosure ----------------------------------------------------------------------


@pytest.mark.parametrize(("identified", "due", "outcome", "overdue"), [
    # a date without a time is the end of that day: due 72 h later, end of 04-08; filed 04-10
    ("2025-04-05", "2025-04-08 23:59:59", "missed", 33.0),
    ("2025-04-08", "2025-04-11 23:59:59", "met", 0.0),
    ("2025-04-07T12:00", "2025-04-10 12:00:00", "met", 0.0),
])  # fmt: skip
def test_initial_disclosure_from_the_cas_own_identified_date(identified, due, outcome, overdue):
    bug = thread(f"""
        2025-04-10 09:00  ca  files
        2025-04-11 10:00  ca  says full identified={identified}
    """)
    result = metrics_of(bug, as_of="2025-04-12")
    (row,) = of(result, "initial_disclosure")
    assert (row[2], row[3], row[4], row[5]) == (due, "2025-04-10 09:00:00", outcome, overdue)
    assert metric(result, "breach_days") == 0  # late before the bug existed: no open time lost


def test_no_initial_disclosure_before_irg_3_or_for_bugs_others_filed():
    before = thread("""
        2025-02-20 09:00  ca  files
        2025-02-21 10:00  ca  says full identified=2025-02-01
    """)
    assert of(metrics_of(before, as_of="2025-03-01"), "initial_disclosure") == []
    other = thread("""
        2025-04-10 09:00  community  files
        2025-04-11 10:00  ca         says full identified=2025-04-01
    """)
    assert of(metrics_of(other, as_of="2025-04-20"), "initial_disclosure") == []


def test_disclosure_delay_hours():
    bug = thread("""
        2025-04-10 09:00  ca  files
        2025-04-11 10:00  ca  says full identified=2025-04-05
    """)
    # 04-05 23:59:59 -> 04-10 09:00 = 4d 9h (+1 s)
    assert metric(metrics_of(bug, as_of="2025-04-20"), "disclosure_delay_hours") == 105.0


# -- action_item_update --------------------------------------------------------------------


def test_action_items_updated_within_three_days_of_their_due_date():
    bug = thread("""
        2025-08-01 09:00  ca  files
        2025-08-05 09:00  ca  says full item=2025-08-20 item=2025-09-10 done=2025-08-25
        2025-08-22 10:00  ca  says
        2025-09-20 10:00  ca  says
    """)
    result = metrics_of(bug, as_of="2025-09-21")
    assert of(result, "action_item_update") == [
        # due 08-20: an update from 08-20 00:00 to the end of 08-23 meets it
        ("action_item_update", "2025-08-20 23:59:59", "2025-08-23 23:59:59",
         "2025-08-22 10:00:00", "met", 0.0, "3d"),
        # due 09-10: nothing until 09-20 10:00, 6d 10h after the end of 09-13
        ("action_item_update", "2025-09-10 23:59:59", "2025-09-13 23:59:59",
         "2025-09-20 10:00:00", "missed", 154.0, "3d"),
    ]  # fmt: skip


def test_a_later_report_replaces_the_action_items_and_a_closure_ends_them():
    replaced = thread("""
        2025-08-01 09:00  ca  files
        2025-08-05 09:00  ca  says full item=2025-09-10
        2025-09-01 09:00  ca  says full item=2025-09-30
        2025-10-10 10:00  ca  says
    """)
    due = [r[2] for r in of(metrics_of(replaced, as_of="2025-10-11"), "action_item_update")]
    assert due == ["2025-10-03 23:59:59"]
    closed = thread("""
        2025-08-01 09:00  ca  files
        2025-08-05 09:00  ca  says full item=2025-09-10
        2025-09-01 09:00  ca  says closure
    """)
    assert of(metrics_of(closed, as_of="2025-10-11"), "action_item_update") == []


def test_no_action_item_rule_before_irg_3_1():
    bug = thread("""
        2025-05-01 09:00  ca  files
        2025-05-05 09:00  ca  says full item=2025-06-01
        2025-06-20 10:00  ca  says
    """)
    assert of(metrics_of(bug, as_of="2025-06-21"), "action_item_update") == []


# -- needinfo_response ------------------------------------------------------------------------


def test_a_needinfo_cleared_by_a_root_program_before_it_fell_due_is_withdrawn():
    bug = thread("""
        2025-03-03 09:00  ca       files
        2025-03-04 10:00  mozilla  needinfo ca
        2025-03-06 10:00  mozilla  clears ca
        2025-03-20 10:00  ca       says
    """)
    (row,) = of(metrics_of(bug, as_of="2025-03-21"), "needinfo_response")
    assert row[3:6] == (None, "withdrawn", 0.0)


def test_a_needinfo_cleared_after_it_fell_due_is_overdue_until_the_clear():
    bug = thread("""
        2025-03-03 09:00  ca       files
        2025-03-04 10:00  mozilla  needinfo ca
        2025-03-15 10:00  mozilla  clears ca
        2025-03-20 10:00  ca       says
    """)
    # due end of 03-11; cleared 03-15 10:00: 3d 10h
    (row,) = of(metrics_of(bug, as_of="2025-03-21"), "needinfo_response")
    assert row[2:6] == ("2025-03-11 23:59:59", None, "missed", 82.0)


def test_no_needinfo_rule_before_irg_2():
    bug = thread("""
        2023-03-03 09:00  ca       files
        2023-03-04 10:00  mozilla  needinfo ca
        2023-03-30 10:00  ca       says
    """)
    assert of(metrics_of(bug, as_of="2023-04-01"), "needinfo_response") == []


# -- comment_response -------------------------------------------------------------------------


def test_from_irg_3_every_comment_expecting_a_reply_is_answered_within_7_days():
    bug = thread("""
        2025-04-01 09:00  ca         files
        2025-04-02 09:00  community  says "How many certificates are affected?"
        2025-04-03 09:00  mozilla    says noreply "Thanks for the update."
        2025-04-04 09:00  mozilla    says "Please also describe the timeline."
        2025-04-12 09:00  ca         says
    """)
    assert of(metrics_of(bug, as_of="2025-04-13"), "comment_response") == [
        ("comment_response", "2025-04-02 09:00:00", "2025-04-09 23:59:59",
         "2025-04-12 09:00:00", "missed", 57.0, "7d"),
        ("comment_response", "2025-04-04 09:00:00", "2025-04-11 23:59:59",
         "2025-04-12 09:00:00", "missed", 9.0, "7d"),
    ]  # fmt: skip


def test_under_irg_2_only_questions_need_a_reply_and_before_it_nothing():
    text = """
        {y}-04-01 09:00  ca         files
        {y}-04-02 09:00  community  says 1q
        {y}-04-04 09:00  mozilla    says
        {y}-04-12 09:00  ca         says
    """
    assert [r[1] for r in of(metrics_of(thread(text.format(y=2024)), as_of="2024-04-13"),
                             "comment_response")] == ["2024-04-02 09:00:00"]  # fmt: skip
    assert of(metrics_of(thread(text.format(y=2023)), as_of="2023-04-13"), "comment_response") == []


def test_a_comment_without_text_counts_with_a_caveat_and_none_on_a_closed_bug():
    bug = thread("""
        2025-04-01 09:00  ca       files
        2025-04-02 09:00  mozilla  says notext
        2025-04-20 09:00  mozilla  closes FIXED
        2025-04-21 09:00  mozilla  says "Why was this closed?"
    """)
    result = metrics_of(bug, as_of="2025-05-01")
    frame = result.deadlines[result.deadlines["rule"] == "comment_response"]
    assert frame["start"].dt.strftime("%m-%d").tolist() == ["04-02"]
    assert frame["caveat"].tolist() == ["comment text missing: it may expect no reply"]


# -- excluded bugs and ca_months --------------------------------------------------------------


def test_excluded_bugs_get_no_deadlines_and_count_in_no_month():
    meta = thread(
        """
        2025-01-06 09:00  mozilla  files
        """,
        bug_id=1702,
    )
    meta = type(meta)(meta.bug_id, "[meta] CA incident tracking", meta.events, meta.history)
    result = metrics_of(meta, as_of="2025-03-01")
    assert result.deadlines.empty and result.ca_months.empty
    assert metric(result, "excluded") == "meta bug"


def test_an_invalid_resolution_excludes_only_from_the_time_it_is_known():
    bug = thread("""
        2025-01-06 09:00  community  files
        2025-02-20 09:00  mozilla    closes INVALID
    """)
    assert not metrics_of(bug, as_of="2025-02-01").deadlines.empty
    assert metrics_of(bug, as_of="2025-03-01").deadlines.empty


def test_ca_months_count_every_month_of_silence():
    bug = thread("""
        2025-01-06 09:00  ca  files
    """)
    months = metrics_of(bug, as_of="2025-03-31T23:59:59").ca_months.set_index("month")
    assert months.index.tolist() == ["2025-01", "2025-02", "2025-03"]
    # in breach from the end of 01-13 onwards: January 18 days of 25.6, February and March whole
    assert months.loc["2025-02", "breach_days"] == pytest.approx(28, abs=1e-3)
    assert months.loc["2025-03", "compliance"] == pytest.approx(0, abs=1e-3)
    assert months.loc["2025-01", "breach_days"] == pytest.approx(18.0, abs=1e-3)
    # one silent gap is one overdue obligation at each month's end (plus the full report)
    assert months["overdue_at_end"].tolist() == [2, 2, 2]
    # weekly misses fall due in each month: January 01-13, 01-20, 01-27; February four
    # (the 03-31 deadline is still pending at 03-31 23:59:59)
    assert months["update_cadence_missed"].tolist() == [3, 4, 4]
