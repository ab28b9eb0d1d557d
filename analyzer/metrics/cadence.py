"""The ``update_cadence`` rule (docs/metrics.md, "Update deadlines"): rows per update gap, a
missed row for every further week of silence.

Within an open period the CA's updates, one per UTC day (the first of the day), split the time
into gaps. A gap from ``u`` is due by the end of the day 7 days after ``u``, unless a Next-update
date governs: one a root program wrote during the gap replaces that limit (shorter or longer);
one written before ``u`` that is not used up only lengthens it; on revocation-delay bugs from
IRG 3.0 no date lengthens it. When a deadline passes without an update, the row is missed and
the next deadline is the end of the day 7 days later, or a Next-update date a root program wrote
since: each week of silence is one more missed row (``repeat`` 1, 2, ...), until the CA's update,
the end of the open period, or ``as_of``. Cadence stops at the CA's first Closure Report or a root
program's closing notice and starts again on reopen.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

from analyzer.metrics.rulebook import DAY, Limit, Rulebook, end_of_day
from analyzer.metrics.threads import Board, BugThread, Comment
from analyzer.metrics.timeline import OpenPeriod

NEVER = 2**62
HONOURED_WRITERS = (None, "root_program")  # None: history unknown, honoured with a caveat


class DateSegment(NamedTuple):
    """A stretch of constant Next-update date: ``[start, next segment's start)``."""

    start: int
    day: int | None  # 00:00 UTC of the date; None: no date in force
    written: int  # when the whiteboard first showed this date
    honoured: bool  # written by a root program (or by an unknown hand)
    assumed: bool = False  # history unknown: read as written at the running gap's start


class CadenceRow(NamedTuple):
    start: int
    due: int
    met_at: int | None
    outcome: str
    overdue: int
    basis: str
    repeat: int
    version: str
    evidence_start: str
    evidence_met: str | None


class Gap(NamedTuple):
    start: int
    end: int
    rows: list[CadenceRow]


class BugMemo:
    """What earlier cuts of one bug's thread judged that a later cut keeps unchanged
    (:mod:`analyzer.metrics.months` judges a bug again at every month's end, each time at a
    later moment).

    Why each is exact:
    - ``gaps``: an update gap ended by a CA update. Its rows depend only on its start (time and
      evidence), the update ending it, the Next-update dates written by then, the CA updates
      by then, the rulebook, and, for the revocation cap, whether the bug's first whiteboard
      value is known yet (:func:`_revocation_delay` reads it whatever its time). Any cut
      that holds the update holds all of these unchanged, an earlier one as a later one; the
      key holds those that can differ.
      ``rows``: the rules' rows of each such gap, also keyed by the staff-overridden dates
      their caveats read (a later value can add one); ``bare``: the gap without its rows.
    - ``silences``: a gap no update has ended yet, its deadlines found so far (all before the
      end it was searched to) and where the search stopped (:func:`_silence`).
    - ``answered``: a comment's ``comment_response`` row once its answer is in the cut
      (metrics/rules.py).
    """

    def __init__(self) -> None:
        self.gaps: dict[tuple, Gap] = {}
        self.rows: dict[tuple, list] = {}
        self.bare: dict[tuple, Gap] = {}
        self.silences: dict[tuple, tuple[list, tuple, int]] = {}
        self.answered: dict[int, tuple] = {}


class Stop(NamedTuple):
    at: int
    url: str
    by_report: bool


def date_segments(boards: list[Board]) -> list[DateSegment]:
    """The whiteboard's Next-update dates as segments; an edit keeping the date keeps when it
    was written (and who wrote it)."""
    out: list[DateSegment] = []
    for board in boards:
        day = None if board.day is None else board.day // DAY * DAY
        if out and out[-1].day == day:
            continue
        honoured = board.set_by_role in HONOURED_WRITERS
        out.append(DateSegment(board.start, day, board.start, honoured, board.assumed))
    return out


class _Dates:
    """Limits of one bug's gaps from its Next-update dates."""

    def __init__(self, segs: list[DateSegment], ca_times: list[int]) -> None:
        self.segs = segs
        self.starts = [s.start for s in segs]
        self.ca_times = ca_times

    def index_at(self, t: int) -> int:
        return bisect.bisect_right(self.starts, t) - 1

    def _valid(self, seg: DateSegment) -> bool:
        return seg.day is not None and seg.honoured and end_of_day(seg.day) >= seg.written

    def _used_by(self, seg: DateSegment, u: int) -> bool:
        """A date is used up by the first CA update on or after its day."""
        assert seg.day is not None
        first = bisect.bisect_left(self.ca_times, seg.day)
        return first < len(self.ca_times) and self.ca_times[first] <= u

    def limit(self, index: int, u: int, base: int, since: int | None, capped: bool):
        """The limit in force in segment ``index`` for a gap from ``u`` whose plain limit is
        ``base``. ``since``: only dates written after it count (the weeks after a miss)."""
        if index < 0:
            return base, "7d"
        seg = self.segs[index]
        if not self._valid(seg) or self._used_by(seg, u):
            return base, "7d"
        assert seg.day is not None
        date_limit = end_of_day(seg.day)
        if since is not None and seg.written <= since:
            return base, "7d"
        if seg.written > u or seg.assumed or since is not None:
            # written during the gap (or read as written at its start): replaces the limit
            if capped and date_limit > base:
                return base, "7d"
            return date_limit, "next_update"
        if capped or date_limit < base:  # written before the gap: only ever lengthens it
            return base, "7d"
        return date_limit, "next_update"

    def crossing(self, u: int, end: int, base: int, since: int | None, capped: bool):
        """First ``t`` in ``[u, end)`` past the limit in force at ``t``, with its basis."""
        index = self.index_at(u)
        while True:
            piece_start = u if index < 0 else max(u, self.segs[index].start)
            if piece_start >= end:
                return None
            piece_end = self.starts[index + 1] if index + 1 < len(self.segs) else NEVER
            limit, basis = self.limit(index, u, base, since, capped)
            if limit < piece_start:
                return piece_start, basis
            if limit < piece_end:
                return (limit, basis) if limit < end else None
            index += 1

    def at(self, t: int, u: int, base: int, since: int | None, capped: bool):
        return self.limit(self.index_at(t), u, base, since, capped)


def stops(thread: BugThread, period: OpenPeriod, end: int) -> Stop | None:
    """The first Closure Report by the CA, or closing notice by a root program, in the period."""
    found: list[Stop] = []
    for c in thread.comments:
        if c.time < period.start or c.time > end:
            continue
        if c.is_ca_update and c.kind == "closure":
            found.append(Stop(c.time, c.url, True))
            break
    for c in thread.comments:
        if period.start < c.time <= end and c.closing_notice and c.role == "root_program":
            found.append(Stop(c.time, c.url, False))
            break
    for board in thread.whiteboard:
        if (
            (period.start < board.start <= end or (board.assumed and board.start == period.start))
            and board.close_on
            and board.set_by_role in HONOURED_WRITERS
        ):
            found.append(Stop(board.start, board.url, False))
            break
    return min(found, default=None)


def update_gaps(
    thread: BugThread, periods: list[OpenPeriod], rulebook: Rulebook, as_of: int
) -> list[Gap]:
    """Every update gap of the bug with its rows."""
    return [gap for gap, _key in keyed_gaps(thread, periods, rulebook, as_of)]


def keyed_gaps(
    thread: BugThread,
    periods: list[OpenPeriod],
    rulebook: Rulebook,
    as_of: int,
    memo: BugMemo | None = None,
    repeats_from: int | None = None,
) -> list[tuple[Gap, tuple | None]]:
    """Every update gap of the bug with its rows, each with its :class:`BugMemo` key (None
    for a gap not ended by a CA update: a later cut can add rows to it). A gap ``memo``
    holds is taken from it, not derived again. ``repeats_from``: a gap no update ended
    leaves out its weekly repeats that fell due before it (:func:`_silence`)."""
    first_board = bool(thread.whiteboard)
    updates = [c for c in thread.comments if c.is_ca_update]
    dates = _Dates(date_segments(thread.whiteboard), [c.time for c in updates])
    gaps: list[tuple[Gap, tuple | None]] = []
    for period in periods:
        hard_end = period.end if period.end is not None else as_of
        stop = stops(thread, period, hard_end)
        end = stop.at if stop is not None else hard_end
        still_open = stop is None and period.end is None
        u, u_url = period.start, period.start_url
        ended = False
        for update in updates:
            if update.time < period.start or update.time > end:
                continue
            if update.time // DAY <= u // DAY:
                continue  # same UTC day as the gap's start: one update, dated by the first
            key = (u, u_url, update.time, update.url, first_board)
            gap = memo.gaps.get(key) if memo is not None else None
            if gap is None:
                gap = _gap(thread, dates, rulebook, u, u_url, update, end, False, as_of)
                if memo is not None:
                    memo.gaps[key] = gap
            gaps.append((gap, key))
            u, u_url = update.time, update.url
            if stop is not None and stop.by_report and update.time >= stop.at:
                ended = True
                break
        if not ended:
            last = _gap(
                thread,
                dates,
                rulebook,
                u,
                u_url,
                None,
                end,
                still_open,
                as_of,
                memo,
                repeats_from,
            )
            gaps.append((last, None))
    return gaps


def _revocation_delay(thread: BugThread, u: int, end: int) -> bool:
    """The whiteboard carried the revocation-delay tag at some time during ``[u, end]`` (for a
    bug of unknown history: its one known whiteboard)."""
    boards = thread.whiteboard
    for index, board in enumerate(boards):
        until = boards[index + 1].start if index + 1 < len(boards) else NEVER
        if board.revocation_delay and (board.start <= end or index == 0) and until > u:
            return True
    return False


def _gap(
    thread: BugThread,
    dates: _Dates,
    rulebook: Rulebook,
    u: int,
    u_url: str,
    update: Comment | None,
    end: int,
    still_open: bool,
    as_of: int,
    memo: BugMemo | None = None,
    repeats_from: int | None = None,
) -> Gap:
    """Rows of the gap from ``u`` to ``update`` (or to ``end``: a close, a stop, ``as_of``)."""
    v = update.time if update is not None else None
    stop_at = v if v is not None else end
    version, limit = rulebook.limit("update_cadence", u)
    if limit is None:
        return Gap(u, stop_at, [])
    capped = limit.scope == "revocation_cap" and _revocation_delay(thread, u, stop_at)
    if update is None:
        return _silence(
            dates, limit, version, u, u_url, end, still_open, as_of, capped, memo, repeats_from
        )
    v, v_url = update.time, update.url
    found: list[tuple[int, int, str, int]] = []
    base = Limit(limit.within, "days").due(u)
    _, since, _, base = _search(dates, limit, u, v, capped, (u, None, 0, base), found)
    rows = [
        CadenceRow(begun, due, v, "missed", v - due, basis, n, version, u_url, v_url)
        for begun, due, basis, n in found
    ]
    if not found:  # met: the limit in force just before the update (a date written with it
        # is the next gap's)
        due, basis = dates.at(max(u, v - 1), u, base, since, capped)
        rows.append(CadenceRow(u, due, v, "met", 0, basis, 0, version, u_url, v_url))
    return Gap(u, v, rows)


def _search(
    dates: _Dates,
    limit: Limit,
    u: int,
    end: int,
    capped: bool,
    state: tuple[int, int | None, int, int],
    found: list[tuple[int, int, str, int]],
) -> tuple[int, int | None, int, int]:
    """The deadlines of the gap from ``u`` that pass before ``end``, searched on from
    ``state`` (start, since, repeat, base): each is added to ``found`` as (start, due, basis,
    repeat); the state after the last is returned. A missed deadline's next one is the end of
    the day ``limit`` days later, or a Next-update date written since."""
    start, since, repeat, base = state
    while True:
        begin = start if since is None else since + 1
        crossing = dates.crossing(begin, end, base, since, capped)
        if since is None and crossing is not None and crossing[0] < u:
            crossing = (u, crossing[1])
        if crossing is None:
            return start, since, repeat, base
        due, basis = crossing
        found.append((start, due, basis, repeat))
        start, since, repeat = due, due, repeat + 1
        base = end_of_day(due) + limit.within * DAY


def _silence(
    dates: _Dates,
    limit: Limit,
    version: str,
    u: int,
    u_url: str,
    end: int,
    still_open: bool,
    as_of: int,
    capped: bool,
    memo: BugMemo | None,
    repeats_from: int | None = None,
) -> Gap:
    """Rows of a gap no update ended: a missed row for each deadline before ``end``, and the
    next one pending if the bug is still open.

    The deadlines before an end are the same at any later end (a date written after the
    first end starts after it, and the CA updates a date's use reads are those by ``u``),
    so with ``memo`` a later cut of the thread searches on from where an earlier one
    stopped: a silence of N weeks judged every month costs N deadlines, not N^2.

    ``repeats_from``: the weekly repeats (``repeat`` >= 1) that fell due before it get no
    row. The month loop passes a month's start when it keeps no row of that month: such a
    repeat is not counted in the month (it fell due earlier), adds no breach (it lies inside
    its gap's first row, which is kept) and no obligation overdue (the first row stands for
    its gap), so only a kept month's list of carried misses reads it. Without this, each
    month of a silence of N months rebuilt the rows of all N (N^2).
    """
    key = (u, u_url, capped)
    kept = memo.silences.get(key) if memo is not None else None
    if kept is not None and kept[2] <= end:
        found, state, _searched = kept
    else:
        found, state = [], (u, None, 0, Limit(limit.within, "days").due(u))
    start, since, repeat, base = _search(dates, limit, u, end, capped, state, found)
    if memo is not None:
        memo.silences[key] = (found, (start, since, repeat, base), end)
    shown = found
    if repeats_from is not None and len(found) > 1 and found[1][1] < repeats_from:
        # the deadlines fall due in order: the first row, and those from ``repeats_from``
        first = bisect.bisect_left(found, repeats_from, lo=1, key=_due)
        shown = [found[0], *found[first:]]
    rows = [
        CadenceRow(begun, due, None, "missed", end - due, basis, n, version, u_url, None)
        for begun, due, basis, n in shown
    ]
    if still_open:
        due, basis = dates.at(as_of, u, base, since, capped)
        rows.append(CadenceRow(start, due, None, "pending", 0, basis, repeat, version, u_url, None))
    return Gap(u, end, rows)


def _due(deadline: tuple[int, int, str, int]) -> int:
    return deadline[1]
