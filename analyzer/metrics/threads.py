"""The tidy tables cut at ``as_of`` and regrouped into one plain-Python record per bug.

Why: the rules walk each thread in time order. Doing that with DataFrame operations per bug is
slow; instead every table is filtered by time once, sorted once (so input row order never
matters), turned into column lists once, and sliced per bug.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from analyzer.metrics import fallback, lacks
from analyzer.parse.exclusion import has_meta_tag
from analyzer.tables import LanguageTables, ThreadTables

NAT = np.iinfo("int64").min
REVOCATION_DELAY_TAG = "leaf-revocation-delay"


class Comment(NamedTuple):
    time: int
    count: int
    is_ca_update: bool  # public comment by a CA-side account
    is_public_other: bool  # public comment by a non-CA account
    role: str
    url: str
    questions: int
    kind: str | None  # report kind; None when the text is unknown
    expects_reply: bool | None  # None: the store has no text to tell
    closing_notice: bool
    cut: bool = False  # the store has only the start of its text (metrics/lacks.py)


class Board(NamedTuple):
    """One whiteboard value: in force from ``start`` until the next value's start."""

    start: int
    day: int | None  # 00:00 UTC of its Next-update day, None when none
    set_by_role: str | None  # None: unknown (history unknown)
    revocation_delay: bool
    close_on: bool  # carries a [close on DATE] tag
    url: str
    meta: bool = False  # carries a [meta] tag (the bug is not judged while it does)
    # history unknown: today's value, read from the start of the update gap running at the
    # sync as if a root program wrote it then (metrics/lacks.py)
    assumed: bool = False
    override: str = ""  # the staff override that added this value (its provenance)
    text: str = ""  # the whiteboard's value (what ``whiteboard_text`` is at a later moment)


class Needinfo(NamedTuple):
    set_at: int
    url: str
    to_ca: bool
    cleared_at: int | None
    cleared_by_role: str | None


class ActionItem(NamedTuple):
    count: int  # the report comment whose table lists it
    due_day: int  # 00:00 UTC of its due date
    done: bool


@dataclass
class BugThread:
    """One bug as known at ``as_of``; times are epoch seconds, None for none."""

    bug_id: int
    ca: str
    summary: str
    status: str
    resolution: str
    opened: int
    closed: int | None  # the bugs table's (possibly estimated) close time, if <= as_of
    closed_estimated: bool
    history_known: bool
    filed_by: str
    url: str
    comments: list[Comment] = field(default_factory=list)
    status_changes: list[tuple[int, str, str, str]] = field(default_factory=list)
    resolutions: list[tuple[int, str]] = field(default_factory=list)
    needinfos: list[Needinfo] = field(default_factory=list)
    whiteboard: list[Board] = field(default_factory=list)
    initial_status: str | None = None  # status before the first status change in history
    whiteboard_text: str = ""  # the whiteboard as it stood at ``as_of``
    identified: tuple[int, str] | None = None  # (time, evidence) of the CA's identified date
    identified_posted: int | None = None  # when the report stating ``identified`` was posted
    # every statement of it: (posted, identified, evidence), by posting time (:func:`thread_at`)
    identified_stated: list[tuple[int, int, str]] = field(default_factory=list)
    action_items: list[ActionItem] = field(default_factory=list)
    close_override: str = ""  # provenance of a staff override giving ``closed``
    # (since, reason) of a staff override excluding the bug from ``since``
    excluded_override: tuple[int, str] | None = None
    # the corpus's non-incident resolutions (the shipped table and the user's reference/
    # excluded_resolutions.csv, as the parse stage read them); None: the shipped table
    exclusion_rules: Mapping[str, str] | None = None


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
    """Each value as text, "" for a missing one."""
    return values.fillna("").astype(str).tolist()


def _flags(values: pd.Series) -> list[bool | None]:
    return [None if v is None or v is pd.NA or v != v else bool(v) for v in values.tolist()]


