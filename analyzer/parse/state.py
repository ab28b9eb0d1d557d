"""A bug's state at any moment (for ``--as-of``): rewind today's values through the history;
and the parts of it the store may lack (SPEC "When the store lacks history or text"): when a
bug of unknown history closed (:func:`estimated_close`), and which comments BMO collapses
(:func:`collapsed_by`).

``excluded`` is ``exclusion.excluded_reason`` of the rewound summary, whiteboard, resolution and
status: why the bug was not judged at that moment (``""`` when it was).
A field's value at ``as_of`` is the ``removed`` side of its first change after ``as_of``, or
today's value when it has not changed since. Bugs with unknown history keep today's values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from analyzer.parse.exclusion import excluded_reason
from analyzer.parse.reference import Reference
from analyzer.tables import ThreadTables
from analyzer.utc import utc

# history field name -> bugs table column
_FIELDS = {
    "summary": "summary",
    "short_desc": "summary",
    "status": "status",
    "resolution": "resolution",
    "assigned_to": "assignee",
    "whiteboard": "whiteboard",
    "status_whiteboard": "whiteboard",
}
COLUMNS = [
    "bug_id",
    "status",
    "resolution",
    "assignee",
    "whiteboard",
    "needinfo_open",
    "needinfo_requestees",
    "summary",
    "excluded",
]


def bug_state_at(tables: ThreadTables, as_of: pd.Timestamp, exclusion_rules=None) -> pd.DataFrame:
    """One row per bug opened by ``as_of``: status, resolution, assignee, whiteboard, the
    needinfo flags open at that moment (count and requestees, space separated), summary, and
    ``excluded`` by ``exclusion_rules`` (a ``Reference``, a mapping, or ``None``: the shipped
    table)."""
    as_of = utc(as_of)
    bugs = tables.bugs.loc[tables.bugs["opened"] <= as_of]
    state = bugs[["bug_id", "status", "resolution", "assignee", "whiteboard", "summary"]]
    state = state.set_index("bug_id")
    overridden = _excluded_by_override(bugs, as_of)
    changes = tables.changes
    later = changes.loc[(changes["when"] > as_of) & changes["field_name"].isin(list(_FIELDS))]
    if not later.empty:
        later = later.assign(column=later["field_name"].map(_FIELDS))
        first = later.sort_values(["when", "seq"], kind="stable").drop_duplicates(
            ["bug_id", "column"]
        )
        for column, rows in first.groupby("column"):
            values = rows.set_index("bug_id")["removed"]
            values = values.loc[values.index.isin(state.index)]
            state.loc[values.index, column] = values
    needinfos = tables.needinfos
    still_open = (needinfos["set_at"] <= as_of) & (
        (needinfos["cleared_at"] > as_of) | (needinfos["cleared_at"].isna() & needinfos["open"])
    )
    open_rows = needinfos.loc[still_open]
    state["needinfo_open"] = open_rows.groupby("bug_id").size().reindex(state.index, fill_value=0)
    requestees = open_rows.assign(who=open_rows["requestee"].fillna("(anyone)"))
    state["needinfo_requestees"] = (
        requestees.groupby("bug_id")["who"].agg(" ".join).reindex(state.index).fillna("")
    )
    state["excluded"] = [
        excluded_reason(summary, whiteboard, resolution, status, exclusion_rules)
        for summary, whiteboard, resolution, status in zip(
            state["summary"],
            state["whiteboard"],
            state["resolution"],
            state["status"],
            strict=True,
        )
    ]
    if not overridden.empty:  # a staff override's exclusion, from its ``since`` on
        judged = state["excluded"] == ""
        reasons = overridden.reindex(state.index)
        take = judged & reasons.notna()
        state.loc[take, "excluded"] = reasons[take]
    return state.reset_index()[COLUMNS]


def _excluded_by_override(bugs: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """bug id -> the override's exclusion reason, for the bugs it excludes at ``as_of``."""
    if "excluded_since" not in bugs:
        return pd.Series(dtype=object)
    since = bugs["excluded_since"]
    chosen = bugs.loc[since.notna() & (since <= as_of)]
    return chosen.set_index("bug_id")["excluded"]


# The snapshot keeps the first 1,000 characters of comment 0 (store meta ``comment_text``); a
# text of exactly that length is cut unless its bug's history is known (a synced store).
TEXT_CUT_AT = 1000


def cut_texts(texts: pd.Series, history_known: pd.Series) -> np.ndarray:
    """Which texts are cut short: exactly :data:`TEXT_CUT_AT` long, on a bug of unknown
    history (``history_known`` aligned with ``texts``)."""
    unknown = ~history_known.fillna(False).astype(bool)
    if not unknown.any():  # a synced store: every text is whole (no pass over the texts)
        return np.zeros(len(texts), dtype=bool)
    return ((texts.str.len() == TEXT_CUT_AT) & unknown).to_numpy()


# A silence longer than this, followed only by community comments, ends a bug of unknown
# closing time: someone writing on a bug long closed does not reopen it.
LONG_SILENCE = timedelta(days=90)


def estimated_close(
    times: Sequence[str | None], roles: Sequence[str], opened: str | None
) -> str | None:
    """When a resolved bug without status history closed: at its last comment, unless every
    comment after some silence of more than 90 days is a community comment; then at the last
    comment before the earliest such silence. ``times`` (ISO, Z) and ``roles`` are the
    comments'; a comment without a readable time is left out."""
    dated = sorted(
        (moment, text, role)
        for text, role in zip(times, roles, strict=True)
        if (moment := _moment(text)) is not None
    )
    if not dated:
        return opened
    community_after = [True] * (len(dated) + 1)  # every comment from index i on is community
    for i in range(len(dated) - 1, -1, -1):
        community_after[i] = community_after[i + 1] and dated[i][2] == "community"
    for i in range(len(dated) - 1):
        if dated[i + 1][0] - dated[i][0] > LONG_SILENCE and community_after[i + 1]:
            return dated[i][1]
    return dated[-1][1]


def _moment(text: str | None) -> datetime | None:
    if not text or not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def comment_tags(value: object) -> str:
    """BMO's tags of a comment as one space-separated text (anything but a list of short
    words, as a hostile server may send, is no tag)."""
    if not isinstance(value, list):
        return ""
    words = [v.strip().lower() for v in value if isinstance(v, str) and 0 < len(v.strip()) <= 64]
    return " ".join(w for w in words if " " not in w)


def collapsed_by(tags: str, reference: Reference) -> bool:
    """BMO shows the comment collapsed: one of its tags is in ``comment_tags.csv``."""
    return bool(tags) and not reference.collapsing_tags.isdisjoint(tags.split())
