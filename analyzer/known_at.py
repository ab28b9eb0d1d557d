"""Every table as it was known at a past moment: what ``analyzer export --as-of`` writes.

Why: a study of how incidents stood at the end of a year must not see what happened after it.
Rows of events later than ``as_of`` are left out (bugs filed, comments, changes, needinfo
requests, whiteboard values); values that changed later are rewound (a bug's status,
resolution, assignee, whiteboard and summary through ``bug_state_at``, whether it was judged
as the metrics stage judged it then; a needinfo cleared or answered later is open and
unanswered); the language tables keep only rows of the comments kept; the metrics tables are
judged at ``as_of``, ``ca_months`` each month as known at its end (the month running at
``as_of`` as known then). Roles stay as the whole thread decides them (an account assigned
later is CA-side earlier too), as in the metrics stage.

"As known at t" has one answer: the metrics stage cuts every event after ``t`` from the
threads (``analyzer.metrics.threads``: built at ``t``, or cut back to ``t`` by ``thread_at``
for a month's view); this module rewinds the raw tables the same way for export.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from analyzer.bmo import CLOSED_STATUSES
from analyzer.parse.state import bug_state_at
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables
from analyzer.utc import utc

_REWOUND = ["status", "resolution", "assignee", "whiteboard", "summary"]


def tables_known_at(
    names: Sequence[str],
    tables: ThreadTables,
    language: LanguageTables,
    reference: object,
    metrics: MetricsResult,
    ca_months: pd.DataFrame,
    language_table: Callable[[str], pd.DataFrame],
    ahead_table: Callable[[str, dict[str, pd.DataFrame]], pd.DataFrame],
    as_of: str | pd.Timestamp,
) -> dict[str, pd.DataFrame]:
    """Each table of ``names`` as known at ``as_of`` (same columns, fewer rows).

    ``metrics``: the evaluation at ``as_of``, which also says whether each bug was closed and
    judged then (the one answer every page and table gives); ``ca_months``: each month as
    known at its end (:mod:`analyzer.metrics.months`); ``language_table``: a language table by
    name; ``ahead_table``: an ahead table (silences, asks, waiting) by name, judged at
    ``as_of`` from the tables known then. Taking the stages' tables, not the corpus, keeps
    this module out of an import circle with :mod:`analyzer.corpus`."""
    as_of = utc(as_of)
    comments = tables.comments.loc[tables.comments["time"] <= as_of]
    changes = tables.changes.loc[tables.changes["when"] <= as_of]
    bugs = _bugs(tables, reference, metrics, as_of, comments, changes)
    needinfos = _needinfos(tables.needinfos, as_of)
    data_quality = tables.data_quality if tables.data_quality is not None else pd.DataFrame()
    known: dict[str, pd.DataFrame] = {
        "bugs": bugs,
        "comments": comments.reset_index(drop=True),
        "changes": changes.reset_index(drop=True),
        "needinfos": needinfos,
        "whiteboard": _whiteboard(tables.whiteboard, as_of),
        "participants": _participants(tables.participants, bugs, comments, changes, needinfos),
        # what the parse stage could not read, for the bugs known by then
        "data_quality": data_quality.loc[data_quality["bug_id"].isin(bugs["bug_id"])].reset_index(
            drop=True
        )
        if len(data_quality)
        else data_quality,
        "deadlines": metrics.deadlines,
        "bug_metrics": metrics.bug_metrics,
        "breaches": metrics.breaches if metrics.breaches is not None else pd.DataFrame(),
        "ca_months": ca_months,
    }
    keys = pd.MultiIndex.from_frame(comments[["bug_id", "count"]])
    for name in names:
        if name in known:
            continue
        if name in _AHEAD:  # judged at as_of from the tables known then
            known[name] = ahead_table(name, known)
            continue
        # a language table: one row per comment or per thing a comment says
        frame = language.commitments if name == "commitments" else language_table(name)
        inside = pd.MultiIndex.from_frame(frame[["bug_id", "count"]]).isin(keys)
        known[name] = frame.loc[inside].reset_index(drop=True)
        if name == "commitments":  # each promise's outcome as it stood at as_of
            from analyzer.ahead.promises import with_outcomes

            known[name] = with_outcomes(
                known[name], known["comments"], language.comment_language, bugs, as_of
            )
    return {name: known[name] for name in names}


_AHEAD = frozenset({"silences", "asks", "waiting"})


def _bugs(tables: ThreadTables, reference, metrics: MetricsResult, as_of, comments, changes):
    bugs = tables.bugs.loc[tables.bugs["opened"] <= as_of].copy()
    state = bug_state_at(tables, as_of, reference).set_index("bug_id")
    for column in _REWOUND:
        bugs[column] = bugs["bug_id"].map(state[column]).astype(bugs[column].dtype)
    # whether a bug was closed and judged then is the evaluation's answer, as on every page
    judged = metrics.bug_metrics.set_index("bug_id")
    dtype = tables.bugs["closed"].dtype
    closed = judged["closed"].reindex(bugs["bug_id"]).set_axis(bugs.index).astype(dtype)
    known = bugs["bug_id"].isin(judged.index)
    bugs["closed"] = closed.where(known, _closed_at(bugs, changes, as_of).astype(dtype))
    bugs.loc[bugs["closed"].isna(), "closed_estimated"] = False
    judged = judged["excluded"]
    excluded = bugs["bug_id"].map(judged).fillna(bugs["bug_id"].map(state["excluded"]))
    bugs["excluded"] = excluded.astype(bugs["excluded"].dtype)
    last = pd.concat(
        [
            comments[["bug_id", "time"]],
            changes[["bug_id", "when"]].rename(columns={"when": "time"}),
        ]
    )
    latest = last.groupby("bug_id")["time"].max()
    later = bugs["last_change_time"] > as_of
    if later.any():  # the latest comment or change by then, else the filing
        known = latest.reindex(bugs.loc[later, "bug_id"]).to_numpy()
        filled = pd.Series(known, index=bugs.index[later]).astype(bugs["opened"].dtype)
        bugs.loc[later, "last_change_time"] = filled.fillna(bugs.loc[later, "opened"])
    return bugs.reset_index(drop=True)


def _closed_at(bugs: pd.DataFrame, changes: pd.DataFrame, as_of) -> pd.Series:
    """When each bug last entered a closed status and stayed closed up to ``as_of``.

    With history: from the status changes up to ``as_of``; without it, today's (estimated)
    closing time when it is not later than ``as_of``."""
    closed = bugs["closed"].where(bugs["closed"] <= as_of)
    statuses = changes.loc[changes["field_name"] == "status"].sort_values(["when", "seq"])
    if statuses.empty:
        return closed
    entered = statuses.loc[
        statuses["added"].isin(CLOSED_STATUSES) & ~statuses["removed"].isin(CLOSED_STATUSES)
    ]
    last_entry = entered.groupby("bug_id")["when"].max()
    with_history = bugs["history_known"]
    now_closed = bugs["status"].isin(CLOSED_STATUSES)  # the status at as_of (rewound)
    # no status change in the history: today's closing time stands, as in the parse stage
    entry = pd.Series(last_entry.reindex(bugs["bug_id"]).to_numpy(), index=bugs.index)
    rewound = entry.astype(bugs["closed"].dtype).fillna(closed).where(now_closed)
    return closed.where(~with_history, rewound).astype(bugs["closed"].dtype)


def _needinfos(needinfos: pd.DataFrame, as_of) -> pd.DataFrame:
    rows = needinfos.loc[needinfos["set_at"] <= as_of].copy()
    later = ~(rows["cleared_at"] <= as_of) & (rows["cleared_at"].notna() | ~rows["open"])
    rows.loc[later, ["cleared_at"]] = pd.NaT
    rows.loc[later, ["cleared_by", "cleared_by_role"]] = None
    rows.loc[later, "cleared_how"] = "open"
    rows.loc[later, "open"] = True
    unanswered = rows["answered_at"] > as_of
    rows.loc[unanswered, "answered_at"] = pd.NaT
    rows.loc[unanswered, "answered_count"] = pd.NA
    rows.loc[unanswered, "answered_url"] = None
    return rows.reset_index(drop=True)


def _whiteboard(whiteboard: pd.DataFrame, as_of) -> pd.DataFrame:
    rows = whiteboard.loc[whiteboard["valid_from"] <= as_of].copy()
    rows.loc[rows["valid_to"] > as_of, "valid_to"] = pd.NaT
    return rows.reset_index(drop=True)


def _participants(participants, bugs, comments, changes, needinfos) -> pd.DataFrame:
    """Accounts that had acted in a bug by ``as_of``, with their comments up to then."""
    acted = [
        comments[["bug_id", "author"]].rename(columns={"author": "account"}),
        bugs[["bug_id", "creator"]].rename(columns={"creator": "account"}),
        bugs[["bug_id", "assignee"]].rename(columns={"assignee": "account"}),
        changes[["bug_id", "who"]].rename(columns={"who": "account"}),
    ]
    assigned = changes.loc[changes["field_name"] == "assigned_to"]
    acted += [
        assigned[["bug_id", side]].rename(columns={side: "account"})
        for side in ("removed", "added")
    ]
    acted += [
        needinfos[["bug_id", side]].rename(columns={side: "account"})
        for side in ("requestee", "setter", "cleared_by")
    ]
    seen = pd.concat(acted).dropna().drop_duplicates()
    keys = pd.MultiIndex.from_frame(seen[["bug_id", "account"]].astype({"account": "str"}))
    rows = participants.loc[
        pd.MultiIndex.from_frame(participants[["bug_id", "account"]]).isin(keys)
    ].copy()
    posted = comments.groupby(["bug_id", "author"]).size()
    index = pd.MultiIndex.from_frame(rows[["bug_id", "account"]])
    rows["comments"] = posted.reindex(index, fill_value=0).to_numpy().astype("int64")
    return rows.reset_index(drop=True)