def _groups(sorted_ids: np.ndarray, bug_ids: list[int]) -> Iterator[tuple[int, int]]:
    """(start, stop) slice of each bug in a table sorted by bug_id."""
    starts = np.searchsorted(sorted_ids, bug_ids, side="left").tolist()
    stops = np.searchsorted(sorted_ids, bug_ids, side="right").tolist()
    return zip(starts, stops, strict=True)


def language_columns(comments: pd.DataFrame, language: LanguageTables | None) -> tuple[dict, str]:
    """Questions, report kind, expects-reply and closing-notice per comment row, and which
    source they came from."""
    has_text = comments["_has_text"].tolist()
    cut = comments["_cut"].tolist()
    if language is not None and language.comment_language is not None:
        notes = language.comment_language
        wanted = [
            c
            for c in ("questions", "report_kind", "expects_reply", "closing_notice")
            if c in notes.columns
        ]
        annotated = comments[["bug_id", "count"]].merge(
            notes[["bug_id", "count", *wanted]].drop_duplicates(["bug_id", "count"]),
            on=["bug_id", "count"],
            how="left",
        )
        questions = annotated["questions"].fillna(0).astype("int64").tolist()
        kinds = [None if k is None or k != k else str(k) for k in annotated["report_kind"].tolist()]
        # A comment without text has no knowable kind, whatever the annotator said.
        kinds = [k if t else None for k, t in zip(kinds, has_text, strict=True)]
        kinds = [lacks.unknown_when_cut(k, c) for k, c in zip(kinds, cut, strict=True)]
        expects = (
            _flags(annotated["expects_reply"])
            if "expects_reply" in annotated
            else [None] * len(kinds)
        )
        expects = [e if t else None for e, t in zip(expects, has_text, strict=True)]
        expects = [None if c and e is False else e for e, c in zip(expects, cut, strict=True)]
        closing = (
            [bool(v) for v in _flags(annotated["closing_notice"])]
            if "closing_notice" in annotated
            else [False] * len(kinds)
        )
        source = "language stage"
    else:
        texts = [None if v is None or v is pd.NA or v != v else v for v in comments["text"]]
        ca = comments["is_ca_update"].astype(bool).tolist()
        private = comments["is_private"].astype(bool).tolist()
        roles = comments["role"].tolist()
        questions = [
            fallback.count_questions(t) if (r != "ca" and not p) else 0
            for t, r, p in zip(texts, roles, private, strict=True)
        ]
        kinds = [fallback.report_kind(t) if c else None for t, c in zip(texts, ca, strict=True)]
        kinds = [lacks.unknown_when_cut(k, c) for k, c in zip(kinds, cut, strict=True)]
        expects = [None if t is None else True for t in texts]
        closing = [False] * len(texts)
        source = "fallback rule (sentences ending in '?' outside quotes)"
    return {
        "questions": questions,
        "kinds": kinds,
        "expects": expects,
        "closing": closing,
    }, source


