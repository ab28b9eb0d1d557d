"""The Action Items table of a report, one row per item, with its due day and status."""

from __future__ import annotations

from datetime import date

import pandas as pd

from analyzer.language import annotate
from analyzer.language.action_items import is_done, read_action_items

IRG3 = """### Action Items
| Action Item | Kind | Corresponding Root Cause(s) | Evaluation Criteria | Due Date | Status |
|---|---|---|---|---|---|
| Add a lint for the C field | Prevent | RC #1 | Lint rejects test set | 2025-04-15 | In progress |
| Re-train RA staff | Mitigate | RC #2 | Training records | 2025-03-20 | Completed |
| Quarterly profile review | Detect | RC #1 | First review minutes | Q3 2025 | Not started |
| Publish a blog post | Mitigate | RC #2 | Post is live | TBD | Planned |
"""


def test_rows_due_days_and_statuses():
    items = read_action_items(IRG3, date(2025, 3, 10))
    assert [i.item for i in items][:2] == [
        "Add a lint for the C field",
        "Re-train RA staff",
    ]
    assert [i.due for i in items] == [date(2025, 4, 15), date(2025, 3, 20), date(2025, 9, 30), None]
    assert [i.status for i in items] == ["In progress", "Completed", "Not started", "Planned"]
    assert [i.done for i in items] == [False, True, False, False]


def test_done_words():
    assert is_done("Done") and is_done("Completed on 2025-06-01") and is_done("100% complete")
    assert not is_done("Not completed") and not is_done("Ongoing") and not is_done(None)


def test_a_table_that_is_not_action_items_is_skipped():
    related = (
        "| Bug | Date | Description |\n|---|---|---|\n| 1800001 | 2023-01-10 | Wrong locality |"
    )
    assert read_action_items(related, date(2025, 3, 10)) == []


def test_quoted_tables_are_not_the_commenters_own():
    comments = pd.DataFrame(
        {
            "bug_id": 3,
            "count": [0, 1],
            "time": pd.Timestamp("2025-03-10T12:00Z"),
            "text": [IRG3, "\n".join("> " + line for line in IRG3.splitlines())],
            "role": ["ca", "ca"],
        }
    )
    table = annotate(comments).action_items
    assert set(table["count"]) == {0}
    assert len(table) == 4
    assert table["due"].iloc[0] == pd.Timestamp("2025-04-15T00:00Z")
    assert table["due"].isna().sum() == 1
    assert table["done"].dtype == bool
