"""Times as the tables hold them: tz-aware UTC pandas Timestamps, written as ISO with a ``Z``.

Why one module: a naive time read as local time, or a date read as midnight in another zone,
shifts a deadline by hours; every stage converts the same way here.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

ISO = "%Y-%m-%dT%H:%M:%SZ"


def utc(value: str | dt.date | dt.datetime | pd.Timestamp) -> pd.Timestamp:
    """``value`` as a tz-aware UTC Timestamp; a naive time or a date is read as UTC."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def iso(value: object) -> str | None:
    """``2026-03-14T06:35:52Z``, or None for a missing time."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return utc(value).strftime(ISO)  # type: ignore[arg-type]