def build_threads(
    tables: ThreadTables,
    language: LanguageTables | None,
    as_of: int,
    exclusion_rules: Mapping[str, str] | None = None,
) -> tuple[list[BugThread], str]:
    """One :class:`BugThread` per bug opened by ``as_of``, in bug id order. ``exclusion_rules``:
    the non-incident resolutions the parse stage used (:attr:`Reference.excluded_resolutions`),
    so a bug is excluded at a moment by the same table as ``bugs.excluded`` today."""
    running = lacks.running_gap_starts(tables.bugs, tables.comments)
    opened = seconds(tables.bugs["opened"])
    bugs = tables.bugs
    bugs = bugs.assign(_opened=opened, _closed=seconds(bugs["closed"]))
    bugs = bugs[_known_by(bugs["_opened"], as_of)].sort_values("bug_id", kind="stable")
    roles = _role_lookup(tables.participants)
    filed_by = (
        _text_or_empty(bugs["filed_by"]) if "filed_by" in bugs else _creator_roles(bugs, roles)
    )
    threads = []
    overrides = _overrides(bugs)
    for row in zip(
        bugs["bug_id"].tolist(),
        _text_or_empty(bugs["ca"]),
        _text_or_empty(bugs["summary"]),
        _text_or_empty(bugs["status"]),
        _text_or_empty(bugs["resolution"]),
        bugs["_opened"].tolist(),
        bugs["_closed"].tolist(),
        bugs["closed_estimated"].fillna(False).astype(bool).tolist(),
        bugs["history_known"].fillna(False).astype(bool).tolist(),
        filed_by,
        _text_or_empty(bugs["url"]),
        strict=True,
    ):
        bug_id, ca, summary, status, resolution, op, cl, estimated, known, filer, url = row
        closed = _opt(cl)
        if closed is not None and closed > as_of:
            closed = None
        threads.append(
            BugThread(
                int(bug_id),
                ca,
                summary,
                status,
                resolution,
                int(op),
                closed,
                estimated,
                known,
                filer or "community",
                url,
            )
        )
        threads[-1].exclusion_rules = exclusion_rules
        if overrides and int(bug_id) in overrides:
            threads[-1].close_override, threads[-1].excluded_override = overrides[int(bug_id)]
    by_id = [t.bug_id for t in threads]
    source = _add_comments(threads, by_id, tables.comments, language, as_of, tables.bugs)
    _add_changes(threads, by_id, tables.changes, as_of)
    _add_needinfos(threads, by_id, tables.needinfos, roles, as_of)
    _add_whiteboard(threads, by_id, tables.whiteboard, roles, as_of, running)
    if language is not None:
        _add_identified(threads, by_id, tables.comments, language.report_fields, as_of)
        _add_action_items(threads, by_id, tables.comments, language.action_items, as_of)
    return threads, source


def _overrides(bugs: pd.DataFrame) -> dict[int, tuple[str, tuple[int, str] | None]]:
    """bug id -> (close override's provenance, (since, reason) of an exclusion override), for
    the bugs staff overrides changed (``bugs.override``)."""
    if "override" not in bugs or not bugs["override"].fillna("").astype(bool).any():
        return {}
    changed = bugs.loc[bugs["override"].fillna("").astype(bool)]
    since = seconds(changed["excluded_since"])
    out: dict[int, tuple[str, tuple[int, str] | None]] = {}
    for bug_id, notes, at, reason in zip(
        changed["bug_id"].tolist(),
        changed["override"].tolist(),
        since.tolist(),
        _text_or_empty(changed["excluded"]),
        strict=True,
    ):
        close = next((n for n in notes.split("; ") if "close_times.csv" in n), "")
        out[int(bug_id)] = (close, None if at == NAT else (int(at), reason))
    return out


def _cut_texts(comments: pd.DataFrame, bugs: pd.DataFrame) -> pd.Series:
    """Which comments' texts are cut short (:func:`lacks.cut_texts`)."""
    known = dict(zip(bugs["bug_id"].tolist(), bugs["history_known"].tolist(), strict=True))
    history = comments["bug_id"].map(known).fillna(False).astype(bool)
    return pd.Series(lacks.cut_texts(comments["text"], history), index=comments.index)


def _creator_roles(bugs: pd.DataFrame, roles: dict[tuple[int, str], str]) -> list[str]:
    """The role of each bug's creator in it (for tables made before ``bugs.filed_by``)."""
    return [
        roles.get((b, c), "community")
        for b, c in zip(bugs["bug_id"].tolist(), bugs["creator"].tolist(), strict=True)
    ]


def _roles_at(frame: pd.DataFrame, column: str) -> list[str]:
    """The parse stage's role of an actor at the time it acted ("" for tables made before the
    column existed: the participants' role is used then)."""
    if column not in frame.columns:
        return [""] * len(frame)
    return _text_or_empty(frame[column])


def _role_lookup(participants: pd.DataFrame) -> dict[tuple[int, str], str]:
    return dict(
        zip(
            zip(participants["bug_id"].tolist(), participants["account"].tolist(), strict=True),
            participants["role"].tolist(),
            strict=True,
        )
    )


