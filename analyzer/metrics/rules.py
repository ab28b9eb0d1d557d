"""The rules of docs/metrics.md ("The rules as implemented"), applied to one bug at a time.

Each rule turns a :class:`BugThread` into deadline rows. The limit is the one in force when the
obligation started (``irg_rules.csv``); a rule not in force then gives no row. Every obligation
ends with the open period it started in: one not met by then is missed and overdue until that
end, never beyond; one that would fall due after it is dropped.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import NamedTuple

from analyzer.metrics.cadence import BugMemo, Gap, keyed_gaps
from analyzer.metrics.lacks import ASSUMED_DATE, CUT_TEXT, NO_HISTORY
from analyzer.metrics.rulebook import DAY, Rulebook, end_of_day
from analyzer.metrics.threads import BugThread, Comment
from analyzer.metrics.timeline import (
    OpenPeriod,
    first_comment_url,
    open_periods,
    period_at,
    status_at,
)
from analyzer.parse.exclusion import excluded_reason

NO_TEXT = "CA comment text missing: a report may be unseen"
NO_COMMENT_TEXT = "comment text missing: it may expect no reply"
CLOSE_ESTIMATED = "close time estimated"
DONE_KINDS = ("full", "closure")


class Row(NamedTuple):
    rule: str
    version: str
    start: int
    due: int
    met_at: int | None
    outcome: str
    overdue: int  # seconds
    evidence_start: str
    evidence_met: str | None
    basis: str
    caveat: str
    repeat: int = 0


@dataclass
class BugResult:
    thread: BugThread
    periods: list[OpenPeriod]
    rows: list[Row]
    gaps: list[Gap]  # start and end of each update gap (its rows are in ``rows``)
    status: str
    resolution: str
    closed: int | None
    updates: list[Comment]
    excluded: str


def evaluate_bug(
    thread: BugThread,
    rulebook: Rulebook,
    as_of: int,
    memo: BugMemo | None = None,
    since: int | None = None,
    carried: bool = True,
) -> BugResult:
    """Every deadline of one bug as known at ``as_of`` (none for a bug not judged then).
    ``memo``: the bug's update gaps already judged at an earlier cut of the same thread
    (:class:`BugMemo`), when it is judged again at a later time.

    ``since``: only the rows a month from ``since`` to ``as_of`` reads are wanted
    (:mod:`analyzer.metrics.months`, which drops the others itself): the update gaps an
    update ended before ``since``, all of whose rows fell due before it, give none (met or
    missed and met before the month: not counted, pending, carried or in breach in it); and,
    unless ``carried`` (the month's list of unmet misses is kept), a silence's weekly
    repeats that fell due before ``since`` give none (:func:`analyzer.metrics.cadence._silence`).
    Without these a bug open N months re-derived every month's rows each month (N^2)."""
    periods = open_periods(thread)
    status, resolution, closed = status_at(thread, periods)
    excluded = excluded_reason(
        thread.summary, thread.whiteboard_text, resolution, status, thread.exclusion_rules
    )
    if not excluded and thread.excluded_override and thread.excluded_override[0] <= as_of:
        excluded = thread.excluded_override[1]  # a staff override, from its ``since``
    updates = [c for c in thread.comments if c.is_ca_update]
    if excluded:
        return BugResult(thread, periods, [], [], status, resolution, closed, updates, excluded)
    rows: list[Row] = []
    rows += _first_response(thread, periods, updates, rulebook, as_of)
    rows += _initial_disclosure(thread, rulebook)
    rows += _full_report(thread, periods, updates, rulebook, as_of)
    keyed = keyed_gaps(thread, periods, rulebook, as_of, memo, None if carried else since)
    rows += _cadence_rows(thread, keyed, memo, since)
    # their rows are in ``rows`` now: at 50x the real corpus a second copy of every update row
    # held 0.3 GB until the tables were built
    gaps = [_bare(gap, key, memo) for gap, key in keyed]
    rows += _action_item_rows(thread, periods, updates, rulebook, as_of)
    rows += _needinfo_rows(thread, periods, updates, rulebook, as_of)
    rows += _comment_rows(thread, periods, updates, rulebook, as_of, memo)
    return BugResult(thread, periods, rows, gaps, status, resolution, closed, updates, excluded)


def _bare(gap: Gap, key: tuple | None, memo: BugMemo | None) -> Gap:
    """The gap without its rows (one copy of a gap kept from cut to cut)."""
    if memo is None or key is None:
        return gap._replace(rows=[])
    bare = memo.bare.get(key)
    if bare is None:
        bare = memo.bare[key] = gap._replace(rows=[])
    return bare


def _close_caveat(thread: BugThread, ended_by_close: bool) -> str:
    """What a row ended by the bug's close rests on: an estimate, or a staff override."""
    if not ended_by_close:
        return ""
    if thread.closed_estimated:
        return CLOSE_ESTIMATED
    return thread.close_override


def _single(
    rule: str,
    rulebook: Rulebook,
    start: int,
    start_url: str,
    answer: Comment | None,
    period: OpenPeriod | None,
    as_of: int,
    thread: BugThread,
) -> Row | None:
    """One obligation met by ``answer`` (or not), ended with its open period."""
    version, limit = rulebook.limit(rule, start)
    if limit is None or period is None:
        return None
    due = limit.due(start)
    end = period.end if period.end is not None else as_of
    if answer is not None and answer.time > end:
        answer = None
    caveat = ""
    if answer is not None:
        met_at = answer.time
        outcome, overdue = ("met", 0) if met_at <= due else ("missed", met_at - due)
    elif due < end:
        met_at, outcome, overdue = None, "missed", end - due
        caveat = _close_caveat(thread, period.end is not None)
    elif period.end is None:
        met_at, outcome, overdue = None, "pending", 0
    else:
        return None  # would fall due after the bug closed
    met_url = answer.url if answer is not None else None
    return Row(
        rule, version, start, due, met_at, outcome, overdue, start_url, met_url, limit.basis, caveat
    )


def _first_response(thread, periods, updates, rulebook, as_of) -> list[Row]:
    """A CA comment within 72 hours of a bug someone else filed (the CA's filing is its own)."""
    if thread.filed_by == "ca" or not periods:
        return []
    first = next((c for c in updates if c.time >= thread.opened), None)
    row = _single(
        "first_response",
        rulebook,
        thread.opened,
        first_comment_url(thread),
        first,
        periods[0],
        as_of,
        thread,
    )
    return [row] if row else []


def _initial_disclosure(thread: BugThread, rulebook: Rulebook) -> list[Row]:
    """The CA filed the bug within 72 hours of the "Non-compliance identified date" its own
    IRG 3.x report states (a date without a time is the end of that UTC day)."""
    if thread.identified is None or thread.filed_by != "ca":
        return []
    start, url = thread.identified
    version, limit = rulebook.limit("initial_disclosure", start)
    if limit is None:
        return []
    due = limit.due(start)
    filed = thread.opened
    outcome, overdue = ("met", 0) if filed <= due else ("missed", filed - due)
    return [
        Row(
            "initial_disclosure",
            version,
            start,
            due,
            filed,
            outcome,
            overdue,
            url,
            first_comment_url(thread),
            limit.basis,
            "",
        )
    ]


def _full_report(thread, periods, updates, rulebook, as_of) -> list[Row]:
    """A Full Incident Report (or a Closure Report that comes first) within 14 days."""
    if not periods:
        return []
    report = next((c for c in updates if c.kind in DONE_KINDS), None)
    row = _single(
        "full_report",
        rulebook,
        thread.opened,
        first_comment_url(thread),
        report,
        periods[0],
        as_of,
        thread,
    )
    if row is None:
        return []
    unseen = [c for c in updates if c.kind is None and c.time <= (row.met_at or as_of)]
    in_time = [c for c in unseen if c.time <= row.due]
    if row.outcome == "missed" and in_time:
        # A CA comment the store has no text of came in time: the report may be in it, so a
        # "missed" here would be a claim the data cannot back (the snapshot's usual case).
        row = row._replace(outcome="unknown", overdue=0, caveat=_unseen_caveat(in_time))
    elif row.outcome != "met" and unseen:
        row = row._replace(caveat=_unseen_caveat(unseen))
    return [row]


def _unseen_caveat(unseen: list[Comment]) -> str:
    """What the store lacks of these CA comments: the end of their texts, or whole texts."""
    return CUT_TEXT if all(c.cut for c in unseen) else NO_TEXT


def _cadence_rows(
    thread: BugThread,
    gaps: list[tuple[Gap, tuple | None]],
    memo: BugMemo | None,
    since: int | None = None,
) -> list[Row]:
    """The update gaps' rows with their caveats; none of a gap an update ended before
    ``since`` whose rows all fell due before it (:func:`evaluate_bug`)."""
    rows: list[Row] = []
    assumed = {b.start for b in thread.whiteboard if b.assumed}
    overridden = {b.day // DAY * DAY: b.override for b in thread.whiteboard if b.override and b.day}
    # a closed gap's rows read no more than its own start, ``overridden`` and the close (only
    # for a row never met, which a closed gap has not): kept per override set
    dates_key = tuple(sorted(overridden.items()))
    for gap, key in gaps:
        if since is not None and key is not None and gap.end < since:
            # a missed row is met by the update ending the gap; the met row is its last
            if not gap.rows or gap.rows[-1].due < since:
                continue
        if memo is not None and key is not None:
            kept = memo.rows.get((key, dates_key))
            if kept is None:
                kept = memo.rows[(key, dates_key)] = _gap_rows(thread, gap, assumed, overridden)
            rows += kept
        else:
            rows += _gap_rows(thread, gap, assumed, overridden)
    return rows


def _gap_rows(
    thread: BugThread, gap: Gap, assumed: set[int], overridden: dict[int, str]
) -> list[Row]:
    """One update gap's rows, with their caveats."""
    rows = []
    for r in gap.rows:
        caveats = []
        if gap.start in assumed and r.basis == "next_update":
            caveats.append(ASSUMED_DATE)
        elif not thread.history_known:
            caveats.append(NO_HISTORY)
        if r.basis == "next_update" and (r.due // DAY * DAY) in overridden:
            caveats.append(overridden[r.due // DAY * DAY])
        if r.outcome == "missed" and r.met_at is None:
            if thread.closed is not None and gap.end == thread.closed:
                if caveat := _close_caveat(thread, True):
                    caveats.append(caveat)
        rows.append(
            Row(
                "update_cadence",
                r.version,
                r.start,
                r.due,
                r.met_at,
                r.outcome,
                r.overdue,
                r.evidence_start,
                r.evidence_met,
                r.basis,
                "; ".join(caveats),
                r.repeat,
            )
        )
    return rows


def _action_item_rows(thread, periods, updates, rulebook, as_of) -> list[Row]:
    """A CA update within 3 days after an open Action Item's due date (docs/metrics.md,
    ``action_item_update``)."""
    if not thread.action_items:
        return []
    by_count = {c.count: c for c in thread.comments}
    reports = sorted(
        {i.count for i in thread.action_items if i.count in by_count},
        key=lambda n: (by_count[n].time, n),
    )
    closures = [c.time for c in updates if c.kind == "closure"]
    first_closure = closures[0] if closures else None
    times = [c.time for c in updates]
    rows = []
    for k, count in enumerate(reports):
        posted = by_count[count].time
        replaced = by_count[reports[k + 1]].time if k + 1 < len(reports) else None
        for item in thread.action_items:
            if item.count != count or item.done:
                continue
            start = end_of_day(item.due_day)
            if start < posted or (replaced is not None and start >= replaced):
                continue  # not in force: due before the report, or its table was replaced
            if first_closure is not None and start >= first_closure:
                continue  # a Closure Report ends them all
            if start > as_of:
                continue  # its due day has not ended: no obligation yet
            period = period_at(start, periods)
            index = bisect.bisect_left(times, item.due_day)
            answer = updates[index] if index < len(updates) else None
            version, limit = rulebook.limit("action_item_update", start)
            if limit is None or period is None:
                continue
            row = _single(
                "action_item_update",
                rulebook,
                start,
                by_count[count].url,
                answer,
                period,
                as_of,
                thread,
            )
            if row is not None:
                due = item.due_day + DAY - 1 + limit.within * DAY
                rows.append(_rejudge(row, due, period, as_of))
    return rows


def _rejudge(row: Row, due: int, period: OpenPeriod, as_of: int) -> Row:
    """The same row with another due time (action items count from their due *day*)."""
    end = period.end if period.end is not None else as_of
    if row.met_at is not None:
        outcome, overdue = ("met", 0) if row.met_at <= due else ("missed", row.met_at - due)
    elif due < end:
        outcome, overdue = "missed", end - due
    else:
        outcome, overdue = "pending", 0
    return row._replace(due=due, outcome=outcome, overdue=overdue)


def _needinfo_rows(thread, periods, updates, rulebook, as_of) -> list[Row]:
    """A CA comment within 7 days of a needinfo to a CA-side account; a non-CA account's clear
    before it fell due (and before any answer) withdraws it, a later one ends the overdue."""
    times = [c.time for c in updates]
    rows = []
    for request in thread.needinfos:
        if not request.to_ca:
            continue
        period = period_at(request.set_at, periods)
        index = bisect.bisect_left(times, request.set_at)
        answer = updates[index] if index < len(updates) else None
        row = _single(
            "needinfo_response",
            rulebook,
            request.set_at,
            request.url,
            answer,
            period,
            as_of,
            thread,
        )
        if row is None:
            continue
        cleared = request.cleared_at
        by_other = cleared is not None and request.cleared_by_role not in (None, "ca")
        answered_first = row.met_at is not None and row.met_at <= (cleared or row.met_at)
        if by_other and not answered_first:
            assert cleared is not None and period is not None  # a row has its period
            if cleared <= row.due:
                row = row._replace(met_at=None, outcome="withdrawn", overdue=0, evidence_met=None)
            elif row.outcome == "missed":
                end = min(cleared, period.end if period.end is not None else as_of)
                row = row._replace(met_at=None, overdue=end - row.due, evidence_met=None)
        rows.append(row)
    return rows


def _expects_reply(comment: Comment, scope: str) -> tuple[bool, str]:
    if scope == "questions":
        return comment.questions > 0, ""
    if comment.expects_reply is None:
        return True, NO_COMMENT_TEXT
    return comment.expects_reply, ""


def _comment_rows(thread, periods, updates, rulebook, as_of, memo=None) -> list[Row]:
    """A CA comment within 7 days of a public comment by someone else that expects a reply:
    under IRG 2.0 one asking a question, from 3.0 any but closing notices and bare thanks."""
    keys = [(c.time, c.count) for c in updates]
    rows = []
    answered = memo.answered if memo is not None else None
    for comment in thread.comments:
        if not comment.is_public_other or comment.count == 0:
            continue
        if answered is not None and comment.count in answered:
            rows.append(answered[comment.count])  # answered in an earlier cut: settled
            continue
        period = period_at(comment.time, periods)
        if period is None:
            continue
        _version, limit = rulebook.limit("comment_response", comment.time)
        if limit is None:
            continue
        expects, caveat = _expects_reply(comment, limit.scope)
        if not expects:
            continue
        index = bisect.bisect_right(keys, (comment.time, comment.count))
        answer = updates[index] if index < len(updates) else None
        row = _single(
            "comment_response", rulebook, comment.time, comment.url, answer, period, as_of, thread
        )
        if row is not None:
            if caveat and row.outcome in ("missed", "pending"):
                row = row._replace(caveat="; ".join(c for c in (row.caveat, caveat) if c))
            rows.append(row)
            if answered is not None and row.met_at is not None:
                # its answer is in this cut, so in every later one, and it came within the
                # comment's open period (which a later cut does not shorten)
                answered[comment.count] = row
    return rows
