"""Every month as known at its end, and every month-level number the pages show, as tables.

SPEC "One truth per month": a month's view is taken at the first second of the next month (an
obligation due at 23:59:59 on its last day and unmet then is missed in that month and overdue
at its end), or at the last sync for the month running then. Its scorecards,
``scorecards.json``, the CA history pages, the site's landing page and the ``ca_months`` table
all read the view computed here, so two views of one CA-month never disagree; ``report/`` only
shapes these tables into pages.

How, cheaply and exactly: the threads are built from the tables once, at the latest time
(:func:`analyzer.metrics.evaluate`); each month's bugs are cut back to its end in plain Python
(:func:`analyzer.metrics.threads.thread_at`) and judged there. A fact that came later (a close
as a non-incident, a ``[meta]`` tag, a Next-update date, a report's identified date) is simply
not in the cut thread, so no rule needs a list of "later facts" to be right in the past:
exclusion is a fact with a time like any other (SPEC "Which bugs are judged").
``tests/test_months.py`` holds every view equal to an evaluation built from the tables at the
month's end.

Linear in a bug's life: a bug open N months is judged N times, and each judgement would
re-derive rows from all N months (N^2). What an earlier month's cut settled is kept per bug
(:class:`analyzer.metrics.cadence.BugMemo`: an update gap a CA update ended, a running
silence's deadlines so far, an answered comment's row), and each month builds only the rows
it reads: none of a gap an update ended before the month, and, for a month whose rows are not
kept (``rows_of``), none of the weekly misses a silence carries into it, which only its list
of rows would show (:func:`analyzer.metrics.rules.evaluate_bug`'s ``since``);
:func:`_in_month` then keeps those that count in it, are pending, carried or in breach in it.
Each month's rows are one stretch of one table, so its view is a slice of it.

Which bugs a month judges: those that can have a deadline due in it (:class:`Activity`), which
depends on the longest limit of any IRG version (the rulebook), so a future version with a
longer limit widens the look-back by itself.
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from statistics import median

import numpy as np
import pandas as pd

from analyzer.metrics import Evaluation, uncollected
from analyzer.metrics.breach import Breach, breaches
from analyzer.metrics.cadence import BugMemo
from analyzer.metrics.frames import (
    CA_MONTH_COLUMNS,
    ca_month_records,
    records_frame,
    row_order,
    rows_frame,
    timestamps,
)
from analyzer.metrics.rulebook import DAY, RULES, Rulebook, load_rulebook, longest_limit_days
from analyzer.metrics.rules import BugResult, evaluate_bug
from analyzer.metrics.threads import thread_at
from analyzer.months import Month
from analyzer.tables import ThreadTables, text_column

# Rank ties: the least bug-time in compliance first, then the most obligations overdue at the
# month's end, the most bug-days in breach, the most bug-days open, then the CA's name.
RANK_ORDER = ["compliance", "overdue_at_end", "breach_days", "open_days", "ca"]
_RANK_ASCENDING = [True, False, False, False, True]
BUG_COLUMNS = ["bug_id", "ca", "opened", "closed", "closed_estimated", "excluded"]
SILENCE_COLUMNS = [
    "ca",
    "month",
    "bug_id",
    "start",
    "start_count",
    "end",
    "end_count",
    "end_kind",
    "days",
]
NEEDINFO_COLUMNS = [
    "ca",
    "month",
    "bug_id",
    "requestee",
    "set_at",
    "set_url",
    "days_open",
    "answered",
    "answered_url",
    "late",
]


@dataclass(frozen=True)
class MonthView:
    """One month as known at its end (``as_of``: the next month's first second, or the last
    sync if earlier)."""

    month: Month
    as_of: pd.Timestamp
    # the deadlines table's columns, ``in_month`` and ``gap_start`` (where a weekly repeat's
    # silence began): the rows that count in the month
    # (:func:`analyzer.metrics.frames.counted_at`), those pending at ``as_of``, and earlier
    # misses still unmet then on a bug still open
    deadlines: pd.DataFrame
    # every bug open at some time in the month: ``closed`` and ``excluded`` as known at as_of
    bugs: pd.DataFrame
    ca_months: pd.DataFrame  # the month's ``ca_months`` rows, with ``rank``


@dataclass
class MonthTables:
    """Every month from the first bug's to the one running at ``as_of``, each as known at its
    end, and the month-level tables the pages show (columns: docs/metrics.md)."""

    as_of: pd.Timestamp
    views: dict[Month, MonthView]
    ca_months: pd.DataFrame  # every CA-month, ranked within its month
    totals: pd.DataFrame  # per month: the pooled share, CAs ranked, median met rates
    silences: pd.DataFrame  # per CA and month: the longest silence overlapping it
    needinfos: pd.DataFrame  # per CA and month: needinfos to the CA open at its end
    # the months whose deadline rows were kept (:func:`judge_months`'s ``rows_of``); None: all
    rows_of: frozenset[str] | None = None
    _cells: dict = field(default_factory=dict, repr=False)

    def view(self, month: Month) -> MonthView:
        """``month`` as known at its end; a month before the first bug is an empty one."""
        if self.rows_of is not None and month.label not in self.rows_of:
            raise KeyError(
                f"the month tables kept the rows of {', '.join(sorted(self.rows_of))} only, "
                f"not {month.label}'s"
            )
        if month in self.views:
            return self.views[month]
        if month.start > self.as_of:
            raise KeyError(f"no view of {month.label}: the data runs to {self.as_of:%Y-%m-%d}")
        empty = _Found()
        deadlines = empty.deadlines().drop(columns="month")
        ca_months = with_rank(empty.ca_months())
        return MonthView(month, view_time(month, self.as_of), deadlines,
                         empty.bugs().drop(columns="month"), ca_months)  # fmt: skip

    def trend(self, month: Month) -> tuple[dict[str, dict[str, TrendCell]], dict[str, dict]]:
        """The twelve months up to ``month``, each as known at its end: per CA and month label
        a :class:`TrendCell`; per month label its totals row (pooled share, medians)."""
        if not self._cells:
            self._cells.update(_cells(self.ca_months))
        labels = [m.label for m in month.last_twelve()]
        per_ca: dict[str, dict[str, TrendCell]] = {}
        for (ca, label), cell in self._cells.items():
            if label in labels:
                per_ca.setdefault(ca, {})[label] = cell
        totals = self.totals.set_index("month")
        months = {label: totals.loc[label].to_dict() for label in labels if label in totals.index}
        return per_ca, months


@dataclass(frozen=True)
class TrendCell:
    """One CA-month of a trend: the headline and the deadlines decided in it."""

    compliance: float | None
    open_days: float
    met: int
    due: int  # met and missed


def look_back(rulebook: Rulebook) -> pd.Timedelta:
    """How long before a month an obligation due in it can have started: the longest limit,
    and a day more for an event late on the day before."""
    return pd.Timedelta(days=longest_limit_days(rulebook) + 1)


def view_time(month: Month, as_of: pd.Timestamp) -> pd.Timestamp:
    """When ``month`` is seen: at the next month's first second, or at ``as_of`` if earlier."""
    return min(month.next_start, as_of)


