"""When a bug was open, and its status at ``as_of``, from history when the store has it.

Why here: every rule that depends on "while open" (update cadence, questions) must agree on the
same open periods. With history, status changes give exact periods and reopens; without it
(the bundled snapshot), the bugs table's ``closed`` (possibly estimated) is the one close.
"""

from __future__ import annotations

from dataclasses import dataclass

from analyzer.bmo import CLOSED_STATUSES
from analyzer.metrics.threads import BugThread


@dataclass(frozen=True)
class OpenPeriod:
    start: int
    start_url: str  # comment 0 for the creation, the status change for a reopen
    end: int | None  # None: still open at as_of
    reopened: bool


def first_comment_url(thread: BugThread) -> str:
    return thread.comments[0].url if thread.comments else thread.url


def open_periods(thread: BugThread) -> list[OpenPeriod]:
    """Open periods in time order, cut at ``as_of`` (the thread is already cut there)."""
    if not thread.status_changes:
        return [OpenPeriod(thread.opened, first_comment_url(thread), thread.closed, False)]
    periods: list[OpenPeriod] = []
    is_open = thread.status_changes[0][1] not in CLOSED_STATUSES
    start, start_url, reopened = thread.opened, first_comment_url(thread), False
    for when, _removed, added, url in thread.status_changes:
        now_open = added not in CLOSED_STATUSES
        if is_open and not now_open:
            periods.append(OpenPeriod(start, start_url, when, reopened))
        elif now_open and not is_open:
            start, start_url, reopened = when, url, True
        is_open = now_open
    if is_open:
        periods.append(OpenPeriod(start, start_url, None, reopened))
    return periods


def status_at(thread: BugThread, periods: list[OpenPeriod]) -> tuple[str, str, int | None]:
    """Status, resolution and close time as known at ``as_of``."""
    still_open = bool(periods) and periods[-1].end is None
    if thread.status_changes:
        status = thread.status_changes[-1][2]
    elif thread.initial_status:
        status = thread.initial_status
    elif still_open:
        status = thread.status if thread.status not in CLOSED_STATUSES else "NEW"
    else:
        status = thread.status if thread.status in CLOSED_STATUSES else "RESOLVED"
    if still_open:
        return status, "", None
    if thread.resolutions:
        resolution = thread.resolutions[-1][1]
    else:
        resolution = thread.resolution
    closed = periods[-1].end if periods else thread.closed
    return status, resolution, closed


def is_open_at(t: int, periods: list[OpenPeriod]) -> bool:
    return any(p.start <= t and (p.end is None or t < p.end) for p in periods)


def period_at(t: int, periods: list[OpenPeriod]) -> OpenPeriod | None:
    """The open period ``t`` falls in (None: the bug was closed then)."""
    for period in periods:
        if period.start <= t and (period.end is None or t < period.end):
            return period
    return None
