"""Per-bug results turned into the ``deadlines``, ``bug_metrics``, ``breaches`` and
``ca_months`` tables (docs/tables.md).

Why a module of its own: the rules work in epoch seconds and plain tuples; the tables are built
once at the end, column by column, so no DataFrame is touched inside the per-bug loop.
"""

from __future__ import annotations

import bisect
from datetime import datetime, timezone

import numpy as np
import pandas as pd

from analyzer.metrics.breach import Breach, open_spans
from analyzer.metrics.cadence import date_segments
from analyzer.metrics.rulebook import DAY, HOUR, RULES
from analyzer.metrics.rules import DONE_KINDS, BugResult, Row
from analyzer.tables import text_column

DEADLINE_COLUMNS = [
    "bug_id",
    "ca",
    "rule",
    "irg_version",
    "start",
    "due",
    "met_at",
    "outcome",
    "overdue_hours",
    "basis",
    "repeat",
    "caveat",
    "evidence_start",
    "evidence_met",
]
METRIC_COLUMNS = [
    "bug_id",
    "ca",
    "status",
    "opened",
    "closed",
    "closed_estimated",
    "filed_by",
    "excluded",
    "first_ca_response_hours",
    "full_report_days",
    "disclosure_delay_hours",
    "ca_updates",
    "max_update_gap_days",
    "missed_updates",
    "overdue_days",
    "needinfo_to_ca",
    "needinfo_open",
    "needinfo_late",
    "next_update_dates_set",
    "next_update_missed",
    "next_update_set_by_ca",
    "comments_needing_reply",
    "comments_late",
    "open_days",
    "breach_days",
    "compliance",
]
BREACH_COLUMNS = ["bug_id", "ca", "start", "end", "rules", "caveated", "caveat"]
CA_MONTH_COLUMNS = [
    "ca",
    "month",
    "bugs_open",
    "open_days",
    "breach_days",
    "breach_days_caveated",
    "compliance",
    "overdue_at_end",
    *[f"{rule}_{what}" for rule in RULES for what in ("due", "met", "missed")],
]
TIMES = ("start", "due", "met_at", "opened", "closed", "end")
INTS = ("bug_id", "repeat", "bugs_open", "overdue_at_end")
BOOLS = ("closed_estimated", "caveated")
FLOATS = ("compliance", "breach_days_caveated")
_COUNT_PREFIXES = ("ca_updates", "missed_", "needinfo_", "next_update_", "comments_")
_RULE_COUNTS = frozenset(f"{rule}_{what}" for rule in RULES for what in ("due", "met", "missed"))
_NAT = np.iinfo("int64").min  # numpy reads it as NaT
_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


def timestamps(values) -> pd.Series:
    """Epoch seconds (None for none) as a UTC timestamp column."""
    values = list(values)
    seconds = np.fromiter((_NAT if v is None else v for v in values), "int64", len(values))
    return pd.Series(seconds.astype("datetime64[s]")).dt.tz_localize("UTC").dt.as_unit("us")


def deadlines_frame(results: list[BugResult]) -> pd.DataFrame:
    """One row per deadline, by bug, start, rule, due and repeat (column by column: at 50x
    the real corpus a row-tuple per deadline and one sort of them all cost seconds)."""
    rows: list[Row] = []
    bug_ids: list[int] = []
    cas: list[str] = []
    for result in sorted(results, key=lambda r: r.thread.bug_id):
        mine = sorted(result.rows, key=row_order)
        rows += mine
        bug_ids += [result.thread.bug_id] * len(mine)
        cas += [result.thread.ca] * len(mine)
    return rows_frame(rows, bug_ids, cas)


def rows_frame(rows: list[Row], bug_ids: list[int], cas: list[str]) -> pd.DataFrame:
    """The deadlines table of these rows, in the order given (each with its bug and CA)."""
    fields = list(zip(*rows, strict=True)) if rows else [() for _ in Row._fields]
    field = dict(zip(Row._fields, fields, strict=True))  # one transposition, in C
    columns = [
        bug_ids,
        cas,
        field["rule"],
        field["version"],
        field["start"],
        field["due"],
        field["met_at"],
        field["outcome"],
        [round(seconds / HOUR, 2) for seconds in field["overdue"]],
        field["basis"],
        field["repeat"],
        field["caveat"],
        field["evidence_start"],
        field["evidence_met"],
    ]
    return _columns_frame(columns, DEADLINE_COLUMNS)


def row_order(row: Row) -> tuple:
    return (row.start, _RULE_ORDER[row.rule], row.due, row.repeat)