def judge_months(
    tables: ThreadTables,
    evaluation: Evaluation,
    rulebook: Rulebook | None = None,
    needinfos: pd.DataFrame | None = None,
    rows_of: Collection[Month] | None = None,
) -> MonthTables:
    """Every month up to ``evaluation.as_of``, each as known at its end, from the threads of
    one evaluation (of every bug) at that time. ``needinfos``: the needinfos table, when the
    store has history (else no open needinfo can be shown). ``rows_of``: keep the deadline
    rows (:meth:`MonthTables.view`) of only these months, for a command that shows one month
    (every month's ``ca_months``, totals, silences and needinfos are still made): at 50x the
    real corpus every month's rows are millions, most of them a silent bug's carried misses."""
    rulebook = rulebook or load_rulebook()
    kept = None if rows_of is None else frozenset(m.label for m in rows_of)
    with uncollected():
        return _judge_months(tables, evaluation, rulebook, needinfos, kept)


def _judge_months(
    tables: ThreadTables,
    evaluation: Evaluation,
    rulebook: Rulebook,
    needinfos: pd.DataFrame | None,
    rows_of: frozenset[str] | None,
) -> MonthTables:
    as_of = evaluation.as_of
    latest = {r.thread.bug_id: r for r in evaluation.results}
    threads = {bug: r.thread for bug, r in latest.items()}
    # a bug closed for good with nothing after ``t`` is judged at ``t`` as it is at the end
    settled = {bug: _settled_at(r) for bug, r in latest.items()}
    months: list[tuple[Month, pd.Timestamp]] = []
    found = _Found(rows_of)
    if threads:
        activity = Activity(tables)
        back = look_back(rulebook)
        first = pd.Timestamp(min(t.opened for t in threads.values()), unit="s", tz="UTC")
        span = [
            (month, sorted(b for b in activity.bugs_in(month, back) if b in threads))
            for month in Month.span(first, as_of)
        ]
        last_month = {bug: k for k, (_month, bugs) in enumerate(span) for bug in bugs}
        # each bug's update gaps closed by an update, kept from month to month while it is
        # judged again (a bug open N months would derive N^2 gaps), dropped after its last
        memos: dict[int, BugMemo] = {}
        for k, (month, bugs) in enumerate(span):
            stamp = view_time(month, as_of)
            t = int(stamp.timestamp())
            results = []
            spans: dict[int, list[Breach]] = {}
            begin = int(month.start.timestamp())
            # a month whose rows are not kept wants no carried weekly miss (evaluate_bug)
            carried = rows_of is None or month.label in rows_of
            for bug in bugs:
                if settled[bug] is not None and settled[bug] <= t:
                    result = _in_month(latest[bug], begin, t)
                    results.append(result)
                    if not result.excluded:  # its breaches all ended by t: the latest's
                        spans[bug] = evaluation.spans[bug]
                    memos.pop(bug, None)
                    continue
                cut = thread_at(threads[bug], t)
                if cut is not None:
                    memo = memos.get(bug)
                    if memo is None:
                        memo = memos[bug] = BugMemo()
                    judged = evaluate_bug(cut, rulebook, t, memo, begin, carried)
                    result = _in_month(judged, begin, t)
                    results.append(result)
                    if not result.excluded:
                        spans[bug] = breaches(result, t)
                if last_month[bug] == k:
                    memos.pop(bug, None)
            months.append((month, stamp))
            found.add(month, t, results, spans)
    # one table of each kind for every month, then each month's part of it
    deadlines = found.deadlines()
    ca_months = with_rank(found.ca_months())
    bugs = found.bugs()
    parts = [_parts(frame) for frame in (deadlines, ca_months, bugs)]
    views = {
        month: MonthView(
            month,
            stamp,
            _part(deadlines, parts[0], month.label).drop(columns="month"),
            _part(bugs, parts[2], month.label).drop(columns="month"),
            _part(ca_months, parts[1], month.label),
        )
        for month, stamp in months
    }
    wanted = _needinfos_to_ca(needinfos)
    asked = (
        [open_needinfos(wanted, v, v.as_of) for v in views.values()] if wanted is not None else []
    )
    return MonthTables(
        as_of=as_of,
        views=views,
        ca_months=ca_months,
        totals=totals_of(ca_months, months),
        silences=silence_frame(found.silences),
        needinfos=_concat(asked, NEEDINFO_COLUMNS) if asked else empty_needinfos(),
        rows_of=rows_of,
    )


