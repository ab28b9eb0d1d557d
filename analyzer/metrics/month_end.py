"""Metrics as known at a month's end, for a month's page and its twelve-month trend, from one
evaluation.

Why one evaluation: judging is causal. Whether a deadline due by ``t`` was met, and whether a
bug was in breach at any moment up to ``t``, depends only on what happened by ``t``, so a
later evaluation, cut at ``t`` (:func:`cut`), gives the month-end's rows and breach. A few
facts are not causal, and a bug with one of them after ``t`` is judged again as it stood at
``t`` instead (:func:`judged_again`): a change of whether the bug is judged at all (closed as a
non-incident, a ``[meta]`` tag), a report stating its identified date, an estimated close, a
CA comment whose text the store lacks while no report is seen yet, and a revocation-delay tag
(which caps a whole update gap). ``tests/test_month_end.py`` holds every view equal to a direct
run at the month's end.

Why only some bugs: metrics judge each bug on its own rows, so judging the bugs that can have a
deadline due in a month (:func:`bugs_active_in`) gives those bugs' rows unchanged. Which bugs
can matter depends on the longest limit of any IRG version (the rulebook), so a future version
with a longer limit widens the look-back instead of silently changing the trend.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Collection, Iterable
from typing import TypeVar

import numpy as np
import pandas as pd

from analyzer.metrics.breach import Breach
from analyzer.metrics.frames import ca_months_frame, deadlines_frame
from analyzer.metrics.rulebook import Rulebook, load_rulebook, longest_limit_days
from analyzer.metrics.rules import DONE_KINDS, BugResult, Row
from analyzer.metrics.threads import BugThread
from analyzer.metrics.timeline import open_periods, status_at
from analyzer.months import Month
from analyzer.parse.exclusion import builtin_rules, excluded_reason
from analyzer.tables import LanguageTables, MetricsResult, ThreadTables, of_bugs

Tables = TypeVar("Tables", ThreadTables, LanguageTables)


@dataclasses.dataclass(frozen=True)
class MonthView:
    """One month as known at its end (or the last sync, if earlier): what a page and the
    trend show of it."""

    month: Month
    as_of: pd.Timestamp
    deadlines: pd.DataFrame  # rows due in the month; the page month's view has every row
    ca_months: pd.DataFrame  # the month's ``ca_months`` rows


def look_back(rulebook: Rulebook) -> pd.Timedelta:
    """How long before a month an obligation due in it can have started: the longest limit,
    and a day more for an event late on the day before."""
    return pd.Timedelta(days=longest_limit_days(rulebook) + 1)


@dataclasses.dataclass
class JudgedMonths:
    """What one evaluation at a month's end gives."""

    result: MetricsResult  # the month's metrics, of the bugs that can matter in it (and
    # its ca_months rows of the month only)
    views: dict[Month, MonthView]  # the month and each earlier month asked for
    everything: MetricsResult | None = None  # every bug's metrics at the month's end (whole)


def judge_months(
    tables: ThreadTables,
    language: LanguageTables | None,
    month: Month,
    earlier: Iterable[Month],
    observed_at: pd.Timestamp,
    rulebook: Rulebook | None = None,
    whole: bool = False,
) -> JudgedMonths:
    """The metrics of ``month`` as known at its end (of the bugs that can have a deadline due
    in it), and the view of it and of each ``earlier`` month as known at that month's end.
    ``whole``: judge every bug, and return every bug's metrics too (one evaluation for a
    month's pages and the CA history pages beside them)."""
    collecting = gc.isenabled()
    gc.disable()  # millions of small tuples, none cyclic: collection passes are pure overhead
    try:
        rulebook = rulebook or load_rulebook()
        return _judge_months(tables, language, month, earlier, observed_at, rulebook, whole)
    finally:
        if collecting:
            gc.enable()