def breaches_frame(results: list[BugResult], spans: dict[int, list[Breach]]) -> pd.DataFrame:
    records = [
        (r.thread.bug_id, r.thread.ca, b.start, b.end, b.rules, b.caveated, b.caveat)
        for r in results
        for b in spans.get(r.thread.bug_id, [])
    ]
    return _frame(records, BREACH_COLUMNS)


def metrics_frame(
    results: list[BugResult], spans: dict[int, list[Breach]], as_of: int
) -> pd.DataFrame:
    return _frame(
        [_metrics(r, spans.get(r.thread.bug_id, []), as_of) for r in results], METRIC_COLUMNS
    )


def records_frame(records: list[tuple], names: list[str]) -> pd.DataFrame:
    """A table of these records (tuples in the order of ``names``), with the stable dtypes
    of every metrics table."""
    return _frame(records, names)


def _frame(records: list[tuple], names: list[str]) -> pd.DataFrame:
    """Column by column, with stable dtypes whatever the rows (even none): UTC times, int
    counts, float durations and shares, bools, text as pandas' default string type."""
    columns = list(zip(*records, strict=True)) if records else [() for _ in names]
    return _columns_frame(columns, names)


def _columns_frame(columns: list, names: list[str]) -> pd.DataFrame:
    data = {}
    for name, values in zip(names, columns, strict=True):
        if name in TIMES:
            data[name] = timestamps(values)
        elif name in INTS or name in _RULE_COUNTS or name.startswith(_COUNT_PREFIXES):
            data[name] = pd.Series(values, dtype="int64")
        elif name in BOOLS:
            data[name] = pd.Series(values, dtype="bool")
        elif name in FLOATS or name.endswith(("_hours", "_days")):
            data[name] = pd.Series([np.nan if v is None else v for v in values], dtype="float64")
        else:
            data[name] = text_column(list(values))
    return pd.DataFrame(data)


def _metrics(result: BugResult, breach: list[Breach], as_of: int) -> tuple:
    thread, rows, updates = result.thread, result.rows, result.updates
    first = next((c for c in updates if c.time >= thread.opened), None)
    first_hours = None
    if first is not None and thread.filed_by != "ca":
        first_hours = round((first.time - thread.opened) / HOUR, 2)
    report = next((c for c in updates if c.kind in DONE_KINDS), None)
    gaps = [g.end - g.start for g in result.gaps]
    cadence = [r for r in rows if r.rule == "update_cadence"]
    missed = [r for r in cadence if r.outcome == "missed"]
    to_ca = [n for n in thread.needinfos if n.to_ca]
    segments = date_segments(thread.whiteboard)
    disclosure = None
    if thread.identified is not None:
        disclosure = round((thread.opened - thread.identified[0]) / HOUR, 2)
    open_seconds = sum(b - a for a, b in open_spans(result.periods, as_of))
    breach_seconds = sum(b.end - b.start for b in breach)
    judged = not result.excluded
    return (
        thread.bug_id,
        thread.ca,
        result.status,
        thread.opened,
        result.closed,
        bool(thread.closed_estimated and result.closed is not None),
        thread.filed_by,
        result.excluded,
        first_hours,
        None if report is None else round((report.time - thread.opened) / DAY, 2),
        disclosure,
        len(updates),
        round(max(gaps) / DAY, 2) if gaps else None,
        len(missed),
        round(sum(r.overdue for r in missed if r.repeat == 0) / DAY, 2),
        len(to_ca),
        sum(1 for n in to_ca if n.cleared_at is None),
        _count(rows, "needinfo_response"),
        sum(1 for s in segments if s.day is not None and s.honoured),
        sum(1 for r in missed if r.basis == "next_update"),
        sum(1 for s in segments if s.day is not None and not s.honoured),
        sum(1 for r in rows if r.rule == "comment_response"),
        _count(rows, "comment_response"),
        round(open_seconds / DAY, 4),
        round(breach_seconds / DAY, 4) if judged else None,
        (round(1 - breach_seconds / open_seconds, 4) if judged and open_seconds > 0 else None),
    )


def counted_at(row: Row, opened: int) -> int:
    """When a deadline counts: when it fell due, or when its bug was filed if it fell due
    before (an ``initial_disclosure`` missed before the bug existed counts when it is seen)."""
    return max(row.due, opened)


def _count(rows: list[Row], rule: str) -> int:
    return sum(1 for r in rows if r.rule == rule and r.outcome == "missed")


# -- per CA and month ------------------------------------------------------------------------


def _all_month_starts(first_year: int, last_year: int) -> list[int]:
    return [
        int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp())
        for year in range(first_year, last_year + 1)
        for month in range(1, 13)
    ]


