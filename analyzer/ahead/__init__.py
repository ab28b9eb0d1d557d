"""Ahead of the deadline: what is due, which promises were kept, how complete the reports are.

The scorecards call :func:`scorecard_extras`; ``analyzer due`` and notebooks use the tables.
"""

from __future__ import annotations

import datetime as dt
import weakref

import pandas as pd

from analyzer.ahead.completeness import COLUMNS as REPORT_COLUMNS
from analyzer.ahead.completeness import report_completeness
from analyzer.ahead.due import due_table, parse_window
from analyzer.ahead.promises import COLUMNS as PROMISE_COLUMNS
from analyzer.ahead.promises import promise_summary, promises_table

BUG_URL = "https://bugzilla.mozilla.org/show_bug.cgi?id={}"

__all__ = [
    "due_table",
    "parse_window",
    "promise_summary",
    "promises_table",
    "report_completeness",
    "scorecard_extras",
]


def month_window(month_start, month_end) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) in UTC: ``month_end`` is exclusive when it is a midnight on the 1st (the
    next month's start), else its whole day is included."""
    start = _utc(month_start).normalize()
    end = _utc(month_end)
    if not (end == end.normalize() and end.day == 1):
        end = end.normalize() + pd.Timedelta(days=1)
    return start, end


def scorecard_extras(corpus, ca: str, month_start, month_end) -> dict[str, list[dict]]:
    """The promises that fell due in the month and the reports posted in it, for one CA.

    ``promises``: {bug_id, url, text, promised (date), status, evidence_url} judged at the
    month's end (or the last sync, if earlier); ``completeness``: {bug_id, url, kind, template,
    missing, stale_template} for reports whose whole text the store holds.
    """
    start, end = month_window(month_start, month_end)
    as_of = min(end - pd.Timedelta(seconds=1), corpus.observed_at)
    window = (start, end)
    promises = _cached(
        corpus,
        ("promises", as_of, window),
        lambda: _by_ca(promises_table(corpus, as_of, window=window)),
    ).get(ca, _EMPTY_PROMISES)
    reports = _cached(
        corpus,
        ("completeness", window),
        lambda: _by_ca(report_completeness(corpus, window=window)),
    ).get(ca, _EMPTY_REPORTS)
    reports = reports[reports["text_complete"]]
    return {
        "promises": [
            {
                "bug_id": int(row.bug_id),
                "bug_url": BUG_URL.format(int(row.bug_id)),
                "url": row.url,
                "text": row.text,
                "promised": row.promised.date(),
                "status": row.status,
                "evidence_url": row.evidence_url if isinstance(row.evidence_url, str) else None,
                "kind": row.kind,
            }
            for row in promises.itertuples(index=False)
        ],
        "completeness": [
            {
                "bug_id": int(row.bug_id),
                "bug_url": BUG_URL.format(int(row.bug_id)),
                "url": row.url,
                "kind": row.kind,
                "template": row.template,
                "missing": list(row.missing),
                "stale_template": bool(row.stale_template),
                "follows": row.follows,
                "posted": row.posted.date(),
            }
            for row in reports.itertuples(index=False)
        ],
    }


_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_EMPTY_PROMISES = pd.DataFrame(columns=PROMISE_COLUMNS).astype({"promised": "datetime64[ns, UTC]"})
_EMPTY_REPORTS = pd.DataFrame(columns=REPORT_COLUMNS).astype(
    {"posted": "datetime64[ns, UTC]", "text_complete": bool}
)


def _by_ca(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """One frame per CA, so a scorecard run over every CA filters each table once."""
    return {str(ca): group for ca, group in frame.groupby("ca", sort=False, dropna=False)}


def _cached(corpus, key: tuple, compute):
    """Scorecards ask once per CA; the whole-corpus tables are computed once per corpus."""
    tables = _CACHE.setdefault(corpus, {})
    if key not in tables:
        tables[key] = compute()
    return tables[key]


def _utc(value) -> pd.Timestamp:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