def _add_comments(
    threads: list[BugThread],
    by_id: list[int],
    comments: pd.DataFrame,
    language: LanguageTables | None,
    as_of: int,
    bugs: pd.DataFrame,
) -> str:
    # Only the fallback rules read the text: filtering and sorting it too would copy every
    # comment's text (~0.9 GB at 50x the real corpus) for a null check.
    needed = ["bug_id", "count", "time", "is_ca_update", "role", "is_private", "url"]
    if language is None or language.comment_language is None:
        needed.append("text")
    has_text = comments["text"].notna()
    cut = _cut_texts(comments, bugs)
    hidden = (
        comments["collapsed"].fillna(False).astype(bool)
        if "collapsed" in comments
        else pd.Series(False, index=comments.index)
    )
    comments = comments[needed].assign(
        _t=seconds(comments["time"]), _has_text=has_text, _cut=cut, _hidden=hidden
    )
    comments = comments[_known_by(comments["_t"], as_of)].sort_values(["bug_id", "_t", "count"])
    reading, source = language_columns(comments, language)
    columns = list(
        map(
            Comment._make,
            zip(
                comments["_t"].tolist(),
                comments["count"].astype("int64").tolist(),
                comments["is_ca_update"].astype(bool).tolist(),
                (
                    (comments["role"] != "ca")
                    & ~comments["is_private"].astype(bool)
                    & ~comments["_hidden"]
                ).tolist(),
                _text_or_empty(comments["role"]),
                _text_or_empty(comments["url"]),
                reading["questions"],
                reading["kinds"],
                reading["expects"],
                reading["closing"],
                comments["_cut"].astype(bool).tolist(),
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
    threads: list[BugThread],
    by_id: list[int],
    needinfos: pd.DataFrame,
    roles: dict[tuple[int, str], str],
    as_of: int,
) -> None:
    needinfos = needinfos.assign(_set=seconds(needinfos["set_at"]))
    needinfos = needinfos.assign(_cleared=seconds(needinfos["cleared_at"]))
    needinfos = needinfos[_known_by(needinfos["_set"], as_of)]
    needinfos = needinfos.sort_values(["bug_id", "_set", "seq"])
    rows = list(
        zip(
            needinfos["bug_id"].tolist(),
            needinfos["_set"].tolist(),
            _text_or_empty(needinfos["set_url"]),
            needinfos["to_ca"].fillna(False).astype(bool).tolist(),
            needinfos["_cleared"].tolist(),
            _text_or_empty(needinfos["cleared_by"]),
            _roles_at(needinfos, "cleared_by_role"),
            strict=True,
        )
    )
    ids = needinfos["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        thread.needinfos = [
            Needinfo(
                s,
                url,
                to_ca,
                None if (c == NAT or c > as_of) else c,
                (at or roles.get((bug, by), "community")) if by else None,
            )
            for bug, s, url, to_ca, c, by, at in rows[lo:hi]
        ]


def _add_whiteboard(
    threads: list[BugThread],
    by_id: list[int],
    whiteboard: pd.DataFrame,
    roles: dict[tuple[int, str], str],
    as_of: int,
    running: dict[int, int],
) -> None:
    """Each bug's whiteboard values; a bug of unknown history (one value, dated at the sync)
    gets it from the start of the gap running at the sync (``running``, :mod:`lacks`)."""
    starts = seconds(whiteboard["valid_from"])
    assumed: np.ndarray = np.zeros(len(whiteboard), dtype=bool)
    if running:  # bugs of unknown history: their one whiteboard row of today's value
        # (where a staff override says who set a date when, it wins over this reading)
        assumed = (whiteboard["bug_id"].isin(running) & whiteboard["set_by"].isna()).to_numpy()
        overridden = set(whiteboard.loc[whiteboard["set_by"].notna(), "bug_id"]) & set(running)
        assumed = assumed & ~whiteboard["bug_id"].isin(overridden).to_numpy()
        gap_start = whiteboard["bug_id"].map(running).fillna(NAT).astype("int64").to_numpy()
        starts = np.where(assumed, gap_start, starts)
    board = whiteboard.assign(_from=starts, _assumed=assumed)
    board = board.assign(_date=seconds(board["next_update"]))
    board = board.sort_values(["bug_id", "_from", "seq"])
    # With the history unknown, the one value known is the whole history's: a [meta] tag in it
    # counts from the start (SPEC "Which bugs are judged"), whenever the store saw it.
    last = board.drop_duplicates("bug_id", keep="last")
    current = dict(zip(last["bug_id"].tolist(), _text_or_empty(last["value"]), strict=True))
    for thread in threads:
        if not thread.history_known and has_meta_tag(current.get(thread.bug_id)):
            thread.whiteboard_text = current[thread.bug_id]
    board = board[_known_by(board["_from"], as_of)]
    tags = _text_or_empty(board["tags"])
    values = _text_or_empty(board["value"])
    rows = list(
        zip(
            board["bug_id"].tolist(),
            board["_from"].tolist(),
            board["_date"].tolist(),
            _text_or_empty(board["set_by"]),
            [REVOCATION_DELAY_TAG in t.split() for t in tags],
            board["close_on"].notna().tolist(),
            values,
            _text_or_empty(board["url"]),
            _roles_at(board, "set_by_role"),
            board["_assumed"].tolist(),
            _text_or_empty(board["override"]) if "override" in board else [""] * len(board),
            strict=True,
        )
    )
    ids = board["bug_id"].to_numpy()
    for thread, (lo, hi) in zip(threads, _groups(ids, by_id), strict=True):
        out = []
        for bug, start, day, by, revocation, close_on, value, url, at, gap, source in rows[lo:hi]:
            if by:
                role: str | None = at or roles.get((bug, by), "community")
            elif thread.history_known:
                role = thread.filed_by  # the first value came with the bug from its creator
            else:
                role = None
            gap = bool(gap) and not thread.history_known
            meta = has_meta_tag(value)
            out.append(
                Board(start, _opt(day), role, revocation, close_on, url, meta, gap, source, value)
            )
            thread.whiteboard_text = value
        thread.whiteboard = out


def _comments_of(comments: pd.DataFrame, bug_ids: pd.Series) -> pd.DataFrame:
    """The comments of these bugs, without their text (copying it would cost more than the
    rest of the lookup)."""
    wanted = comments[["bug_id", "count", "time", "role", "url"]]
    return wanted[wanted["bug_id"].isin(set(bug_ids))]


def _comment_lookup(comments: pd.DataFrame) -> dict[tuple[int, int], tuple[int, str, str]]:
    """(bug, count) -> (time, role, url) of every comment."""
    times = seconds(comments["time"]).tolist()
    return dict(
        zip(
            zip(comments["bug_id"].tolist(), comments["count"].tolist(), strict=True),
            zip(
                times,
                _text_or_empty(comments["role"]),
                _text_or_empty(comments["url"]),
                strict=True,
            ),
            strict=True,
        )
    )


def _add_identified(
    threads: list[BugThread],
    by_id: list[int],
    comments: pd.DataFrame,
    fields: pd.DataFrame | None,
    as_of: int,
) -> None:
    """The latest "Non-compliance identified date" a CA report stated by ``as_of``."""
    if fields is None or fields.empty:
        return
    stated = fields[fields["field"] == "non_compliance_identified"]
    stated = stated.assign(_t=seconds(stated["time"]))
    stated = stated[stated["_t"] != NAT]
    if stated.empty:
        return
    lookup = _comment_lookup(_comments_of(comments, stated["bug_id"]))
    index = {bug: i for i, bug in enumerate(by_id)}
    found: dict[int, list[tuple[int, int, str]]] = {}
    for bug, count, moment in zip(
        stated["bug_id"].tolist(), stated["count"].tolist(), stated["_t"].tolist(), strict=True
    ):
        posted = lookup.get((bug, count))
        if bug not in index or posted is None or posted[1] != "ca" or posted[0] > as_of:
            continue
        found.setdefault(bug, []).append((posted[0], int(moment), posted[2]))
    for bug, statements in found.items():
        statements.sort(key=lambda s: s[0])  # stable: of one time, the last read wins
        _state_identified(threads[index[bug]], statements)


def _state_identified(thread: BugThread, statements: list[tuple[int, int, str]]) -> None:
    """The latest statement of the identified date among ``statements`` (by posting time)."""
    thread.identified_stated = statements
    if statements:
        posted_at, moment, url = statements[-1]
        thread.identified, thread.identified_posted = (moment, url), posted_at
    else:
        thread.identified, thread.identified_posted = None, None


def thread_at(thread: BugThread, t: int) -> BugThread | None:
    """The thread as :func:`build_threads` gives it at ``t`` (None: not filed yet), from one
    built at a later time: every event after ``t`` left out, every value as it stood then.

    Why: a month's view is judged as known at its end, and cutting a thread in Python is far
    cheaper than building the threads again from the tables for every month.
    """
    if thread.opened > t:
        return None
    comments = thread.comments[: bisect.bisect_right(thread.comments, t, key=_time)]
    boards = thread.whiteboard[: bisect.bisect_right(thread.whiteboard, t, key=_start)]
    kept = {c.count for c in comments}
    # a copy of every field, then the ones that change (dataclasses.replace would run the
    # constructor: a month's view cuts each open bug's thread again)
    cut = BugThread.__new__(BugThread)
    cut.__dict__.update(thread.__dict__)
    cut.closed = thread.closed if thread.closed is not None and thread.closed <= t else None
    cut.comments = comments
    cut.status_changes = [c for c in thread.status_changes if c[0] <= t]
    cut.resolutions = [r for r in thread.resolutions if r[0] <= t]
    cut.needinfos = [
        n if n.cleared_at is None or n.cleared_at <= t else n._replace(cleared_at=None)
        for n in thread.needinfos
        if n.set_at <= t
    ]
    cut.whiteboard = boards
    cut.whiteboard_text = _whiteboard_text_at(thread, boards)
    cut.action_items = [i for i in thread.action_items if i.count in kept]
    _state_identified(cut, [s for s in thread.identified_stated if s[0] <= t])
    return cut


def _whiteboard_text_at(thread: BugThread, boards: list[Board]) -> str:
    """The whiteboard as it stood then; with the history unknown, a [meta] tag of the one value
    known counts from the start (as :func:`_add_whiteboard` reads it)."""
    text = boards[-1].text if boards else ""
    if not thread.history_known and has_meta_tag(thread.whiteboard_text):
        return text if has_meta_tag(text) else thread.whiteboard_text
    return text


def _time(comment: Comment) -> int:
    return comment.time


def _start(board: Board) -> int:
    return board.start


def _add_action_items(
    threads: list[BugThread],
    by_id: list[int],
    comments: pd.DataFrame,
    items: pd.DataFrame | None,
    as_of: int,
) -> None:
    if items is None or items.empty:
        return
    items = items.assign(_due=seconds(items["due"]))
    items = items[items["_due"] != NAT]
    if items.empty:
        return
    lookup = _comment_lookup(_comments_of(comments, items["bug_id"]))
    index = {bug: i for i, bug in enumerate(by_id)}
    for bug, count, due, done in zip(
        items["bug_id"].tolist(),
        items["count"].tolist(),
        items["_due"].tolist(),
        items["done"].fillna(False).astype(bool).tolist(),
        strict=True,
    ):
        posted = lookup.get((bug, count))
        if bug not in index or posted is None or posted[1] != "ca" or posted[0] > as_of:
            continue
        day = int(due) // 86_400 * 86_400
        threads[index[bug]].action_items.append(ActionItem(int(count), day, done))
