"""What is due: one row per open judged bug, and every pending or overdue deadline behind it.

A deadline is open while nothing has met it: ``pending`` (still running) or ``missed`` and still
unmet at ``as_of`` (:func:`due_from_tables`). Each open judged bug gets one row
(:func:`due_bugs`) with its most overdue obligation, or the next one due, and what a reviewer
asks next: the Next-update date on the whiteboard and who set it, the assignee, open needinfos,
the CA's last update and how many weekly updates the current silence has missed. Worst first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analyzer.bmo import bug_url, comment_url
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
    "start",
]
EXTRA_COLUMNS = ["basis", "repeat"]  # kept for the waiting list (analyzer.ahead.waiting)
BUG_COLUMNS = [
    "ca",
    "bug_id",
    "summary",
    "bug_url",
    "assignee",
    "next_update",
    "next_update_by",
    "next_update_honoured",
    "open_needinfos",
    "last_ca_update",
    "last_ca_update_url",
    "state",
    "rule",
    "irg_version",
    "due",
    "overdue_hours",
    "left_hours",
    "evidence_start",
    "missed_updates",
    "open_obligations",
    "caveat",
]
STATES = ("overdue", "pending", "none")
HONOURED_BY = ("root_program", "")  # "": history unknown, the date is honoured with a caveat
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
    """The open obligations at ``as_of`` (columns: ``COLUMNS``, then ``EXTRA_COLUMNS``),
    overdue first."""
    open_bugs = bugs[open_at(bugs, as_of)]
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
    return table.reindex(columns=[*COLUMNS, *EXTRA_COLUMNS])


def open_at(bugs: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Which rows of the bugs table are of bugs open at ``as_of``."""
    return (bugs["opened"] <= as_of) & (bugs["closed"].isna() | (bugs["closed"] > as_of))


def _overdue_first(column: pd.Series) -> pd.Series:
    return column.map({"overdue": 0, "pending": 1}) if column.name == "state" else column


def human_hours(hours: float) -> str:
    """``3d 4h`` / ``5h`` / ``<1h``: how a person says a span in a table or an email."""
    whole = int(hours)
    if whole < 1:
        return "<1h"
    days, rest = divmod(whole, 24)
    return f"{days}d {rest}h" if days else f"{rest}h"