def evaluation_at(
    later: Evaluation, stamp: pd.Timestamp, rulebook: Rulebook | None = None
) -> Evaluation:
    """Every bug judged as known at ``stamp``, from an evaluation at a later time: each bug
    settled by then keeps its later result (and breaches), each other one is cut back to
    ``stamp`` and judged there, as a month's view is. Equal to
    :func:`analyzer.metrics.evaluate` at ``stamp`` (``tests/test_months.py``), at the cost of
    the bugs still moving then."""
    rulebook = rulebook or load_rulebook()
    t = int(stamp.timestamp())
    results: list[BugResult] = []
    spans: dict[int, list[Breach]] = {}
    with uncollected():
        for result in later.results:
            bug = result.thread.bug_id
            settled = _settled_at(result, whole=True)
            if settled is not None and settled <= t:
                results.append(result)
                if not result.excluded:
                    spans[bug] = later.spans[bug]
                continue
            cut = thread_at(result.thread, t)
            if cut is not None:
                judged = evaluate_bug(cut, rulebook, t)
                results.append(judged)
                if not judged.excluded:
                    spans[bug] = breaches(judged, t)
    return Evaluation(stamp, t, results, spans, later.source)


class _Found:
    """What each month's judged bugs give, gathered as plain rows for one table of each kind."""

    def __init__(self, rows_of: frozenset[str] | None = None) -> None:
        self.rows_of = rows_of  # the months whose deadline rows are kept (None: every month)
        self.rows: list = []
        self.bug_ids: list[int] = []
        self.cas: list[str] = []
        self.labels: list[str] = []
        self.in_month: list[bool] = []
        self.gap_starts: list[int] = []
        self.months: list[tuple] = []
        self.bug_rows: list[tuple] = []
        self.silences: list[tuple] = []
        self.pieces: list[pd.DataFrame] = []  # the deadlines rows gathered so far, as tables

    def add(
        self, month: Month, t: int, results: list[BugResult], spans: dict[int, list[Breach]]
    ) -> None:
        """``spans``: each judged bug's breaches at ``t`` (:func:`breaches`)."""
        label, start = month.label, int(month.start.timestamp())
        keep_rows = self.rows_of is None or label in self.rows_of
        judged = []
        for result in results:
            thread = result.thread
            still_open = _open_at(result, t)
            # where the gap of a weekly repeat began: its first row's start, the start of the
            # update gap the repeat lies in (that first row may not be among the month's)
            gap_starts = [gap.start for gap in result.gaps] if keep_rows else []
            opened, shown = thread.opened, 0
            for row in sorted(result.rows, key=row_order) if keep_rows else ():
                due, outcome = row.due, row.outcome
                # counted when it fell due, or at the filing (frames.counted_at)
                counted = due if due > opened else opened
                in_month = start <= counted and due <= t and outcome != "pending"
                if (
                    in_month
                    or outcome == "pending"
                    or (outcome == "missed" and row.met_at is None and still_open)
                ):
                    began = row.start
                    if row.repeat:
                        began = gap_starts[bisect.bisect_right(gap_starts, began) - 1]
                    self.rows.append(row)
                    self.in_month.append(in_month)
                    self.gap_starts.append(began)
                    shown += 1
            if shown:
                self.bug_ids += [thread.bug_id] * shown
                self.cas += [thread.ca] * shown
                self.labels += [label] * shown
            if _open_in(result, start, t):
                closed = None if still_open else result.closed
                estimated = bool(thread.closed_estimated and closed is not None)
                self.bug_rows.append(
                    (label, thread.bug_id, thread.ca, thread.opened, closed, estimated,
                     result.excluded)
                )  # fmt: skip
                if not result.excluded:
                    judged.append((result, closed))
        self.months += ca_month_records(results, spans, t, only_month=start)
        silent = longest_silences(
            [
                (r.thread.bug_id, r.thread.ca, r.thread.opened, closed,
                 [(c.time, c.count) for c in r.updates])
                for r, closed in judged
            ],
            start,
            t,
        )  # fmt: skip
        self.silences += [(ca, label, *silent[ca]) for ca in sorted(silent)]
        if len(self.rows) >= _PIECE_ROWS:
            self._piece()

    def _piece(self) -> None:
        """The rows gathered so far become a table: as tuples of Python objects the rows of
        every month (carried misses and pending rows repeat month after month) held gigabytes
        at 50x the real corpus."""
        frame = rows_frame(self.rows, self.bug_ids, self.cas)
        frame["in_month"] = pd.Series(self.in_month, dtype="bool")
        # a repeat's start is the previous week's due time; its gap began with the first row
        frame["gap_start"] = timestamps(self.gap_starts)
        frame["month"] = text_column(self.labels)
        self.pieces.append(frame)
        gathered_lists = (
            self.rows,
            self.bug_ids,
            self.cas,
            self.in_month,
            self.gap_starts,
            self.labels,
        )
        for gathered in gathered_lists:
            gathered.clear()

    def deadlines(self) -> pd.DataFrame:
        if self.rows or not self.pieces:
            self._piece()
        frame = (
            self.pieces[0] if len(self.pieces) == 1 else pd.concat(self.pieces, ignore_index=True)
        )
        self.pieces = [frame]
        return frame

    def ca_months(self) -> pd.DataFrame:
        return records_frame(self.months, CA_MONTH_COLUMNS)

    def bugs(self) -> pd.DataFrame:
        columns = (
            list(zip(*self.bug_rows, strict=True)) if self.bug_rows else [() for _ in range(7)]
        )
        return pd.DataFrame(
            {
                "month": text_column(list(columns[0])),
                "bug_id": pd.Series(columns[1], dtype="int64"),
                "ca": text_column(list(columns[2])),
                "opened": timestamps(columns[3]),
                "closed": timestamps(columns[4]),
                "closed_estimated": pd.Series(columns[5], dtype="bool"),
                "excluded": text_column(list(columns[6])),
            }
        )