def _judge_months(
    tables: ThreadTables,
    language: LanguageTables | None,
    month: Month,
    earlier: Iterable[Month],
    observed_at: pd.Timestamp,
    rulebook: Rulebook,
    whole: bool,
) -> JudgedMonths:
    from analyzer.metrics import evaluate

    back = look_back(rulebook)
    as_of = min(month.end, observed_at)
    earlier = [m for m in earlier if m.end < as_of]
    activity = Activity(tables)
    active = {m: activity.bugs_in(m, back) for m in [month, *earlier]}
    if whole:
        evaluation = evaluate(tables, language, as_of, rulebook=rulebook)
    else:
        wanted = pd.Index(sorted(set().union(*active.values())))
        tables, language = only(tables, wanted), _only_language(language, wanted)
        evaluation = evaluate(tables, language, as_of, rulebook=rulebook)
    everything = evaluation.result() if whole else None
    if everything is not None:  # the month's bugs' rows of it: the same tables, in order
        result = _of_bugs(everything, active[month], month)
    else:
        result = evaluation.result(active[month])
        result.ca_months = _rows_of(result, month)
    views = {month: MonthView(month, result.as_of, result.deadlines, result.ca_months)}
    by_id = {r.thread.bug_id: r for r in evaluation.results}
    times: dict[int, tuple[int | None, int | None]] = {}
    again = {past: _judged_again_in(by_id, active[past], past, times) for past in earlier}
    # the few bugs judged again, in one small copy of the tables that each month filters
    few = pd.Index(sorted(set().union(*again.values())))
    few_tables, few_language = only(tables, few), _only_language(language, few)
    for past in earlier:
        views[past] = _view(
            few_tables, few_language, rulebook, evaluation.spans, by_id, active[past], past,
            set(again[past]),
        )  # fmt: skip
    return JudgedMonths(result, views, everything)


def _judged_again_in(
    by_id: dict[int, BugResult],
    bug_ids: Collection[int],
    month: Month,
    times: dict[int, tuple[int | None, int | None]],
) -> list[int]:
    """Which of ``bug_ids`` must be judged again at ``month``'s end (:func:`judged_again`)."""
    t = int(month.end.timestamp())
    out = []
    for bug in bug_ids:
        result = by_id.get(bug)
        if result is None or result.thread.opened > t:
            continue
        if bug not in times:
            times[bug] = _report_times(result)
        if judged_again(result, t, times[bug]):
            out.append(bug)
    return out


def _view(
    tables: ThreadTables,
    language: LanguageTables | None,
    rulebook: Rulebook,
    spans: dict[int, list[Breach]],
    by_id: dict[int, BugResult],
    bug_ids: Collection[int],
    month: Month,
    again: set[int],
) -> MonthView:
    """``month`` as known at its end, from a later evaluation of (at least) ``bug_ids``; the
    bugs of ``again`` are judged again from ``tables`` (which hold at least them)."""
    from analyzer.metrics import evaluate

    t, start = int(month.end.timestamp()), int(month.start.timestamp())
    results: list[BugResult] = []
    cut_spans: dict[int, list[Breach]] = {}
    for bug in bug_ids:
        result = by_id.get(bug)
        if result is None or result.thread.opened > t or bug in again:
            continue
        cut_result, cut_breach = cut(result, spans.get(bug), t, since=start)
        results.append(cut_result)
        if cut_breach is not None:
            cut_spans[bug] = cut_breach
    if again:
        ids = pd.Index(sorted(again))
        direct = evaluate(only(tables, ids), _only_language(language, ids), month.end, rulebook)
        results += direct.results
        cut_spans.update(direct.spans)
    due_in = [
        dataclasses.replace(r, rows=[row for row in r.rows if start <= row.due <= t])
        for r in results
    ]
    return MonthView(
        month,
        month.end,
        deadlines_frame(due_in),
        ca_months_frame(results, cut_spans, t, only_month=start),
    )


