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
