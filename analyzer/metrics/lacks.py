"""What the store lacks, read as SPEC "When the store lacks history or text" says: one place.

Why one place: a store synced from BMO has every comment's text and every bug's history; the
bundled snapshot (and any store where a value is missing) does not. Each reading here says
what the metrics assume then, and every row a reading touches carries its caveat
(:data:`CAVEATS`); ``analyzer quality`` counts them (:func:`analyzer.parse.quality`).

- **Whiteboard history unknown**: the current whiteboard is the one value known. Its
  Next-update date, and its ``[close on DATE]`` tag, belong to the update gap running at the
  sync: they count from that gap's start, as if a root program wrote them then
  (:func:`running_gap_starts`; the cadence reads the board from there).
- **Text cut short**: a text of exactly the store's cut length is missing its end
  (:func:`analyzer.parse.state.cut_texts`); a report kind it does not show is unknown, not
  "no report" (:func:`unknown_when_cut`).
- **Comment tags**: a comment BMO shows collapsed (``spam``, ``off-topic``, ...; the list is
  ``analyzer/data/comment_tags.csv``) is neither an update nor a comment needing a reply: the
  parse stage marks it (``comments.collapsed``) and leaves it out of ``is_ca_update``; the
  threads leave it out of the comments needing a reply.
- **Closing time unknown** is the parse stage's (``bugs.closed``:
  :func:`analyzer.parse.state.estimated_close`), since every view of a bug reads that column.
"""

from __future__ import annotations

import pandas as pd

from analyzer.metrics.rulebook import DAY
from analyzer.parse.state import TEXT_CUT_AT, cut_texts

__all__ = ["TEXT_CUT_AT", "cut_texts", "running_gap_starts", "unknown_when_cut"]

ASSUMED_DATE = "whiteboard history unknown: today's Next-update date read from the gap's start"
NO_HISTORY = "whiteboard history unknown"
CUT_TEXT = "CA comment text cut short: a report may be in its unseen part"


def running_gap_starts(
    bugs: pd.DataFrame, comments: pd.DataFrame, as_of: int | None = None
) -> dict[int, int]:
    """Bug id -> start of the update gap running at the sync (epoch seconds), for every bug of
    unknown history still open then: the first CA update of the last UTC day the CA updated
    on (a later update the same day opens no gap of its own), else the bug's filing.

    Times are the whole store's, not cut at any ``as_of``: the gap is a fact of the sync.
    """
    unknown = bugs.loc[~bugs["history_known"].fillna(False).astype(bool) & bugs["closed"].isna()]
    if unknown.empty:
        return {}
    opened = dict(zip(unknown["bug_id"].tolist(), _seconds(unknown["opened"]), strict=True))
    updates = comments.loc[
        comments["bug_id"].isin(opened) & comments["is_ca_update"].astype(bool),
        ["bug_id", "time"],
    ]
    starts = dict(opened)
    times = _seconds(updates["time"])
    for bug, t in sorted(zip(updates["bug_id"].tolist(), times, strict=True)):
        u = starts[bug]
        if t >= opened[bug] and t // DAY > u // DAY:
            starts[bug] = t
    return starts


def unknown_when_cut(kind: str | None, cut: bool) -> str | None:
    """A cut text's report kind: what its visible part shows (a report, a closure), else
    unknown (None): an update or other comment may go on into a report."""
    if cut and kind in ("update", "other"):
        return None
    return kind


def _seconds(column: pd.Series) -> list[int]:
    stamps = pd.to_datetime(column, utc=True).dt.tz_localize(None)
    return stamps.to_numpy().astype("datetime64[s]").astype("int64").tolist()
