"""The rules of SPEC "The rules the metrics encode", applied to one bug at a time.

Each rule turns a :class:`BugThread` into deadline rows: (rule, IRG version, start, due, met at,
outcome, overdue seconds, evidence start, evidence met, basis, caveat). The version is the one in
force when the obligation started; a rule not in force then gives no row.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import NamedTuple

from analyzer.metrics.cadence import Gap, update_gaps
from analyzer.metrics.rulebook import Rulebook
from analyzer.metrics.threads import BugThread, Comment
from analyzer.metrics.timeline import (
    OpenPeriod,
    first_comment_url,
    is_open_at,
    open_periods,
    status_at,
)

NO_TEXT = "CA comment text missing: a report may be unseen"
NO_HISTORY = "whiteboard history unknown"
CLOSE_ESTIMATED = "close time estimated"


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


@dataclass
class BugResult:
    thread: BugThread
    periods: list[OpenPeriod]
    rows: list[Row]
    gaps: list[Gap]
    status: str
    resolution: str
    closed: int | None
    updates: list[Comment]


def judge(due: int, met_at: int | None, as_of: int) -> tuple[str, int]:
    """Outcome and overdue seconds of a single-answer obligation."""
    if met_at is not None:
        return ("met", 0) if met_at <= due else ("missed", met_at - due)
    return ("missed", as_of - due) if as_of > due else ("pending", 0)


def evaluate(thread: BugThread, rulebook: Rulebook, as_of: int) -> BugResult:
    periods = open_periods(thread)
    status, resolution, closed = status_at(thread, periods)
    updates = [c for c in thread.comments if c.is_ca_update]
    rows: list[Row] = []
    rows += _first_response(thread, updates, rulebook, as_of)
    if not (closed is not None and resolution in ("INVALID", "DUPLICATE")):
        rows += _full_report(thread, updates, rulebook, as_of)
    gaps = update_gaps(thread, periods, rulebook, as_of)
    rows += _cadence_rows(thread, gaps)
    rows += _needinfo_rows(thread, updates, rulebook, as_of)
    rows += _question_rows(thread, periods, updates, rulebook, as_of)
    return BugResult(thread, periods, rows, gaps, status, resolution, closed, updates)


def _single(
    rule: str, rulebook: Rulebook, start: int, start_url: str, answer: Comment | None, as_of: int
) -> Row | None:
    version, limit = rulebook.limit(rule, start)
    if limit is None:
        return None
    due = limit.due(start)
    met_at = answer.time if answer is not None else None
    outcome, overdue = judge(due, met_at, as_of)
    met_url = answer.url if answer is not None else None
    return Row(
        rule, version, start, due, met_at, outcome, overdue, start_url, met_url, limit.basis, ""
    )


def _first_response(
    thread: BugThread, updates: list[Comment], rulebook: Rulebook, as_of: int
) -> list[Row]:
    first = updates[0] if updates else None
    start_url = first_comment_url(thread)
    row = _single("first_response", rulebook, thread.opened, start_url, first, as_of)
    return [row] if row else []


def _full_report(
    thread: BugThread, updates: list[Comment], rulebook: Rulebook, as_of: int
) -> list[Row]:
    report = next((c for c in updates if c.kind == "full"), None)
    row = _single("full_report", rulebook, thread.opened, first_comment_url(thread), report, as_of)
    if row is None:
        return []
    if row.outcome == "missed" and any(c.kind is None and c.time <= row.due for c in updates):
        # A CA comment the store has no text of came in time: the report may be in it, so a
        # "missed" here would be a claim the data cannot back (the snapshot's usual case).
        row = row._replace(outcome="unknown", overdue=0, caveat=NO_TEXT)
    elif row.outcome != "met" and any(c.kind is None for c in updates):
        row = row._replace(caveat=NO_TEXT)
    return [row]


def _cadence_rows(thread: BugThread, gaps: list[Gap]) -> list[Row]:
    rows = []
    for gap in gaps:
        if gap.outcome is None:
            continue
        caveats = []
        if not thread.history_known:
            caveats.append(NO_HISTORY)
        if gap.ended_by_close and thread.closed_estimated:
            caveats.append(CLOSE_ESTIMATED)
        met_at = gap.end if gap.end_url is not None else None
        rows.append(
            Row(
                "update_cadence",
                gap.version,
                gap.start,
                gap.due,
                met_at,
                gap.outcome,
                gap.overdue_seconds,
                gap.start_url,
                gap.end_url,
                gap.basis,
                "; ".join(caveats),
            )
        )
    return rows


def _needinfo_rows(
    thread: BugThread, updates: list[Comment], rulebook: Rulebook, as_of: int
) -> list[Row]:
    times = [c.time for c in updates]
    rows = []
    for set_at, set_url, to_ca, _cleared in thread.needinfos:
        if not to_ca:
            continue
        index = bisect.bisect_left(times, set_at)
        answer = updates[index] if index < len(updates) else None
        row = _single("needinfo_response", rulebook, set_at, set_url, answer, as_of)
        if row:
            rows.append(row)
    return rows


def _question_rows(
    thread: BugThread,
    periods: list[OpenPeriod],
    updates: list[Comment],
    rulebook: Rulebook,
    as_of: int,
) -> list[Row]:
    keys = [(c.time, c.count) for c in updates]
    rows = []
    for comment in thread.comments:
        if not comment.is_public_other or comment.questions < 1:
            continue
        if not is_open_at(comment.time, periods):
            continue
        index = bisect.bisect_right(keys, (comment.time, comment.count))
        answer = updates[index] if index < len(updates) else None
        row = _single("question_response", rulebook, comment.time, comment.url, answer, as_of)
        if row:
            rows.append(row)
    return rows