def cut(
    result: BugResult, breach: list[Breach] | None, t: int, since: int | None = None
) -> tuple[BugResult, list[Breach] | None]:
    """A bug judged at a later time, as it stood at ``t``: its rows due by ``t`` with what was
    known then (met later is not met yet; due at ``t`` itself and unmet is pending), its
    breach up to ``t``. Exact unless :func:`judged_again` says otherwise. ``since``: rows due
    before it are dropped unless still overdue at ``t`` (all a month from ``since`` needs)."""
    rows: list[Row] = []
    for row in result.rows:
        if row.due > t:
            continue  # pending at t, with a due time only t's own evaluation can tell
        if since is not None and row.due < since:
            if row.outcome != "missed" or row.repeat or row.due + row.overdue < t:
                continue
        met_at = row.met_at if row.met_at is not None and row.met_at <= t else None
        if row.outcome in ("met", "withdrawn"):
            rows.append(row)
            continue
        if met_at is None and row.due == t:
            row = row._replace(outcome="pending", overdue=0)
        elif row.outcome == "missed":
            row = row._replace(overdue=min(row.overdue, t - row.due))
        if met_at is None:
            row = row._replace(met_at=None, evidence_met=None)
        rows.append(row)
    cut_breach = None
    if breach is not None:
        cut_breach = [b._replace(end=min(b.end, t)) for b in breach if b.start < t]
    return dataclasses.replace(result, rows=rows), cut_breach


def judged_again(
    result: BugResult, t: int, report_times: tuple[int | None, int | None] | None = None
) -> bool:
    """The bug's later evaluation cannot be cut at ``t``: something after ``t`` changes how
    its time up to ``t`` is judged (see the module's docstring). ``report_times``: the bug's
    :func:`_report_times`, when the caller asks about many months."""
    thread = result.thread
    if thread.identified_posted is not None and thread.identified_posted > t:
        return True  # the identified date was not stated yet
    if thread.closed_estimated and thread.closed is not None and thread.closed > t:
        return True  # rows ended by an estimated close carry its caveat
    if _tagged_later(thread, t):
        return True  # the tag caps every gap it overlaps, from the gap's start
    last_unseen, first_report = report_times or _report_times(result)
    if last_unseen is not None and last_unseen > t and (first_report is None or first_report > t):
        return True  # an unseen comment before the report marks a missed report as doubtful
    return _excluded_at(result, t) != result.excluded


def _report_times(result: BugResult) -> tuple[int | None, int | None]:
    """The last CA update whose text the store lacks, and the first report that ends the
    full-report obligation."""
    unseen = [c.time for c in result.updates if c.kind is None]
    reports = [c.time for c in result.updates if c.kind in DONE_KINDS]
    return (max(unseen) if unseen else None), (min(reports) if reports else None)


def _tagged_later(thread: BugThread, t: int) -> bool:
    """The revocation-delay tag appears after ``t`` on a whiteboard that lacked it at ``t``."""
    boards = thread.whiteboard
    at_t = [b for b in boards if b.start <= t]
    if at_t and at_t[-1].revocation_delay:
        return False
    return any(b.revocation_delay for b in boards[len(at_t) :])


def _excluded_at(result: BugResult, t: int) -> str:
    """Why the bug was not judged at ``t`` ("" when it was)."""
    thread = result.thread
    rules = builtin_rules()
    could = (
        result.excluded
        or any(b.meta for b in thread.whiteboard)
        or thread.resolution.strip().upper() in rules
        or any(r.strip().upper() in rules for _, r in thread.resolutions)
    )
    if not could:
        return ""
    state = _state_at(thread, t)
    status, resolution, _closed = status_at(state, open_periods(state))
    boards = [b for b in thread.whiteboard if b.start <= t]
    meta = "[meta]" if boards and boards[-1].meta else ""
    return excluded_reason(thread.summary, meta, resolution, status)


