"""Silences: one row per update gap of a bug, its weekly repeats collapsed (the ``silences`` table).

Why: the deadlines table has one ``update_cadence`` row per missed week, so a CA silent for
five months is twenty rows; a researcher asking "how long were CAs silent" wants one row per
silence. A gap runs from a CA update (or the start of an open period) to the CA's next update,
the end of the open period or of the cadence (a Closure Report, a closing notice), or ``as_of``
(still running). Only gaps that reached a deadline are rows: a gap the bug's close or a stop
cut before its first deadline has no row in the deadlines table either.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

COLUMNS = [
    "bug_id",
    "ca",
    "irg_version",
    "start",
    "start_url",
    "first_due",
    "end",
    "end_url",
    "ended_by",
    "running",
    "weeks_missed",
    "overdue_hours",
    "silent_days",
    "basis",
    "caveat",
]
ENDED_BY = ("update", "closed", "stopped", "running")
_SECOND = pd.Timedelta(seconds=1)


def silences_from_tables(
    deadlines: pd.DataFrame, bugs: pd.DataFrame, as_of: pd.Timestamp
) -> pd.DataFrame:
    """One row per update gap in ``deadlines`` (judged at ``as_of``), by bug and start."""
    rows = deadlines[deadlines["rule"] == "update_cadence"].sort_values(
        ["bug_id", "start", "repeat"], kind="stable", ignore_index=True
    )
    if rows.empty:
        return _empty()
    gap = (rows["repeat"] == 0).cumsum()
    rows = rows.assign(
        _gap=gap,
        _missed=(rows["outcome"] == "missed").astype("int64"),
        _end=rows["met_at"].where(
            rows["met_at"].notna(),
            rows["due"] + pd.to_timedelta(rows["overdue_hours"], unit="h"),
        ),
    )
    grouped = rows.groupby("_gap", sort=False)
    first = grouped.first()
    last = grouped.nth(-1).set_index("_gap")
    missed = grouped["_missed"].sum()
    caveats = _each_once(rows, "caveat", "; ")
    bases = _each_once(rows, "basis", " ")
    running = last["outcome"].eq("pending") | (
        last["met_at"].isna() & (last["_end"] >= as_of - _SECOND)
    )
    updated = last["met_at"].notna()
    end = last["_end"].dt.round("s").where(~running)
    closed = last["bug_id"].map(bugs.set_index("bug_id")["closed"])
    by_close = ~updated & ~running & closed.notna() & ((end - closed).abs() <= _SECOND)
    ended_by = np.select(
        [running, updated, by_close], ["running", "update", "closed"], default="stopped"
    )
    first_missed = rows[rows["_missed"] == 1].groupby("_gap")["due"].first()
    until = end.fillna(as_of)
    overdue = (until - first_missed.reindex(first.index)) / pd.Timedelta(hours=1)
    table = pd.DataFrame(
        {
            "bug_id": first["bug_id"].astype("int64"),
            "ca": first["ca"],
            "irg_version": first["irg_version"],
            "start": first["start"],
            "start_url": first["evidence_start"],
            "first_due": first["due"],
            "end": end,
            "end_url": last["evidence_met"].where(updated),
            "ended_by": ended_by,
            "running": running.astype(bool),
            "weeks_missed": missed.astype("int64"),
            "overdue_hours": overdue.fillna(0.0).clip(lower=0.0).round(2),
            "silent_days": ((until - first["start"]) / pd.Timedelta(days=1)).round(3),
            "basis": bases,
            "caveat": caveats,
        }
    )
    return (
        table.reset_index(drop=True)
        .reindex(columns=COLUMNS)
        .astype(
            {
                c: "str"
                for c in (
                    "ca",
                    "irg_version",
                    "start_url",
                    "end_url",
                    "ended_by",
                    "basis",
                    "caveat",
                )
            }
        )
    )


def _each_once(rows: pd.DataFrame, column: str, sep: str) -> pd.Series:
    """Per gap, each distinct part of ``column`` over its rows once, in order (plain Python:
    a pandas aggregation per group costs a second on the real corpus)."""
    parts: dict[int, dict[str, None]] = {}
    for gap, value in zip(rows["_gap"].tolist(), rows[column].tolist(), strict=True):
        seen = parts.setdefault(gap, {})
        if isinstance(value, str) and value:
            seen.update(dict.fromkeys(value.split(sep)))
    return pd.Series({gap: sep.join(seen) for gap, seen in parts.items()})


def _empty() -> pd.DataFrame:
    utc = "datetime64[ns, UTC]"
    types = {
        "bug_id": "int64", "ca": "str", "irg_version": "str", "start": utc, "start_url": "str",
        "first_due": utc, "end": utc, "end_url": "str", "ended_by": "str", "running": "bool",
        "weeks_missed": "int64", "overdue_hours": "float64", "silent_days": "float64",
        "basis": "str", "caveat": "str",
    }  # fmt: skip
    return pd.DataFrame({c: pd.Series(dtype=types[c]) for c in COLUMNS})
