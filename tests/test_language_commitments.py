"""Commitments: dated promises in sentences and action-item tables."""

from __future__ import annotations

from datetime import date

from analyzer.language.commitments import find_commitments
from analyzer.language.text import blocks

MONDAY = date(2025, 6, 30)


def promises(text: str, day: date = MONDAY):
    return [(c.promised, c.kind, c.status) for c in find_commitments([blocks(text)], [day])[0]]


def test_update_by_this_friday():
    assert promises("We will provide an update by this Friday.") == [
        (date(2025, 7, 4), "update", None)
    ]


def test_report_and_next_update_line():
    assert promises("The full incident report will be published no later than 2025-07-14.") == [
        (date(2025, 7, 14), "report", None)
    ]
    assert promises("Next update: 2025-07-10") == [(date(2025, 7, 10), "update", None)]


def test_two_promises_in_one_sentence():
    text = "We will update the CPS by end of July and will post a status here next week."
    assert promises(text) == [
        (date(2025, 7, 31), "action_item", None),
        (date(2025, 7, 11), "update", None),
    ]


def test_action_item_table_rows_with_status():
    text = """| Action Item | Kind | Due Date | Status |
|---|---|---|---|
| Add lint | Prevent | 2025-07-31 | In progress |
| Train staff | Mitigate | Completed 2025-06-20 | Done |
| Review | Detect | TBD | Not started |"""
    assert promises(text) == [
        (date(2025, 7, 31), "action_item", "In progress"),
        (date(2025, 6, 20), "action_item", "Done"),
    ]


def test_not_promises():
    assert promises("The certificates expire on 2026-01-01.") == []
    assert promises("We revoked them on 2025-06-20.") == []
    assert promises("Will you publish the report by 2025-07-10?") == []
    assert promises("(In reply to Ben from comment #2)\n> We will post by 2025-07-02\n\nOK.") == []


def test_no_day_no_commitments():
    assert find_commitments([blocks("We will post an update tomorrow.")], [None]) == [[]]


def _one(text: str, day: date):
    from analyzer.language.read import read_comments

    return [(c.promised, c.kind, c.ambiguous) for c in read_comments([text], [day])[0].commitments]


def test_a_promise_cut_by_an_abbreviation_is_found():
    text = "We will upload the final report as soon as possible, max. in 2 weeks time."
    assert _one(text, date(2025, 6, 10)) == [(date(2025, 6, 24), "report", False)]


def test_swappable_dates_read_nearest_after_the_comment_and_are_flagged():
    text = "We will submit the updated incident report on 03.07.2025."
    # posted 6 March: 7 March is the nearest reading after it, not 3 July
    assert _one(text, date(2025, 3, 6)) == [(date(2025, 3, 7), "report", True)]
    assert _one("The final report follows on 28.11.2025.", date(2025, 11, 24)) == [
        (date(2025, 11, 28), "report", False)
    ]


def test_updating_the_report_is_a_report_promise():
    text = "We will update the report until this friday (05-09-25)."
    assert _one(text, date(2025, 9, 1)) == [(date(2025, 9, 5), "report", True)]


def test_past_and_present_facts_are_not_promises():
    assert _one("It came to our attention on 2020-01-20 via a ticket.", date(2020, 1, 22)) == []
    text = "Our monitoring raised today an alarm, and we discovered today that 3 CRLs were stale."
    assert _one(text, date(2024, 5, 14)) == []
    # a fact and a promise in one sentence: only the promise
    text = "We discovered today that the CRL was stale and will publish a fix within 3 days."
    assert _one(text, date(2025, 3, 3)) == [(date(2025, 3, 6), "action_item", False)]


def test_a_weekday_naming_the_date_after_it_is_that_date():
    text = "The new workflow goes live on Tuesday, June 13, and we will update this bug then."
    assert [p for p, _, _ in _one(text, date(2023, 6, 8))] == [date(2023, 6, 13)]


def test_relative_dates_count_from_the_comments_own_day():
    monday = date(2025, 4, 14)
    cases = {
        "We will provide the full report within the next 5 working days.": date(2025, 4, 21),
        "We will post an update in 2 weeks.": date(2025, 4, 28),
        "We will answer the questions tomorrow.": date(2025, 4, 15),
        "We plan to deploy the fix next Wednesday.": date(2025, 4, 23),
        "We will share the root cause analysis by end of next Friday.": date(2025, 4, 25),
    }
    for text, expected in cases.items():
        assert [p for p, _, _ in _one(text, monday)] == [expected], text