def due_bugs(
    open_deadlines: pd.DataFrame,
    bugs: pd.DataFrame,
    judged: pd.Series,
    comments: pd.DataFrame,
    whiteboard: pd.DataFrame,
    needinfos: pd.DataFrame | None,
    as_of: pd.Timestamp,
    within: pd.Timedelta | None = None,
    ca: str | None = None,
) -> pd.DataFrame:
    """One row per bug open and judged at ``as_of`` (columns: ``BUG_COLUMNS``), worst first.

    ``open_deadlines``: :func:`due_from_tables` without a window; ``judged``: bug ids judged at
    ``as_of`` (``bug_metrics.excluded == ""``); ``needinfos`` None when the store has no history.
    When the whiteboard's history is unknown, its current Next-update date (still ahead) governs
    the gap running at ``as_of``: the weekly misses of that gap are not shown as overdue.
    """
    open_bugs = bugs[open_at(bugs, as_of) & bugs["bug_id"].isin(judged)]
    if ca is not None:
        open_bugs = open_bugs[open_bugs["ca"] == ca]
    # only the open bugs' rows: at 50x the real corpus most of 1.1M comments are of closed bugs
    mine = open_bugs["bug_id"].to_numpy()
    last_update = _last_ca_updates(comments, as_of, mine)
    boards = _current_boards(whiteboard[whiteboard["bug_id"].isin(mine)], as_of)
    asked = _open_needinfos(needinfos, as_of)
    states: list[tuple] = []  # per open bug: (next_update, set_by, honoured, caveats)
    silent_since: dict[int, pd.Timestamp] = {}  # bugs whose running gap a date governs
    for bug in open_bugs.itertuples(index=False):
        bug_id = int(bug.bug_id)
        last = last_update.get(bug_id)
        board = boards.get(bug_id)
        caveats = []
        next_update, set_by, honoured = pd.NaT, "", False
        if board is not None and not pd.isna(board.next_update):
            next_update = board.next_update
            set_by = "" if pd.isna(board.set_by) else str(board.set_by)
            still_ahead = next_update + pd.Timedelta(days=1) > as_of
            honoured = still_ahead and set_by in HONOURED_BY
            if honoured and not set_by:
                silent_since[bug_id] = bug.opened if last is None else last[0]
                caveats.append(
                    f"Next update {next_update:%Y-%m-%d} honoured for the current gap "
                    "(whiteboard history unknown)"
                )
        states.append((next_update, set_by, honoured, caveats))
    obligations = open_deadlines[open_deadlines["bug_id"].isin(open_bugs["bug_id"])]
    obligations = _honour_next_update(obligations, silent_since)
    worst = _worst_per_bug(obligations)
    overdue = obligations["state"] == "overdue"
    missed = obligations[(obligations["rule"] == "update_cadence") & overdue]
    missed_by_bug = missed.groupby("bug_id").size().to_dict()
    count_by_bug = obligations.groupby("bug_id").size().to_dict()
    rows = []
    for bug, (next_update, set_by, honoured, caveats) in zip(
        open_bugs.itertuples(index=False), states, strict=True
    ):
        bug_id = int(bug.bug_id)
        last = last_update.get(bug_id)
        top = worst.get(bug_id)
        caveat = "" if top is None or pd.isna(top.caveat) else str(top.caveat)
        if caveat and not any(caveat in said for said in caveats):
            caveats.append(caveat)
        rows.append(
            {
                "ca": bug.ca,
                "bug_id": bug_id,
                "summary": bug.summary,
                "bug_url": bug_url(bug_id),
                "assignee": "" if pd.isna(bug.assignee) else str(bug.assignee),
                "next_update": next_update,
                "next_update_by": (set_by or "unknown") if not pd.isna(next_update) else "",
                "next_update_honoured": bool(honoured),
                "open_needinfos": asked.get(bug_id, 0) if needinfos is not None else None,
                "last_ca_update": pd.NaT if last is None else last[0],
                "last_ca_update_url": None if last is None else comment_url(bug_id, last[1]),
                "state": "none" if top is None else top.state,
                "rule": "" if top is None else top.rule,
                "irg_version": "" if top is None else top.irg_version,
                "due": pd.NaT if top is None else top.due,
                "overdue_hours": 0.0 if top is None else float(top.overdue_hours),
                "left_hours": 0.0 if top is None else float(top.left_hours),
                "evidence_start": None if top is None else top.evidence_start,
                "missed_updates": int(missed_by_bug.get(bug_id, 0)),
                "open_obligations": int(count_by_bug.get(bug_id, 0)),
                "caveat": "; ".join(caveats),
            }
        )
    table = pd.DataFrame(rows, columns=BUG_COLUMNS)
    if within is not None:
        soon = table["state"].eq("overdue") | (
            table["state"].eq("pending") & (table["due"] <= as_of + within)
        )
        table = table[soon]
    order = table.assign(
        _state=table["state"].map({s: i for i, s in enumerate(STATES)}),
        _late=-table["overdue_hours"],
    ).sort_values(["_state", "_late", "due", "bug_id"], kind="stable")
    return order.drop(columns=["_state", "_late"]).reset_index(drop=True)


def _worst_per_bug(obligations: pd.DataFrame) -> dict[int, Any]:
    """Per bug, its most overdue obligation (ties: the earliest due), or, none overdue, the
    next one due; ties beyond that keep the table's order."""
    if obligations.empty:
        return {}
    late = obligations["state"] == "overdue"
    ranked = obligations.assign(
        _on_time=(~late).astype(int),
        _late=-obligations["overdue_hours"].where(late, 0.0),
        _row=range(len(obligations)),
    ).sort_values(["bug_id", "_on_time", "_late", "due", "_row"], kind="stable")
    first = ranked.drop_duplicates("bug_id").drop(columns=["_on_time", "_late", "_row"])
    return {int(row.bug_id): row for row in first.itertuples(index=False)}


def _honour_next_update(
    obligations: pd.DataFrame, silent_since: dict[int, pd.Timestamp]
) -> pd.DataFrame:
    """Drop the weekly misses of the gap running now on each bug of ``silent_since``: the
    Next-update date governs it."""
    if not silent_since:
        return obligations
    since = obligations["bug_id"].map(silent_since)
    current_gap = (
        since.notna()
        & (obligations["rule"] == "update_cadence")
        & (obligations["state"] == "overdue")
        & (obligations["start"] >= since)
    )
    return obligations[~current_gap]


