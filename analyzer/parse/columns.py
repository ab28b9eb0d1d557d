"""Column lists filled row by row, turned into one typed DataFrame per table at the end.

The schemas are the column contract of docs/tables.md (order and types); tests check the two
agree.
"""

from __future__ import annotations

import pandas as pd

from analyzer.tables import text_column

# kinds: int, Int64 (nullable int), bool, str, ts (tz-aware UTC)
SCHEMAS: dict[str, dict[str, str]] = {
    "bugs": {
        "bug_id": "int",
        "summary": "str",
        "ca": "str",
        "ca_known": "bool",
        "product": "str",
        "component": "str",
        "status": "str",
        "resolution": "str",
        "creator": "str",
        "assignee": "str",
        "whiteboard": "str",
        "opened": "ts",
        "closed": "ts",
        "closed_estimated": "bool",
        "last_change_time": "ts",
        "history_known": "bool",
        "url": "str",
        "filed_by": "str",
        "excluded": "str",
        "override": "str",
        "excluded_since": "ts",
    },
    "comments": {
        "bug_id": "int",
        "count": "int",
        "comment_id": "Int64",
        "author": "str",
        "time": "ts",
        "is_private": "bool",
        "text": "str",
        "role": "str",
        "is_ca_update": "bool",
        "url": "str",
        "tags": "str",
        "collapsed": "bool",
    },
    "changes": {
        "bug_id": "int",
        "seq": "int",
        "when": "ts",
        "who": "str",
        "field_name": "str",
        "removed": "str",
        "added": "str",
        "role": "str",
        "url": "str",
    },
    "needinfos": {
        "bug_id": "int",
        "seq": "int",
        "requestee": "str",
        "requestee_role": "str",
        "to_ca": "bool",
        "setter": "str",
        "set_at": "ts",
        "set_url": "str",
        "cleared_at": "ts",
        "cleared_by": "str",
        "cleared_how": "str",
        "answered_at": "ts",
        "answered_count": "Int64",
        "answered_url": "str",
        "open": "bool",
        "set_count": "Int64",
        "cleared_by_role": "str",
    },
    "whiteboard": {
        "bug_id": "int",
        "seq": "int",
        "valid_from": "ts",
        "valid_to": "ts",
        "value": "str",
        "tags": "str",
        "next_update": "ts",
        "next_update_text": "str",
        "next_update_status": "str",
        "close_on": "ts",
        "set_by": "str",
        "url": "str",
        "set_by_role": "str",
        "override": "str",
    },
    "participants": {
        "bug_id": "int",
        "account": "str",
        "role": "str",
        "reason": "str",
        "comments": "int",
    },
    "data_quality": {
        "bug_id": "int",
        "where": "str",
        "field": "str",
        "value": "str",
        "problem": "str",
        "action": "str",
    },
}


class Columns:
    """One list per column of ``table``; ``append`` adds a row given as keyword arguments.

    Hot loops append to ``data[column]`` directly; columns left empty are filled with nulls.
    """

    def __init__(self, table: str) -> None:
        self.table = table
        self.data: dict[str, list] = {name: [] for name in SCHEMAS[table]}

    def append(self, **row: object) -> None:
        data = self.data
        for name, value in row.items():
            data[name].append(value)

    def frame(self) -> pd.DataFrame:
        """The table with exactly the schema's columns, in order, typed."""
        length = max(len(values) for values in self.data.values())
        columns = {}
        for name, kind in SCHEMAS[self.table].items():
            values = self.data[name] or [None] * length
            columns[name] = _typed(values, kind)
        return pd.DataFrame(columns)


def _typed(values: list, kind: str) -> pd.Series:
    if kind == "ts":
        stamps = pd.to_datetime(values, utc=True, format="ISO8601")
        return pd.Series(stamps, dtype="datetime64[ns, UTC]")
    if kind == "int":
        return pd.Series(values, dtype="int64")
    if kind == "Int64":
        return pd.Series(values, dtype="Int64")
    if kind == "bool":
        return pd.Series(values, dtype="bool")
    return text_column(values)
