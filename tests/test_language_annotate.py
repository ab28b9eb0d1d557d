"""annotate(): the table contract, roles, and the cache."""

from __future__ import annotations

import pandas as pd

from analyzer.language import annotate
from analyzer.language.annotate import COMMITMENT_COLUMNS, LANGUAGE_COLUMNS


def _comments(rows: list[tuple[str | None, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "bug_id": [100] * len(rows),
            "count": list(range(len(rows))),
            "author": ["a@example.com"] * len(rows),
            "time": pd.Timestamp("2025-06-30T10:00:00Z"),
            "is_private": False,
            "text": [text for text, _ in rows],
            "role": [role for _, role in rows],
        }
    )


def test_one_row_per_comment_with_contract_columns():
    comments = _comments(
        [
            ("Why were the certificates not revoked within 5 days? Please explain.", "community"),
            (None, "ca"),
            ("", "ca"),
            ("## Report Closure Summary\n- Incident description: done.", "ca"),
        ]
    )
    tables = annotate(comments)
    language = tables.comment_language
    assert list(language.columns[: len(LANGUAGE_COLUMNS)]) == LANGUAGE_COLUMNS
    assert language["count"].tolist() == [0, 1, 2, 3]
    assert language["questions"].tolist() == [2, 0, 0, 0]
    assert language["report_kind"].tolist()[1:] == ["other", "other", "closure"]
    assert list(tables.commitments.columns) == COMMITMENT_COLUMNS


def test_update_kind_only_for_ca_side_comments():
    text = "We have completed the revocation of all affected certificates."
    language = annotate(_comments([(text, "ca"), (text, "community")])).comment_language
    assert language["report_kind"].tolist() == ["update", "other"]
