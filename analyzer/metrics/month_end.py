"""Metrics as known at a month's end, for the trend: judged on only the bugs that can have a
deadline due in that month.

Why a subset: metrics judge each bug on its own rows, so judging a subset of bugs gives those
bugs' rows unchanged, and a trend month costs a tenth of a full run. Which bugs can matter
depends on the longest limit of any IRG version (the rulebook), so a future version with a
longer limit widens the look-back instead of silently changing the trend
(tests/test_scorecards_cli.py checks the counts against full runs).
"""

from __future__ import annotations

import dataclasses
from typing import TypeVar

import pandas as pd

from analyzer.metrics.rulebook import Rulebook, load_rulebook, longest_limit_days
from analyzer.months import Month
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables

Tables = TypeVar("Tables", ThreadTables, LanguageTables)


def look_back(rulebook: Rulebook) -> pd.Timedelta:
    """How long before a month an obligation due in it can have started: the longest limit,
    and a day more for an event late on the day before."""
    return pd.Timedelta(days=longest_limit_days(rulebook) + 1)


def month_end_metrics(
    tables: ThreadTables,
    language: LanguageTables | None,
    month: Month,
    as_of: pd.Timestamp,
    rulebook: Rulebook | None = None,
) -> MetricsResult:
    """The metrics as known at ``as_of`` (the month's end, or the last sync if earlier), of the
    bugs that can have a deadline due in ``month`` (see :func:`bugs_active_in`)."""
    from analyzer.metrics import compute

    rulebook = rulebook or load_rulebook()
    bug_ids = bugs_active_in(tables, month, look_back(rulebook))
    only_language = None if language is None else only(language, bug_ids)
    return compute(only(tables, bug_ids), only_language, as_of, rulebook=rulebook)


def bugs_active_in(tables: ThreadTables, month: Month, back: pd.Timedelta) -> pd.Index:
    """Every bug that could have a deadline due in ``month``: open near it, or with an event
    (comment, needinfo) shortly before or in it, or a Next-update date in it."""
    early = month.start - back
    bugs = tables.bugs
    near = (bugs["opened"] <= month.end) & (bugs["closed"].isna() | (bugs["closed"] >= early))
    ids = [bugs.loc[near, "bug_id"]]
    comments = tables.comments
    ids.append(comments.loc[comments["time"].between(early, month.end), "bug_id"])
    needinfos = tables.needinfos
    if len(needinfos):
        ids.append(needinfos.loc[needinfos["set_at"].between(early, month.end), "bug_id"])
    board = tables.whiteboard
    if len(board) and "next_update" in board:
        dated = board["next_update"].between(month.start - pd.Timedelta(days=1), month.end)
        ids.append(board.loc[dated, "bug_id"])
    return pd.Index(pd.concat(ids, ignore_index=True).unique())


def only(tables: Tables, bug_ids: pd.Index) -> Tables:
    """A copy of a stage's tables (a dataclass of DataFrames) holding only these bugs' rows."""
    changes = {
        item.name: frame[frame["bug_id"].isin(bug_ids)]
        for item in dataclasses.fields(tables)
        if isinstance(frame := getattr(tables, item.name), pd.DataFrame) and "bug_id" in frame
    }
    return dataclasses.replace(tables, **changes)
