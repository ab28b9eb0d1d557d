"""Which non-CA comments expect a reply, and which announce that the bug will be closed."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.language import annotate
from analyzer.language.replies import reply_reading
from analyzer.language.text import own_lines


def _read(text: str) -> tuple[bool, bool]:
    return reply_reading(own_lines(text))


@pytest.mark.parametrize(
    "text",
    [
        "I intend to close this bug on or about 2025-06-20, unless further questions or "
        "concerns are raised.",
        "Hello,\n\nunless there are further comments, I intend to close this incident on or "
        "about Friday, 14 March 2025.\n\nBen",
        "This bug will be closed on 2025-11-03 unless someone raises a new issue.",
        "This is a final call for comments or questions on this incident. Otherwise, it will "
        "be closed on approximately 2025-04-02.",
        "We plan to close this bug next week if there are no further questions.",
    ],
)
def test_closing_notices_expect_no_reply(text):
    expects_reply, closing = _read(text)
    assert closing
    assert not expects_reply


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the update.",
        "Thank you!",
        "Thanks, Dimitris. Acknowledged.",
        "Noted, thanks.",
        "Thank you for the detailed report.\n\nRegards,\nAlex",
    ],
)
def test_bare_thanks_expect_no_reply(text):
    assert _read(text) == (False, False)


@pytest.mark.parametrize(
    "text",
    [
        "Thanks for the report. Why did the linter not run on these certificates?",
        "The timeline omits when the vendor was told. Please add it.",
        "Could this bug be closed now that all action items are done?",
        "Please do not close this bug yet: the second root cause has no action item.",
        "I looked at crt.sh and found two more certificates with the same problem.",
        "(In reply to Ben Wilson from comment #12)\n> I intend to close this bug on or about "
        "2025-06-20.\n\nWe still owe you the revocation list; it follows tomorrow.",
    ],
)
def test_other_comments_expect_a_reply(text):
    expects_reply, closing = _read(text)
    assert expects_reply
    assert not closing


def test_annotate_gives_both_columns_and_a_textless_comment_counts():
    comments = pd.DataFrame(
        {
            "bug_id": 7,
            "count": [0, 1, 2],
            "time": pd.Timestamp("2025-05-02T09:00Z"),
            "text": ["Thanks!", None, "I intend to close this bug on or about 2025-05-20."],
            "role": ["root_program", "community", "root_program"],
        }
    )
    language = annotate(comments).comment_language
    assert language["expects_reply"].tolist() == [False, True, False]
    assert language["closing_notice"].tolist() == [False, False, True]
    assert language["expects_reply"].dtype == bool