_MONTH_STARTS = _all_month_starts(1995, 2100)  # looked up, not recomputed, for every bug


def _month_starts(first: int, last: int) -> list[int]:
    """00:00 UTC of the 1st of every month from ``first``'s to ``last``'s (inclusive), plus the
    start of the month after."""
    starts = _MONTH_STARTS
    if starts[0] <= first and last < starts[-1]:
        lo = bisect.bisect_right(starts, first) - 1
        hi = bisect.bisect_right(starts, last)
        return starts[lo : hi + 1]
    day = datetime.fromtimestamp(first, timezone.utc)
    year, month = day.year, day.month
    out = []
    while True:
        start = int(datetime(year, month, 1, tzinfo=timezone.utc).timestamp())
        out.append(start)
        if start > last:
            return out
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _label(start: int) -> str:
    return datetime.fromtimestamp(start, timezone.utc).strftime("%Y-%m")


def ca_months_frame(
    results: list[BugResult],
    spans: dict[int, list[Breach]],
    as_of: int,
    only_month: int | None = None,
) -> pd.DataFrame:
    """Per CA and month: judged bug-days open and in breach, deadlines that fell due
    (:func:`counted_at`), and obligations overdue at the month's end (the first second of
    the next month) or at ``as_of``. ``only_month``: 00:00 UTC of the
    1st of the one month wanted (the trend's), the others are not counted."""
    cells = _cells(results, spans, as_of, only_month)
    return _frame(_ca_month_records(cells), CA_MONTH_COLUMNS)


def _cells(
    results: list[BugResult],
    spans: dict[int, list[Breach]],
    as_of: int,
    only_month: int | None,
) -> dict[tuple[str, int], dict]:
    cells: dict[tuple[str, int], dict] = {}

    def cell_of(ca: str, month: int) -> dict:
        cell = cells.get((ca, month))
        if cell is None:
            cell = cells[(ca, month)] = _empty_cell()
        return cell

    for result in results:
        if result.excluded:
            continue
        opened = open_spans(result.periods, as_of)
        if not opened:
            continue
        ca = result.thread.ca
        breach = spans.get(result.thread.bug_id, [])
        if only_month is not None:  # the one month's cell is all that is counted
            window = (only_month, _month_after(only_month))
            opened = _within(opened, window)
            breach = [b for b in breach if b.start < window[1] and b.end > window[0]]
        if opened:
            _add_open_time(cell_of, ca, opened, breach, result.rows, as_of, only_month)
        if only_month is not None:  # the month's alone: no month looked up for each row
            _count_month(cell_of, ca, result, as_of, only_month, window[1])
            continue
        for row in result.rows:
            if row.outcome == "pending" or row.due > as_of:
                continue
            month = _month_of(counted_at(row, result.thread.opened))
            cell = cell_of(ca, month)
            cell[f"{row.rule}_due"] += 1
            if row.outcome in ("met", "missed"):
                cell[f"{row.rule}_{row.outcome}"] += 1
    return cells


def _count_month(
    cell_of,  # noqa: ANN001
    ca: str,
    result: BugResult,
    as_of: int,
    month: int,
    after: int,
) -> None:
    """The deadlines of one bug counted in the month ``[month, after)``, as :func:`_cells`
    counts them in every month."""
    opened = result.thread.opened
    for row in result.rows:
        due = row.due
        if row.outcome == "pending" or due > as_of:
            continue
        counted = due if due > opened else opened  # counted_at
        if counted < month or counted >= after:
            continue
        cell = cell_of(ca, month)
        cell[f"{row.rule}_due"] += 1
        if row.outcome in ("met", "missed"):
            cell[f"{row.rule}_{row.outcome}"] += 1


def ca_month_records(
    results: list[BugResult], spans: dict[int, list[Breach]], as_of: int, only_month: int
) -> list[tuple]:
    """:func:`ca_months_frame`'s rows of one month, as tuples (many months make one table)."""
    return _ca_month_records(_cells(results, spans, as_of, only_month))


def _ca_month_records(cells: dict[tuple[str, int], dict]) -> list[tuple]:
    records = []
    for (ca, lo), cell in sorted(cells.items()):
        open_days = cell["open"] / DAY
        records.append(
            (
                ca,
                _label(lo),
                cell["bugs_open"],
                round(open_days, 4),
                round(cell["breach"] / DAY, 4),
                round(cell["caveated"] / DAY, 4),
                round(1 - cell["breach"] / cell["open"], 4) if cell["open"] > 0 else None,
                cell["overdue_at_end"],
                *[cell[name] for name in _CELL_RULE_KEYS],
            )
        )
    return records


