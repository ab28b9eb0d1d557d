"""Report completeness: each CA report against the IRG template in force when it was posted.

Each report is read by the language stage's :class:`~analyzer.language.completeness.Checker`
(which template was in force, what it lacks, staleness), the same one that gives
``comment_language.sections_missing``: one answer to "which sections are missing".
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.language.completeness import Checker
from analyzer.language.reports import attachment_kind, read_report

COLUMNS = [
    "bug_id",
    "count",
    "ca",
    "url",
    "posted",
    "kind",
    "template",
    "follows",
    "missing",
    "stale_template",
    "superseded",
    "text_complete",
    "template_required",
]


def completeness_from_tables(
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    truncated_at: int | None = None,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """One row per preliminary, full or closure report by the CA (columns: ``COLUMNS``).

    ``truncated_at``: stores that keep only the first N characters of a comment (the bundled
    snapshot) cannot show a whole report; rows that long get ``text_complete`` False.
    ``window``: only reports posted in [start, end) (a scorecard's month).
    """
    kinds = comment_language.loc[
        comment_language["report_kind"].isin(["preliminary", "full", "closure"]),
        ["bug_id", "count", "report_kind"],
    ]
    posts = comments[["bug_id", "count", "time", "text", "url", "is_ca_update"]]
    if window is not None:
        posts = posts[(posts["time"] >= window[0]) & (posts["time"] < window[1])]
    merged = kinds.merge(posts, on=["bug_id", "count"])
    merged = merged[merged["is_ca_update"].fillna(False).astype(bool) & merged["text"].notna()]
    # a report posted as an attachment: its text is not in the comment, nothing can be judged
    merged = merged[~merged["text"].map(_attached).astype(bool)]
    merged = merged.merge(bugs[["bug_id", "ca"]], on="bug_id", how="left")
    checker = Checker()
    rows = []
    for bug_id, count, kind, posted, text, url, ca in merged[
        ["bug_id", "count", "report_kind", "time", "text", "url", "ca"]
    ].itertuples(index=False):
        result = checker.check(text, kind, posted)
        if result is None:
            continue
        complete = truncated_at is None or len(text) < truncated_at
        rows.append(
            {
                "bug_id": int(bug_id),
                "count": int(count),
                "ca": ca,
                "url": url,
                "posted": posted,
                "kind": kind,
                **result,
                "text_complete": complete,
            }
        )
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.sort_values(["bug_id", "count"], ignore_index=True)


def _attached(text: str) -> bool:
    """The comment's report kind comes from the attachment it posts, not from its own text."""
    return attachment_kind(text) is not None and read_report(text).attached


def truncation_of(meta: dict[str, str]) -> int | None:
    """The store's comment-text limit, from its meta (``first 1000 characters``), if any."""
    match = re.search(r"first (\d+) characters", meta.get("comment_text", ""))
    return int(match.group(1)) if match else None


def report_completeness(corpus, window=None) -> pd.DataFrame:
    """Every full and closure report of the corpus checked against its IRG template.

    Example::

        >>> from analyzer.ahead import report_completeness
        >>> report_completeness(analyzer.load()).query("stale_template")
    """
    return completeness_from_tables(
        corpus.comments,
        corpus.comment_language,
        corpus.bugs,
        truncated_at=truncation_of(corpus.meta),
        window=window,
    )
