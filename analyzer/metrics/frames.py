"""Per-bug results turned into the ``deadlines`` and ``bug_metrics`` tables (docs/tables.md).

Why a module of its own: the rules work in epoch seconds and plain tuples; the tables are built
once at the end, column by column, so no DataFrame is touched inside the per-bug loop.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.metrics.cadence import segments
from analyzer.metrics.rulebook import DAY, HOUR, RULES
from analyzer.metrics.rules import BugResult, Row
from analyzer.metrics.timeline import is_open_at

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
    "evidence_start",
    "evidence_met",
    "basis",
    "caveat",
]
METRIC_COLUMNS = [
    "bug_id",
    "ca",
    "status",
    "opened",
    "closed",
    "first_ca_response_hours",
    "full_report_days",
    "ca_updates",
    "max_update_gap_days",
    "missed_updates",
    "overdue_days",
    "needinfo_to_ca",
    "needinfo_open",
    "needinfo_late",
    "next_update_dates_set",
    "next_update_missed",
    "questions",
    "questions_late",
]
TIME_DEADLINE = ("start", "due", "met_at")
TIME_METRIC = ("opened", "closed")
_COUNT_PREFIXES = ("ca_updates", "missed_", "needinfo_", "next_update_", "questions")
_NAT = np.iinfo("int64").min  # numpy reads it as NaT
_RULE_ORDER = {rule: i for i, rule in enumerate(RULES)}


def timestamps(values: list[int | None]) -> pd.Series:
    """Epoch seconds (None for none) as a UTC timestamp column."""
    seconds = np.fromiter((_NAT if v is None else v for v in values), "int64", len(values))
    return pd.Series(seconds.astype("datetime64[s]")).dt.tz_localize("UTC").dt.as_unit("us")


def deadlines_frame(results: list[BugResult]) -> pd.DataFrame:
    records = []
    for result in results:
        thread = result.thread
        for row in result.rows:
            records.append(
                (
                    thread.bug_id,
                    thread.ca,
                    row.rule,
                    row.version,
                    row.start,
                    row.due,
                    row.met_at,
                    row.outcome,
                    round(row.overdue / HOUR, 2),
                    row.evidence_start,
                    row.evidence_met,
                    row.basis,
                    row.caveat,
                )
            )
    records.sort(key=lambda r: (r[0], r[4], _RULE_ORDER[r[2]], r[5], r[9]))
    return _frame(records, DEADLINE_COLUMNS, TIME_DEADLINE)


def metrics_frame(results: list[BugResult]) -> pd.DataFrame:
    return _frame([_metrics(result) for result in results], METRIC_COLUMNS, TIME_METRIC)


def _frame(records: list[tuple], names: list[str], time_columns: tuple[str, ...]) -> pd.DataFrame:
    """Column by column, with stable dtypes whatever the rows (even none): UTC times, int
    counts, float durations, text as pandas' default string type."""
    columns = list(zip(*records, strict=True)) if records else [() for _ in names]
    data = {}
    for name, values in zip(names, columns, strict=True):
        if name in time_columns:
            data[name] = timestamps(values)
        elif name == "bug_id" or name.startswith(_COUNT_PREFIXES):
            data[name] = pd.Series(values, dtype="int64")
        elif name.endswith(("_hours", "_days")):
            data[name] = pd.Series(values, dtype="float64")
        else:
            data[name] = pd.Series(values, dtype="str")
    return pd.DataFrame(data)


def _metrics(result: BugResult) -> tuple:
    thread, rows, updates = result.thread, result.rows, result.updates
    first = updates[0].time - thread.opened if updates else None
    report = next((c for c in updates if c.kind == "full"), None)
    gaps = [g.end - g.start for g in result.gaps]
    missed_gaps = [r for r in rows if r.rule == "update_cadence" and r.outcome == "missed"]
    to_ca = [n for n in thread.needinfos if n[2]]
    questions = sum(
        c.questions
        for c in thread.comments
        if c.is_public_other and is_open_at(c.time, result.periods)
    )
    return (
        thread.bug_id,
        thread.ca,
        result.status,
        thread.opened,
        result.closed,
        None if first is None else round(first / HOUR, 2),
        None if report is None else round((report.time - thread.opened) / DAY, 2),
        len(updates),
        round(max(gaps) / DAY, 2) if gaps else None,
        len(missed_gaps),
        round(sum(r.overdue for r in missed_gaps) / DAY, 2),
        len(to_ca),
        sum(1 for n in to_ca if n[3] is None),
        _count(rows, "needinfo_response"),
        _dates_set(result),
        sum(1 for r in missed_gaps if r.basis == "next_update"),
        questions,
        _count(rows, "question_response"),
    )


def _count(rows: list[Row], rule: str) -> int:
    return sum(1 for r in rows if r.rule == rule and r.outcome == "missed")


def _dates_set(result: BugResult) -> int:
    return sum(1 for s in segments(result.thread) if s.day is not None)
