"""A calendar month in UTC, and what "as known at the end of the month" means in time.

The one place months are counted: the scorecards, the month-end metrics of the trend, the due
page's link to the latest scorecard and the site's list of months all ask this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from analyzer.env import InputError

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Month:
    """One month: ``start`` is its first instant, ``end`` its last second (the ``as_of``)."""

    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.match(str(text).strip())
        year, number = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        if not (1 <= number <= 12 and 1990 <= year <= 2200):
            raise InputError(f"--month must be a month such as 2026-02, not {text!r}.")
        return cls(year, number)

    @classmethod
    def of(cls, stamp: pd.Timestamp) -> Month:
        """The month ``stamp`` (UTC) falls in."""
        stamp = stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp
        return cls(stamp.year, stamp.month)

    @classmethod
    def last_complete_before(cls, stamp: pd.Timestamp) -> Month:
        """The last month that had ended by ``stamp`` (the default month of a store)."""
        return cls.of(stamp).shift(-1)

    @classmethod
    def span(cls, first: pd.Timestamp, last: pd.Timestamp) -> list[Month]:
        """Every month from the one ``first`` falls in to the one ``last``, oldest first."""
        begin, end = cls.of(first), cls.of(last)
        count = (end.year - begin.year) * 12 + end.number - begin.number
        return [begin.shift(offset) for offset in range(count + 1)]

    @property
    def label(self) -> str:
        return f"{self.year:04d}-{self.number:02d}"

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(year=self.year, month=self.number, day=1, tz="UTC")

    @property
    def end(self) -> pd.Timestamp:
        """First instant of the next month minus one second: the scorecard's ``as_of``."""
        return self.shift(1).start - pd.Timedelta(seconds=1)

    @property
    def next_start(self) -> pd.Timestamp:
        """The first instant of the next month: the exclusive end of ``[start, next_start)``."""
        return self.shift(1).start

    def shift(self, months: int) -> Month:
        index = self.year * 12 + (self.number - 1) + months
        return Month(index // 12, index % 12 + 1)

    def last_twelve(self) -> list[Month]:
        """This month and the eleven before it, oldest first (the trend's months)."""
        return [self.shift(offset) for offset in range(-11, 1)]

    def __str__(self) -> str:
        return self.label