_PIECE_ROWS = 250_000  # deadline rows held as Python tuples before they become a table


def _parts(frame: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Each month's rows in a table of many months, gathered month after month: one
    stretch each, ``[first, stop)`` (a slice shares the table's columns where taking the
    rows would copy them: at 50x the real corpus every string column of 3 million rows)."""
    if frame.empty:
        return {}
    labels = frame["month"].to_numpy(dtype=object)
    change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
    bounds = [0, *change.tolist(), len(labels)]
    parts = {str(labels[lo]): (lo, hi) for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)}
    if len(parts) != len(bounds) - 1:
        raise ValueError("a month's rows are not in one stretch")
    return parts


def _part(frame: pd.DataFrame, parts: dict[str, tuple[int, int]], label: str) -> pd.DataFrame:
    lo, hi = parts.get(label, (0, 0))
    return frame.iloc[lo:hi].reset_index(drop=True)


def _settled_at(result: BugResult, whole: bool = False) -> int | None:
    """From when the bug's judgement no longer changes: its last event, if it is closed at
    the end (every obligation has ended with its open period, and no later moment adds a row
    or a second of breach); None for a bug still open. ``whole``: from when its whole result
    is the same, as the bug's metrics read it (its whiteboard values too, even one dated at
    the sync for a bug of unknown history)."""
    if not result.periods or result.periods[-1].end is None:
        return None
    thread = result.thread
    times = [result.periods[-1].end, thread.opened]
    times += [c.time for c in thread.comments[-1:]]
    times += [c[0] for c in thread.status_changes] + [r[0] for r in thread.resolutions]
    times += [n.set_at for n in thread.needinfos]
    times += [n.cleared_at for n in thread.needinfos if n.cleared_at is not None]
    if thread.history_known or whole:  # a value dated at the sync (history unknown)
        times += [b.start for b in thread.whiteboard]  # touches no gap of a closed bug, and
    times += [s[0] for s in thread.identified_stated]  # [meta] in it counts from the start
    if thread.closed is not None:
        times.append(thread.closed)
    if thread.excluded_override is not None:  # a staff exclusion from a later moment
        times.append(thread.excluded_override[0])
    return max(times)


def _in_month(result: BugResult, start: int, t: int) -> BugResult:
    """The result with only the rows the month ``[start, t]`` reads: those counted in it,
    pending at ``t``, missed and unmet on a bug still open (carried), or in breach or overdue
    at some time in it. Why: a bug open N months has rows from all of them; reading every
    row in every month (sorting them, spreading breaches) cost N^2. The month's deadline
    rows, cells and breach seconds are the same from these rows alone: a breach interval
    outside the month adds nothing to it, and a row's order among the kept ones is its
    order among all (:meth:`_Found.add` sorts stably)."""
    if not result.rows:
        return result
    opened = result.thread.opened
    still_open = _open_at(result, t)
    rows = [
        row
        for row in result.rows
        if row.outcome == "pending"
        or (start <= (row.due if row.due > opened else opened) and row.due <= t)
        or (row.outcome == "missed" and row.met_at is None and still_open)
        or (row.outcome == "missed" and row.due < t and row.due + row.overdue > start)
    ]
    if len(rows) == len(result.rows):
        return result
    return BugResult(
        result.thread,
        result.periods,
        rows,
        result.gaps,
        result.status,
        result.resolution,
        result.closed,
        result.updates,
        result.excluded,
    )


def _open_at(result: BugResult, t: int) -> bool:
    return bool(result.periods) and result.periods[-1].end is None and result.thread.opened <= t


def _open_in(result: BugResult, start: int, t: int) -> bool:
    """Open at some time in ``[start, t]`` (the month up to its view's time)."""
    return any(p.start <= t and (p.end is None or p.end >= start) for p in result.periods) or (
        not result.periods and start <= result.thread.opened <= t
    )


def with_rank(months: pd.DataFrame) -> pd.DataFrame:
    """``rank`` within each month: 1 for the CA least in compliance (:data:`RANK_ORDER`), each
    rank once; none for a CA without judged bug-time in the month."""
    months = months.reset_index(drop=True)
    ranked = months[months["open_days"] > 0].sort_values(
        ["month", *RANK_ORDER],
        ascending=[True, *_RANK_ASCENDING],
        kind="stable",
        na_position="first",
    )
    rank = pd.Series(pd.NA, index=months.index, dtype="Int64")
    rank[ranked.index] = ranked.groupby("month", sort=False).cumcount().to_numpy() + 1
    return months.assign(rank=rank)


def totals_of(ca_months: pd.DataFrame, months: list[tuple[Month, pd.Timestamp]]) -> pd.DataFrame:
    """Per month: all CAs' bug-days and the pooled share in compliance, the CAs ranked, and
    per rule (and over all rules) the median of the CAs' met rates, of those with any due."""
    groups = dict(iter(ca_months.groupby("month", sort=False))) if len(ca_months) else {}
    empty = ca_months.iloc[:0]
    records = []
    for month, stamp in months:
        rows = groups.get(month.label, empty)
        open_days = float(rows["open_days"].sum())
        breach_days = float(rows["breach_days"].sum())
        medians = {}
        met_all = np.zeros(len(rows), dtype="int64")
        due_all = np.zeros(len(rows), dtype="int64")
        for rule in RULES:
            met = rows[f"{rule}_met"].to_numpy(dtype="int64")
            due = met + rows[f"{rule}_missed"].to_numpy(dtype="int64")
            medians[f"median_{rule}"] = _median(met, due)
            met_all, due_all = met_all + met, due_all + due
        records.append(
            {
                "month": month.label,
                "as_of": stamp,
                "cas": int(rows["ca"].nunique()),
                "ranked": int(rows["rank"].notna().sum()),
                "open_days": round(open_days, 4),
                "breach_days": round(breach_days, 4),
                "compliance": 1 - breach_days / open_days if open_days > 0 else None,
                **medians,
                "median_all": _median(met_all, due_all),
            }
        )
    frame = pd.DataFrame.from_records(records)
    if frame.empty:
        return pd.DataFrame(columns=["month", "as_of", "cas", "ranked", "open_days"])
    return frame.astype({"compliance": "float64"})


def _median(met: np.ndarray, due: np.ndarray) -> float | None:
    decided = due > 0
    rates = met[decided] / due[decided]
    return float(median(rates.tolist())) if len(rates) else None


def _cells(ca_months: pd.DataFrame) -> dict[tuple[str, str], TrendCell]:
    met = sum(ca_months[f"{rule}_met"] for rule in RULES)
    due = met + sum(ca_months[f"{rule}_missed"] for rule in RULES)
    return {
        (str(ca), str(label)): TrendCell(
            None if pd.isna(compliance) else float(compliance), float(days), int(m), int(d)
        )
        for ca, label, compliance, days, m, d in zip(
            ca_months["ca"].fillna(""),
            ca_months["month"],
            ca_months["compliance"],
            ca_months["open_days"],
            met,
            due,
            strict=True,
        )
    }


# -- silences --------------------------------------------------------------------------------


def longest_silences(
    bugs: Iterable[tuple[int, str, int, int | None, list[tuple[int, int]]]],
    start: int,
    t: int,
) -> dict[str, tuple]:
    """Per CA, the longest gap between CA updates overlapping ``[start, t]`` on a judged bug:
    from the bug's filing or a CA update to the next CA update, the close, or ``t`` (still
    silent then). ``bugs``: (bug id, CA, opened, closed as known at t, CA updates as (time,
    comment number) in time order). The value: (bug, start, start comment or None, end,
    end comment or None, end kind: ca_update, closed or month_end); ties go to the lower bug
    id, then the earlier gap."""
    best: dict[str, tuple] = {}
    for bug, ca, opened, closed, updates in bugs:
        stop = closed if closed is not None else t
        marks = [(opened, None), *updates]
        for i, (begin, count) in enumerate(marks):
            if i + 1 < len(marks):
                end, end_count, kind = marks[i + 1][0], marks[i + 1][1], "ca_update"
            else:
                end, end_count = stop, None
                kind = "closed" if closed is not None else "month_end"
            if end < start or begin > t:
                continue
            key = (-(end - begin), bug)
            current = best.get(ca)
            if current is None or key < current[0]:
                best[ca] = (key, (bug, begin, count, end, end_count, kind))
    return {ca: value for ca, (_, value) in best.items()}


def silence_frame(records: list[tuple]) -> pd.DataFrame:
    columns = list(zip(*records, strict=True)) if records else [() for _ in range(8)]
    ca, label, bug, begin, count, end, end_count, kind = columns
    frame = pd.DataFrame(
        {
            "ca": text_column(list(ca)),
            "month": text_column(list(label)),
            "bug_id": pd.Series(bug, dtype="int64"),
            "start": timestamps(begin),
            "start_count": pd.Series(count, dtype="Int64"),
            "end": timestamps(end),
            "end_count": pd.Series(end_count, dtype="Int64"),
            "end_kind": text_column(list(kind)),
        }
    )
    frame["days"] = ((frame["end"] - frame["start"]).dt.total_seconds() / DAY).round(1)
    return frame[SILENCE_COLUMNS]


# -- needinfos -------------------------------------------------------------------------------


def _needinfos_to_ca(needinfos: pd.DataFrame | None) -> pd.DataFrame | None:
    if needinfos is None or needinfos.empty:
        return None
    to_ca = needinfos[needinfos["to_ca"].fillna(False).astype(bool)]
    return to_ca.sort_values(["set_at", "bug_id"], kind="stable")


def open_needinfos(needinfos: pd.DataFrame, view: MonthView, stamp: pd.Timestamp) -> pd.DataFrame:
    """Needinfos to a CA-side account on the month's judged bugs, still open at its end."""
    judged = view.bugs[view.bugs["excluded"].eq("")]
    still_open = needinfos["cleared_at"].isna() | (needinfos["cleared_at"] > stamp)
    rows = needinfos[
        (needinfos["set_at"] <= stamp) & still_open & needinfos["bug_id"].isin(judged["bug_id"])
    ]
    ca_of = judged.set_index("bug_id")["ca"]
    answered = rows["answered_at"].notna() & (rows["answered_at"] <= stamp)
    days = (stamp - rows["set_at"]).dt.total_seconds() / DAY
    return pd.DataFrame(
        {
            "ca": rows["bug_id"].map(ca_of).astype("str"),
            "month": view.month.label,
            "bug_id": rows["bug_id"].astype("int64"),
            "requestee": rows["requestee"],
            "set_at": rows["set_at"],
            "set_url": rows["set_url"],
            "days_open": days.round(1),
            "answered": answered.astype(bool),
            "answered_url": rows["answered_url"].where(answered),
            "late": (~answered) & (days > 7),
        }
    ).reset_index(drop=True)


def empty_needinfos() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="object") for c in NEEDINFO_COLUMNS})


def _concat(frames: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
    return pd.concat(frames, ignore_index=True)


# -- which bugs a month judges ---------------------------------------------------------------


class Activity:
    """Which bugs can have a deadline due in a month: open near it, or with an event
    (comment, needinfo) shortly before or in it, or a Next-update date in it. The times are
    read once, as numbers, for every month."""

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
        start, end = month.start.value, month.next_start.value
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


__all__ = [
    "RANK_ORDER",
    "Activity",
    "MonthTables",
    "MonthView",
    "TrendCell",
    "evaluation_at",
    "judge_months",
    "longest_silences",
    "look_back",
    "open_needinfos",
    "silence_frame",
    "totals_of",
    "view_time",
    "with_rank",
]
