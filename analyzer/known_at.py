"""Every table as it was known at a past moment: what ``analyzer export --as-of`` writes.

Why: a study of how incidents stood at the end of a year must not see what happened after it.
Rows of events later than ``as_of`` are left out (bugs filed, comments, changes, needinfo
requests, whiteboard values); values that changed later are rewound (a bug's status,
resolution, assignee, whiteboard, summary and ``excluded`` through ``bug_state_at``; a needinfo
cleared or answered later is open and unanswered); the language tables keep only rows of the
comments kept; the metrics tables are judged at ``as_of``. Roles stay as the whole thread
decides them (an account assigned later is CA-side earlier too), as in the metrics stage.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from analyzer.bmo import CLOSED_STATUSES
from analyzer.parse.state import bug_state_at
from analyzer.utc import utc

if TYPE_CHECKING:
    from analyzer.corpus import Corpus

_REWOUND = ["status", "resolution", "assignee", "whiteboard", "summary", "excluded"]


def tables_known_at(corpus: Corpus, as_of: str | pd.Timestamp) -> dict[str, pd.DataFrame]:
    """Each table of ``corpus.TABLES`` as known at ``as_of`` (same columns, fewer rows)."""
    as_of = utc(as_of)
    tables = corpus.tables
    comments = tables.comments.loc[tables.comments["time"] <= as_of]
    changes = tables.changes.loc[tables.changes["when"] <= as_of]
    bugs = _bugs(corpus, as_of, comments, changes)
    needinfos = _needinfos(tables.needinfos, as_of)
    known: dict[str, pd.DataFrame] = {
        "bugs": bugs,
        "comments": comments.reset_index(drop=True),
        "changes": changes.reset_index(drop=True),
        "needinfos": needinfos,
        "whiteboard": _whiteboard(tables.whiteboard, as_of),
        "participants": _participants(tables.participants, bugs, comments, changes, needinfos),
        # what the parse stage could not read, for the bugs known by then
        "data_quality": tables.data_quality.loc[
            tables.data_quality["bug_id"].isin(bugs["bug_id"])
        ].reset_index(drop=True),
    }
    keys = pd.MultiIndex.from_frame(comments[["bug_id", "count"]])
    metrics = None
    for name in corpus.TABLES:
        if name in known:
            continue
        if name in _AHEAD:  # judged at as_of from the tables known then
            from analyzer.ahead.waiting import table_at

            metrics = metrics or corpus.metrics(as_of=as_of)
            known[name] = table_at(corpus, name, metrics, known)
        elif name in _METRICS:
            metrics = metrics or corpus.metrics(as_of=as_of)
            known[name] = getattr(metrics, name)
        else:  # a language table: one row per comment or per thing a comment says
            frame = corpus.language.commitments if name == "commitments" else corpus.table(name)
            inside = pd.MultiIndex.from_frame(frame[["bug_id", "count"]]).isin(keys)
            known[name] = frame.loc[inside].reset_index(drop=True)
            if name == "commitments":  # each promise's outcome as it stood at as_of
                from analyzer.ahead.promises import with_outcomes

                known[name] = with_outcomes(
                    known[name], known["comments"], corpus.comment_language, bugs, as_of
                )
    return {name: known[name] for name in corpus.TABLES}


_METRICS = frozenset({"deadlines", "bug_metrics", "breaches", "ca_months"})
_AHEAD = frozenset({"silences", "asks", "waiting"})


def _bugs(corpus: Corpus, as_of, comments, changes) -> pd.DataFrame:
    bugs = corpus.bugs.loc[corpus.bugs["opened"] <= as_of].copy()
    state = bug_state_at(corpus.tables, as_of, corpus.reference).set_index("bug_id")
    for column in _REWOUND:
        bugs[column] = bugs["bug_id"].map(state[column]).astype(bugs[column].dtype)
    bugs["closed"] = _closed_at(bugs, changes, as_of)
    bugs.loc[bugs["closed"].isna(), "closed_estimated"] = False
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
