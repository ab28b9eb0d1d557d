"""The tidy tables cut at ``as_of`` and regrouped into one plain-Python record per bug.

Why: the rules walk each thread in time order. Doing that with DataFrame operations per bug is
slow; instead every table is filtered by time once, sorted once (so input row order never
matters), turned into column lists once, and sliced per bug.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from analyzer.metrics import fallback
from analyzer.tables import LanguageTables, ThreadTables

NAT = np.iinfo("int64").min


class Comment(NamedTuple):
    time: int
    count: int
    is_ca_update: bool
    is_public_other: bool  # public comment by a non-CA account
    url: str
    questions: int
    kind: str | None  # report kind; None when the text is unknown


@dataclass
class BugThread:
    """One bug as known at ``as_of``; times are epoch seconds, None for none."""

    bug_id: int
    ca: str
    status: str
    resolution: str
    opened: int
    closed: int | None  # the bugs table's (possibly estimated) close time, if <= as_of
    closed_estimated: bool
    history_known: bool
    url: str
    comments: list[Comment] = field(default_factory=list)
    status_changes: list[tuple[int, str, str, str]] = field(default_factory=list)
    resolutions: list[tuple[int, str]] = field(default_factory=list)
    needinfos: list[tuple[int, str, bool, int | None]] = field(default_factory=list)
    whiteboard: list[tuple[int, int | None]] = field(default_factory=list)
    initial_status: str | None = None  # status before the first status change in history


def seconds(column: pd.Series) -> np.ndarray:
    """Epoch seconds of a timestamp column (``NAT`` for NaT), whatever its unit or zone."""
    stamps = pd.to_datetime(column, utc=True)
    return stamps.dt.tz_localize(None).to_numpy().astype("datetime64[s]").astype("int64")


def _known_by(times: pd.Series, as_of: int) -> pd.Series:
    """Rows that happened by ``as_of``; a row without a time cannot be placed, so it is left out."""
    return (times != NAT) & (times <= as_of)


def _opt(value: int) -> int | None:
    return None if value == NAT else int(value)


def _text_or_empty(values: pd.Series) -> list[str]:
    return ["" if v is None or v is pd.NA or v != v else str(v) for v in values.tolist()]


def _groups(sorted_ids: np.ndarray, bug_ids: list[int]) -> Iterator[tuple[int, int]]:
    """(start, stop) slice of each bug in a table sorted by bug_id."""
    starts = np.searchsorted(sorted_ids, bug_ids, side="left").tolist()
    stops = np.searchsorted(sorted_ids, bug_ids, side="right").tolist()
    return zip(starts, stops, strict=True)


def language_columns(
    comments: pd.DataFrame, language: LanguageTables | None
) -> tuple[list[int], list[str | None], str]:
    """Questions and report kind per comment row, and which source they came from."""
    if language is not None and language.comment_language is not None:
        notes = language.comment_language[["bug_id", "count", "questions", "report_kind"]]
        annotated = comments[["bug_id", "count"]].merge(
            notes.drop_duplicates(["bug_id", "count"]),
            on=["bug_id", "count"],
            how="left",
        )
        questions = annotated["questions"].fillna(0).astype("int64").tolist()
        kinds = [None if k is None or k != k else str(k) for k in annotated["report_kind"].tolist()]
        # A comment without text has no knowable kind, whatever the annotator said.
        has_text = comments["_has_text"].tolist()
        kinds = [k if t else None for k, t in zip(kinds, has_text, strict=True)]
        return questions, kinds, "language stage"
    texts = _texts(comments)
    ca = comments["is_ca_update"].astype(bool).tolist()
    private = comments["is_private"].astype(bool).tolist()
    roles = comments["role"].tolist()
    questions = [
        fallback.count_questions(t) if (r != "ca" and not p) else 0
        for t, r, p in zip(texts, roles, private, strict=True)
    ]
    kinds = [fallback.report_kind(t) if c else None for t, c in zip(texts, ca, strict=True)]
    return questions, kinds, "fallback rule (sentences ending in '?' outside quotes)"


def _texts(comments: pd.DataFrame) -> list[str | None]:
    return [None if v is None or v is pd.NA or v != v else v for v in comments["text"].tolist()]


def build_threads(
    tables: ThreadTables, language: LanguageTables | None, as_of: int
) -> tuple[list[BugThread], str]:
    """One :class:`BugThread` per bug opened by ``as_of``, in bug id order."""
    bugs = tables.bugs
    opened = seconds(bugs["opened"])
    bugs = bugs.assign(_opened=opened, _closed=seconds(bugs["closed"]))
    bugs = bugs[_known_by(bugs["_opened"], as_of)].sort_values("bug_id", kind="stable")
    threads = []
    for row in zip(
        bugs["bug_id"].tolist(),
        _text_or_empty(bugs["ca"]),
        _text_or_empty(bugs["status"]),
        _text_or_empty(bugs["resolution"]),
        bugs["_opened"].tolist(),
        bugs["_closed"].tolist(),
        bugs["closed_estimated"].fillna(False).astype(bool).tolist(),
        bugs["history_known"].fillna(False).astype(bool).tolist(),
        _text_or_empty(bugs["url"]),
        strict=True,
    ):
        bug_id, ca, status, resolution, op, cl, estimated, known, url = row
        closed = _opt(cl)
        if closed is not None and closed > as_of:
            closed = None
        threads.append(
            BugThread(int(bug_id), ca, status, resolution, int(op), closed, estimated, known, url)
        )
    by_id = [t.bug_id for t in threads]
    source = _add_comments(threads, by_id, tables.comments, language, as_of)
    _add_changes(threads, by_id, tables.changes, as_of)
    _add_needinfos(threads, by_id, tables.needinfos, as_of)
    _add_whiteboard(threads, by_id, tables.whiteboard, as_of)
    return threads, source


def _add_comments(
    threads: list[BugThread],
    by_id: list[int],
    comments: pd.DataFrame,
    language: LanguageTables | None,
    as_of: int,
) -> str:
    # Only the fallback rules read the text: filtering and sorting it too would copy every
    # comment's text (~0.9 GB at 50x the real corpus) for a null check.
    needed = ["bug_id", "count", "time", "is_ca_update", "role", "is_private", "url"]
    if language is None or language.comment_language is None:
        needed.append("text")
    has_text = comments["text"].notna()
    comments = comments[needed].assign(_t=seconds(comments["time"]), _has_text=has_text)
    comments = comments[_known_by(comments["_t"], as_of)].sort_values(["bug_id", "_t", "count"])
    questions, kinds, source = language_columns(comments, language)
    columns = list(
        map(
            Comment._make,
            zip(
                comments["_t"].tolist(),
                comments["count"].astype("int64").tolist(),
                comments["is_ca_update"].astype(bool).tolist(),
                ((comments["role"] != "ca") & ~comments["is_private"].astype(bool)).tolist(),
                _text_or_empty(comments["url"]),
                questions,
                kinds,
                strict=True,
            ),
        )
    )
    ids = comments["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        thread.comments = columns[lo:hi]
    return source


def _add_changes(
    threads: list[BugThread], by_id: list[int], changes: pd.DataFrame, as_of: int
) -> None:
    changes = changes[changes["field_name"].isin(["status", "resolution"])]
    changes = changes.assign(_t=seconds(changes["when"])).sort_values(["bug_id", "_t", "seq"])
    rows = list(
        zip(
            changes["_t"].tolist(),
            changes["field_name"].tolist(),
            _text_or_empty(changes["removed"]),
            _text_or_empty(changes["added"]),
            _text_or_empty(changes["url"]),
            strict=True,
        )
    )
    ids = changes["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        for when, name, removed, added, url in rows[lo:hi]:
            if when == NAT:
                continue
            if name == "status" and thread.initial_status is None:
                thread.initial_status = removed  # the status it had before any change
            if when > as_of:
                continue
            if name == "status":
                thread.status_changes.append((when, removed, added, url))
            else:
                thread.resolutions.append((when, added))


def _add_needinfos(
    threads: list[BugThread], by_id: list[int], needinfos: pd.DataFrame, as_of: int
) -> None:
    needinfos = needinfos.assign(_set=seconds(needinfos["set_at"]))
    needinfos = needinfos.assign(_cleared=seconds(needinfos["cleared_at"]))
    needinfos = needinfos[_known_by(needinfos["_set"], as_of)]
    needinfos = needinfos.sort_values(["bug_id", "_set", "seq"])
    rows = list(
        zip(
            needinfos["_set"].tolist(),
            _text_or_empty(needinfos["set_url"]),
            needinfos["to_ca"].fillna(False).astype(bool).tolist(),
            needinfos["_cleared"].tolist(),
            strict=True,
        )
    )
    ids = needinfos["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        thread.needinfos = [
            (s, url, to_ca, None if (c == NAT or c > as_of) else c)
            for s, url, to_ca, c in rows[lo:hi]
        ]


def _add_whiteboard(
    threads: list[BugThread], by_id: list[int], whiteboard: pd.DataFrame, as_of: int
) -> None:
    board = whiteboard.assign(_from=seconds(whiteboard["valid_from"]))
    board = board.assign(_date=seconds(board["next_update"]))
    board = board[_known_by(board["_from"], as_of)].sort_values(["bug_id", "_from", "seq"])
    rows = list(zip(board["_from"].tolist(), board["_date"].tolist(), strict=True))
    ids = board["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        thread.whiteboard = [(start, _opt(day)) for start, day in rows[lo:hi]]