def _state_at(thread: BugThread, t: int) -> BugThread:
    """The thread's status history as it stood at ``t`` (enough for :func:`status_at`)."""
    closed = thread.closed if thread.closed is not None and thread.closed <= t else None
    return dataclasses.replace(
        thread,
        closed=closed,
        comments=thread.comments[:1],
        status_changes=[c for c in thread.status_changes if c[0] <= t],
        resolutions=[r for r in thread.resolutions if r[0] <= t],
        needinfos=[],
        whiteboard=[],
        action_items=[],
    )


def _of_bugs(result: MetricsResult, bug_ids: Collection[int], month: Month) -> MetricsResult:
    """``result``'s rows of only these bugs, and its ``ca_months`` rows of ``month`` (which
    no other bug has a share in: :func:`bugs_active_in`)."""

    def rows(frame: pd.DataFrame | None) -> pd.DataFrame | None:
        if frame is None:
            return None
        return frame[frame["bug_id"].isin(bug_ids)].reset_index(drop=True)

    return dataclasses.replace(
        result,
        deadlines=rows(result.deadlines),
        bug_metrics=rows(result.bug_metrics),
        breaches=rows(result.breaches),
        ca_months=_rows_of(result, month),
    )


def _rows_of(result: MetricsResult, month: Month) -> pd.DataFrame:
    months = result.ca_months
    if months is None:
        return pd.DataFrame()
    return months[months["month"] == month.label].reset_index(drop=True)


def bugs_active_in(tables: ThreadTables, month: Month, back: pd.Timedelta) -> pd.Index:
    """Every bug that could have a deadline due in ``month``: open near it, or with an event
    (comment, needinfo) shortly before or in it, or a Next-update date in it."""
    return pd.Index(sorted(Activity(tables).bugs_in(month, back)))


class Activity:
    """The times :func:`bugs_active_in` asks about, as numbers read once for many months."""

    def __init__(self, tables: ThreadTables) -> None:
        bugs = tables.bugs
        self.bug_ids = bugs["bug_id"].to_numpy()
        self.opened = _ns(bugs["opened"])
        self.closed = _ns(bugs["closed"])
        self.events = [
            (frame["bug_id"].to_numpy(), _ns(frame[column]))
            for frame, column in ((tables.comments, "time"), (tables.needinfos, "set_at"))
            if len(frame)
        ]
        board = tables.whiteboard
        self.dated = None
        if len(board) and "next_update" in board:
            self.dated = (board["bug_id"].to_numpy(), _ns(board["next_update"]))

    def bugs_in(self, month: Month, back: pd.Timedelta) -> set[int]:
        """The bugs that can have a deadline due in ``month``."""
        start, end = month.start.value, month.end.value
        early = (month.start - back).value
        opened = (self.opened != _NAT) & (self.opened <= end)
        near = opened & ((self.closed == _NAT) | (self.closed >= early))
        found = set(self.bug_ids[near].tolist())
        for ids, times in self.events:
            found.update(ids[(times >= early) & (times <= end)].tolist())
        if self.dated is not None:
            ids, days = self.dated
            found.update(ids[(days >= start - _DAY_NS) & (days <= end)].tolist())
        return found


_NAT = np.iinfo("int64").min
_DAY_NS = 86_400 * 10**9


def _ns(column: pd.Series) -> np.ndarray:
    """UTC nanoseconds (NaT as the smallest int64, which no bound admits)."""
    stamps = pd.to_datetime(column, utc=True).dt.tz_localize(None)
    return stamps.to_numpy().astype("datetime64[ns]").astype("int64")


def _only_language(language: LanguageTables | None, bug_ids: pd.Index) -> LanguageTables | None:
    return None if language is None else only(language, bug_ids)


def only(tables: Tables, bug_ids: pd.Index) -> Tables:
    """A copy of a stage's tables holding only these bugs' rows (:func:`of_bugs`)."""
    return of_bugs(tables, bug_ids)