def test_revocation_schedules_are_their_own_kind():
    text = "The remaining 31 certificates will be revoked by 2025-02-15."
    assert _one(text, date(2025, 2, 12)) == [(date(2025, 2, 15), "revocation", False)]


def test_a_dated_clause_that_tells_what_happened_is_no_promise():
    """Issue 25: the three past facts the snapshot read as broken promises."""
    text = "Due to our internal alerting systems the case came to our attention on 2020-01-20."
    assert _one(text, date(2020, 1, 20)) == []
    text = (
        "Our internal monitoring system raised today an alarm due to a certificate in OCSP Watch."
    )
    assert _one(text, date(2024, 6, 20)) == []
    text = (
        "The last two were discovered today by scanning our internal CA and will be revoked "
        "within the five day timeline."
    )  # the promise is the revocation, five days on; "by scanning" is no deadline
    assert _one(text, date(2020, 7, 17)) == [(date(2020, 7, 22), "revocation", False)]
    assert _one("All certificates were revoked by 2025-05-09 12:00 UTC.", date(2025, 5, 9)) == []


def test_due_to_is_a_cause_and_until_a_period():
    assert _one(
        "Due to the holidays, the full report will follow on 2025-01-06.", date(2024, 12, 20)
    ) == [(date(2025, 1, 6), "report", False)]
    assert _one("The closure report is due to be published on 2025-01-06.", date(2024, 12, 20)) == [
        (date(2025, 1, 6), "report", False)
    ]
    # a list item telling how things were until a day promises nothing by that day
    text = (
        "### Background\n\u2022 Until 19 August 2025, the intermediate issued client certificates."
    )
    assert _one(text, date(2025, 8, 19)) == []
    assert _one("- Revoke the remaining certificates by 2025-08-31", date(2025, 8, 19)) == [
        (date(2025, 8, 31), "revocation", False)
    ]


def test_a_modal_reaches_over_and_but_not_over_a_comma():
    text = "All the certificates will be replaced and revoked until 05-06-21."
    assert [p for p, _, _ in _one(text, date(2021, 5, 28))] == [date(2021, 6, 5)]
    text = "We decided to remove the extension 2.5.29.9 from the profile by 2024-07-31."
    assert _one(text, date(2024, 6, 17)) == [(date(2024, 7, 31), "action_item", False)]


def test_end_of_day_on_a_named_day_is_that_day():
    """Issue 25, GTS 1837519: "by the end of day on Tuesday, June 13" was read as the comment's
    own day (June 8): "end of day" was read as today, not as the end of the day it names."""
    text = "A full report will be provided by the end of day on Tuesday, June 13."
    assert _one(text, date(2023, 6, 8)) == [(date(2023, 6, 13), "report", False)]


def test_a_weekday_contradicting_its_date_keeps_the_date_and_is_flagged():
    text = "We will publish the full report on Friday, June 13, 2023."  # June 13, 2023: Tuesday
    assert _one(text, date(2023, 6, 8)) == [(date(2023, 6, 13), "report", True)]
    text = "The closure report will be posted on 2025-03-07 (Thursday)."  # a Friday
    assert _one(text, date(2025, 3, 3)) == [(date(2025, 3, 7), "report", True)]
    text = "We will post the next update on Monday, 2025-03-10."  # a Monday: no doubt
    assert _one(text, date(2025, 3, 3)) == [(date(2025, 3, 10), "update", False)]


def test_a_promise_not_to_is_no_promise_and_a_timeline_decision_has_no_relative_day():
    text = "We do not expect to revoke all impacted certificates within the 5-day requirement."
    assert _one(text, date(2019, 3, 8)) == []
    text = "- 09:40 The issue is confirmed, and we have decided to revoke them within 5 days"
    assert _one(text, date(2024, 3, 26)) == []  # within 5 days of 09:40 of some day
    text = "We will post the report not later than 2024-07-01."
    assert [p for p, _, _ in _one(text, date(2024, 6, 1))] == [date(2024, 7, 1)]


def test_an_explicit_day_beats_a_span_in_the_same_sentence():
    text = "All affected certificates will be revoked within the 5 day timeline by Friday, June 14."
    assert _one(text, date(2024, 6, 12)) == [(date(2024, 6, 14), "revocation", False)]


def test_a_fact_and_a_plan_joined_by_and_keep_only_the_plan():
    text = "We started the revocation today and expect to finish by Friday."
    assert _one(text, date(2025, 7, 1)) == [(date(2025, 7, 4), "revocation", False)]
    text = "We have completed the fix on 2025-07-01 and will post the closure report on 2025-07-05."
    assert _one(text, date(2025, 7, 1)) == [(date(2025, 7, 5), "report", False)]
