"""A bug's state at any moment (for ``--as-of``): rewind today's values through the history.

``excluded`` is ``exclusion.excluded_reason`` of the rewound summary, whiteboard, resolution and
status: why the bug was not judged at that moment (``""`` when it was).
A field's value at ``as_of`` is the ``removed`` side of its first change after ``as_of``, or
today's value when it has not changed since. Bugs with unknown history keep today's values.
"""

from __future__ import annotations

import pandas as pd

from analyzer.parse.exclusion import excluded_reason
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
    return state.reset_index()[COLUMNS]