def _last_ca_updates(
    comments: pd.DataFrame, as_of: pd.Timestamp, bug_ids: np.ndarray
) -> dict[int, tuple]:
    """Per bug of ``bug_ids``, the time and number of the CA's last update at or before
    ``as_of``."""
    updates = comments[["bug_id", "time", "count"]][  # not a copy of every comment's text
        comments["is_ca_update"].fillna(False).astype(bool)
        & (comments["time"] <= as_of)
        & comments["bug_id"].isin(bug_ids)
    ]
    last = updates.sort_values(["bug_id", "time", "count"]).drop_duplicates("bug_id", keep="last")
    return {
        int(b): (t, int(c))
        for b, t, c in zip(last["bug_id"], last["time"], last["count"], strict=True)
    }


def _current_boards(whiteboard: pd.DataFrame, as_of: pd.Timestamp) -> dict[int, Any]:
    """Per bug, the whiteboard value in force at ``as_of``."""
    if whiteboard.empty:
        return {}
    now = whiteboard[
        (whiteboard["valid_from"] <= as_of)
        & (whiteboard["valid_to"].isna() | (whiteboard["valid_to"] > as_of))
    ]
    return {int(row.bug_id): row for row in now.itertuples(index=False)}


def _open_needinfos(needinfos: pd.DataFrame | None, as_of: pd.Timestamp) -> dict[int, int]:
    """Per bug, needinfo flags on CA-side accounts set and not cleared at ``as_of``."""
    if needinfos is None or needinfos.empty:
        return {}
    ni = needinfos[
        needinfos["to_ca"].fillna(False).astype(bool)
        & (needinfos["set_at"] <= as_of)
        & (needinfos["cleared_at"].isna() | (needinfos["cleared_at"] > as_of))
    ]
    return {int(bug): int(n) for bug, n in ni.groupby("bug_id").size().items()}


def due_table(corpus, as_of=None, within=None, ca: str | None = None) -> pd.DataFrame:
    """Pending and overdue deadlines of the corpus at ``as_of`` (default: the last sync).

    Example::

        >>> from analyzer.ahead import due_table
        >>> due_table(analyzer.load(), within=pd.Timedelta(days=7)).head()
    """
    metrics = corpus.metrics(as_of)
    return due_from_tables(metrics.deadlines, corpus.bugs, metrics.as_of, within=within, ca=ca)


@dataclass(frozen=True)
class OpenBugs:
    """What is due at one moment: every open obligation and one row per open judged bug."""

    as_of: pd.Timestamp
    obligations: pd.DataFrame  # due_from_tables: every pending or overdue deadline
    bugs: pd.DataFrame  # due_bugs: one row per open judged bug, worst first


def open_bugs(corpus, as_of=None, within=None, ca: str | None = None) -> OpenBugs:
    """The obligations and bug rows the due table, the due page and "waiting" all start from:
    the tables of the bugs open at ``as_of`` only (at 50x the real corpus, a tenth of them)."""
    stamp = corpus.evaluation(as_of).as_of
    metrics = corpus.metrics(stamp, bug_ids=corpus.bugs.loc[open_at(corpus.bugs, stamp), "bug_id"])
    judged = metrics.bug_metrics.loc[metrics.bug_metrics["excluded"].fillna("") == "", "bug_id"]
    every = due_from_tables(metrics.deadlines, corpus.bugs, metrics.as_of, ca=ca)
    rows = due_bugs(
        every,
        corpus.bugs,
        judged,
        corpus.comments,
        corpus.whiteboard,
        corpus.needinfos if corpus.history_known else None,
        metrics.as_of,
        within=within,
        ca=ca,
    )
    return OpenBugs(metrics.as_of, every, rows)


def due_bug_table(corpus, as_of=None, within=None, ca: str | None = None) -> pd.DataFrame:
    """One row per open judged bug at ``as_of`` (default: the last sync), worst first.

    Example::

        >>> from analyzer.ahead import due_bug_table
        >>> due_bug_table(analyzer.load()).head()[["ca", "bug_id", "state", "rule", "due"]]
    """
    return open_bugs(corpus, as_of, within, ca).bugs
