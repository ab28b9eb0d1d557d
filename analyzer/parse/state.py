"""A bug's state at any moment (for ``--as-of``): rewind today's values through the history.

A field's value at ``as_of`` is the ``removed`` side of its first change after ``as_of``, or
today's value when it has not changed since. Bugs with unknown history keep today's values.
"""

from __future__ import annotations

import pandas as pd

from analyzer.tables import ThreadTables

# history field name -> bugs table column
_FIELDS = {
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
]


def bug_state_at(tables: ThreadTables, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per bug opened by ``as_of``: status, resolution, assignee, whiteboard, and the
    needinfo flags open at that moment (count and requestees, space separated)."""
    as_of = _utc(as_of)
    bugs = tables.bugs.loc[tables.bugs["opened"] <= as_of]
    state = bugs[["bug_id", "status", "resolution", "assignee", "whiteboard"]].set_index("bug_id")
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
    return state.reset_index()[COLUMNS]


def _utc(stamp: pd.Timestamp | str) -> pd.Timestamp:
    stamp = pd.Timestamp(stamp)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