def _add_open_time(
    cell_of,  # noqa: ANN001
    ca: str,
    opened: list[tuple[int, int]],
    breach: list[Breach],
    rows: list[Row],
    as_of: int,
    only_month: int | None,
) -> None:
    """One bug's open and breach seconds per month, and its obligations overdue at each
    month's end."""
    firm = [(b.start, b.end) for b in breach]
    caveated = [(b.start, b.end) for b in breach if b.caveated]
    bounds = _month_starts(opened[0][0], opened[-1][1] - 1)
    ends = [min(hi, as_of) for hi in bounds[1:]]  # a month ends at the next one's first second
    overdue = [0] * len(ends)
    if len(ends) == 1:  # one month (the trend's): the same count without a search per row
        overdue[0] = _overdue_at(rows, ends[0], as_of)
        rows = []
    for row in rows:
        if row.outcome != "missed" or row.repeat != 0:  # one obligation per gap, its first row:
            continue  # a month whose rows are not kept builds no weekly repeat it carries
        until = row.due + row.overdue
        lo = bisect.bisect_right(ends, row.due)
        hi = bisect.bisect_left(ends, until)
        for k in range(lo, hi):
            overdue[k] += 1
        if until >= as_of and row.met_at is None and ends and ends[-1] == as_of:
            if row.due < as_of and hi < len(ends) and ends[hi] == as_of:
                overdue[hi] += 1
    open_s = _spread(opened, bounds)
    firm_s = _spread(firm, bounds) if firm else None
    caveated_s = _spread(caveated, bounds) if caveated else None
    for k, lo in enumerate(bounds[:-1]):
        if open_s[k] <= 0 or (only_month is not None and lo != only_month):
            continue
        cell = cell_of(ca, lo)
        cell["bugs_open"] += 1
        cell["open"] += open_s[k]
        if firm_s is not None:
            cell["breach"] += firm_s[k]
        if caveated_s is not None:
            cell["caveated"] += caveated_s[k]
        cell["overdue_at_end"] += overdue[k]


def _overdue_at(rows: list[Row], end: int, as_of: int) -> int:
    """Obligations overdue at ``end``, the one month's end, as :func:`_add_open_time` counts
    them: missed and not yet met or ended then, or unmet at ``as_of`` if it ends then. Only a
    gap's first row counts (a month whose rows are not kept builds no weekly repeat it carries:
    metrics/cadence.py ``_silence``'s ``repeats_from``)."""
    count = 0
    for row in rows:
        if row.outcome != "missed" or row.repeat != 0:
            continue
        until = row.due + row.overdue
        if row.due < end < until:
            count += 1
        elif end == as_of and until == as_of and row.met_at is None and row.due < as_of:
            count += 1
    return count


_CELL_RULE_KEYS = [f"{rule}_{what}" for rule in RULES for what in ("due", "met", "missed")]
_EMPTY_CELL = {
    "bugs_open": 0,
    "open": 0,
    "breach": 0,
    "caveated": 0,
    "overdue_at_end": 0,
    **dict.fromkeys(_CELL_RULE_KEYS, 0),
}


def _within(spans: list[tuple[int, int]], window: tuple[int, int]) -> list[tuple[int, int]]:
    lo, hi = window
    return [(max(a, lo), min(b, hi)) for a, b in spans if b > lo and a < hi]


def _month_after(start: int) -> int:
    """00:00 UTC of the 1st of the month after the one starting at ``start``."""
    return _month_of(start + 32 * DAY)


def _spread(spans: list[tuple[int, int]], bounds: list[int]) -> list[int]:
    """Seconds of ``spans`` (sorted, disjoint) in each month ``[bounds[k], bounds[k + 1])``."""
    out = [0] * (len(bounds) - 1)
    for a, b in spans:
        k = max(bisect.bisect_right(bounds, a) - 1, 0)
        while k < len(out) and bounds[k] < b:
            lo, hi = max(a, bounds[k]), min(b, bounds[k + 1])
            if hi > lo:
                out[k] += hi - lo
            k += 1
    return out


def _empty_cell() -> dict:
    return dict(_EMPTY_CELL)


_MONTH_CACHE: dict[int, int] = {}


def _month_of(seconds: int) -> int:
    """00:00 UTC of the 1st of the month ``seconds`` falls in (cached per day)."""
    day = seconds // DAY
    month = _MONTH_CACHE.get(day)
    if month is None:
        stamp = datetime.fromtimestamp(seconds, timezone.utc)
        month = int(datetime(stamp.year, stamp.month, 1, tzinfo=timezone.utc).timestamp())
        _MONTH_CACHE[day] = month
    return month
