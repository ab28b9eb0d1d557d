"""What is due: every pending or overdue deadline of the bugs open at ``as_of``.

A deadline is listed while nothing has met it: ``pending`` (still running) or ``missed`` and
still unmet at ``as_of``. Overdue ones come first (longest overdue first), then by due time.
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.env import InputError

COLUMNS = [
    "ca",
    "bug_id",
    "summary",
    "rule",
    "irg_version",
    "due",
    "state",
    "overdue_hours",
    "left_hours",
    "evidence_start",
    "bug_url",
    "caveat",
]
_WINDOW = re.compile(r"^\s*(\d+)\s*([hdw])\s*$", re.I)
_UNIT_HOURS = {"h": 1, "d": 24, "w": 24 * 7}


def parse_window(text: str) -> pd.Timedelta:
    """``7d``, ``48h``, ``2w`` as a duration; anything else is bad input (exit 2)."""
    match = _WINDOW.match(text or "")
    if not match or not 0 < int(match.group(1)) <= 100_000:
        raise InputError(
            f"--within {text!r} is not a window such as 7d, 48h or 2w (a positive number of "
            "hours, days or weeks)."
        )
    return pd.Timedelta(hours=int(match.group(1)) * _UNIT_HOURS[match.group(2).lower()])


def due_from_tables(
    deadlines: pd.DataFrame,
    bugs: pd.DataFrame,
    as_of: pd.Timestamp,
    within: pd.Timedelta | None = None,
    ca: str | None = None,
) -> pd.DataFrame:
    """The open obligations at ``as_of`` (columns: ``COLUMNS``), overdue first."""
    open_bugs = bugs[(bugs["opened"] <= as_of) & (bugs["closed"].isna() | (bugs["closed"] > as_of))]
    unmet = deadlines["met_at"].isna() | (deadlines["met_at"] > as_of)
    rows = deadlines[
        deadlines["outcome"].isin(["pending", "missed"])
        & unmet
        & deadlines["bug_id"].isin(open_bugs["bug_id"])
    ]
    if ca is not None:
        rows = rows[rows["ca"] == ca]
    if within is not None:
        rows = rows[rows["due"] <= as_of + within]
    rows = rows.merge(
        open_bugs[["bug_id", "summary", "url"]].rename(columns={"url": "bug_url"}), on="bug_id"
    )
    late = rows["due"] < as_of
    hours = (as_of - rows["due"]) / pd.Timedelta(hours=1)
    table = rows.assign(
        state=late.map({True: "overdue", False: "pending"}),
        overdue_hours=hours.where(late, 0.0),
        left_hours=(-hours).where(~late, 0.0),
    )
    table = table.sort_values(
        ["state", "due", "bug_id", "rule"], key=_overdue_first, ignore_index=True
    )
    return table.reindex(columns=COLUMNS)


def _overdue_first(column: pd.Series) -> pd.Series:
    return column.map({"overdue": 0, "pending": 1}) if column.name == "state" else column


def human_hours(hours: float) -> str:
    """``3d 4h`` / ``5h`` / ``<1h``: how a person says a span in a table or an email."""
    whole = int(hours)
    if whole < 1:
        return "<1h"
    days, rest = divmod(whole, 24)
    return f"{days}d {rest}h" if days else f"{rest}h"


def due_table(corpus, as_of=None, within=None, ca: str | None = None) -> pd.DataFrame:
    """Pending and overdue deadlines of the corpus at ``as_of`` (default: the last sync).

    Example::

        >>> from analyzer.ahead import due_table
        >>> due_table(analyzer.load(), within=pd.Timedelta(days=7)).head()
    """
    metrics = corpus.metrics(as_of)
    return due_from_tables(metrics.deadlines, corpus.bugs, metrics.as_of, within=within, ca=ca)
