"""The commenter's own text: quotes, code and URLs out of the way, blocks no sentence crosses."""

from __future__ import annotations

from datetime import date

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.language import annotate
from analyzer.language.dates import find_dates
from analyzer.language.text import blocks, mask, own_lines


def test_reply_header_quotes_and_fences_are_dropped():
    text = "(In reply to Ben Wilson from comment #4)\n> quoted?\n  > also quoted\n"
    text += "mine\n```\ncode?\n```"
    assert [line for line in own_lines(text) if line] == ["mine"]


def test_mask_hides_urls_and_inline_code_but_keeps_sentence_punctuation():
    assert mask("See https://crt.sh/?id=5. Then `x?y` here?") == "See URL. Then CODE here?"
    assert mask("crt.sh/?id=5 is it") == "URL is it"


def test_blocks_kinds():
    text = "## Summary\nFirst line\nwrapped line.\n\n1. item one\ncontinued\n2) item two\n"
    text += "| a | b |\nNext update:\n"
    assert [(b.kind, b.text) for b in blocks(text)] == [
        ("heading", "## Summary"),
        ("para", "First line wrapped line."),
        ("item", "1. item one continued"),
        ("item", "2) item two"),
        ("table", "| a | b |"),
        ("label", "Next update:"),
    ]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                ["> q?", "## Summary", "| Due Date | Status |", "|---|---|", "| 2025-01-02 | x |",
                 "we will post by 05-09-25.", "Please explain?", "```", "1. Why?", "next Friday"]
            ),
        ),
        max_size=12,
    )
)  # fmt: skip
def test_annotate_never_fails_and_keeps_one_row_per_comment(lines):
    text = "\n".join(lines)
    comments = pd.DataFrame(
        {
            "bug_id": [1, 1],
            "count": [0, 1],
            "time": pd.Timestamp("2025-06-30T12:00:00Z"),
            "text": [text, None],
            "role": ["ca", "community"],
        }
    )
    tables = annotate(comments)
    assert len(tables.comment_language) == 2
    language = tables.comment_language.iloc[0]
    assert language["questions"] == len([q for q in language["question_text"].split("\n") if q])
    assert (tables.commitments["promised"] >= pd.Timestamp("2025-01-01", tz="UTC")).all()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60), st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)))
def test_find_dates_spans_are_ordered_and_disjoint(text, day):
    found = find_dates(text, day)
    for before, after in zip(found, found[1:], strict=False):
        assert before.end <= after.start


def test_a_comment_at_the_bmo_limit_is_read_whole():
    """65,535 characters (BMO's limit) of the shapes that used to backtrack or re-scan: the
    reading finishes and is right (its time is measured in bench/language.py, not here)."""
    from datetime import date

    from analyzer.language.read import read_comments

    limit = 65_535
    hostile = [
        ("a." * limit)[: limit - 40] + " see example.com/x?y=1 for details",
        "?" * limit,
        ("We will post it by 2025-01-06 and " * 2000)[:limit],
        "- " * (limit // 2),
    ]
    readings = read_comments(hostile, [date(2025, 1, 1)] * len(hostile))
    assert [len(r.questions) for r in readings] == [0, 0, 0, 0]
    assert len(readings[2].commitments) >= 1
    assert all(len(c.text) <= limit for c in readings[2].commitments)


def test_long_runs_are_masked_but_keep_their_end():
    from analyzer.language.text import LONG_RUN, mask

    assert mask("x" * LONG_RUN + "?") == "LONG?"
    assert mask("see https://crt.sh/?q=" + "a" * LONG_RUN) == "see URL"
    assert mask("short?") == "short?"
