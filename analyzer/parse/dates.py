"""Dates as people type them into whiteboards: ISO, month names, day-first dots, US hyphens.

Spellings seen in the real corpus: ``2025-02-01``, ``3-1-2023`` (month first), ``01-Nov-2023``,
``2023-Oct-27``, ``2-Oct-2023``, ``23.2.2024`` (day first), ``2025-04-24-``.
"""

from __future__ import annotations

import re
from datetime import date

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ),
        start=1,
    )
    for name in names
}

FIRST_YEAR, LAST_YEAR = 1990, 2200
_MON = r"([A-Za-z]{3,9})\.?"
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# (pattern, order of the groups as y/m/d letters; "n" is a numeric field read as month-first)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), order)
    for pattern, order in (
        (r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)", "ymd"),
        (rf"(\d{{4}})[-/ ]{_MON}[-/ ,]*{_DAY}(?!\d)", "ybd"),
        (rf"{_DAY}[-/. ]+{_MON}[-/., ]*(\d{{4}})(?!\d)", "dby"),
        (rf"{_MON}\s+{_DAY},?\s+(\d{{4}})(?!\d)", "bdy"),
        (r"(\d{1,2})\.(\d{1,2})\.(\d{4})(?!\d)", "dmy"),
        (r"(\d{1,2})[-/](\d{1,2})[-/](\d{4})(?!\d)", "nny"),
    )
)


def parse_date(text: str) -> date | None:
    """The date written at the start of ``text``, or None when there is none or it is invalid."""
    text = text.strip()
    return date_at(text, 0, len(text))


# Every pattern but the month-first one starts with a digit (``\d``: a decimal of any script)
_BY_DIGIT = tuple(item for item in _PATTERNS if item[1] != "bdy")
_BY_NAME = tuple(item for item in _PATTERNS if item[1] == "bdy")


def date_at(text: str, pos: int, end: int) -> date | None:
    """The date written at ``text[pos:end]``'s start, read in place: no copy of the rest, so
    a caller trying every word of a long text stays linear in its length."""
    if pos >= end:
        return None
    for pattern, order in _BY_DIGIT if text[pos].isdecimal() else _BY_NAME:
        match = pattern.match(text, pos, end)
        if match:
            return _build(match.groups(), order)
    return None


_WORD_START = re.compile(r"\b(?=\w)")


def find_date(text: str) -> date | None:
    """The first date anywhere in ``text`` (``week of 2025-03-03``), trying each word start."""
    for start in _WORD_START.finditer(text):  # read in place: a copy of the rest each was O(n²)
        found = date_at(text, start.start(), len(text))
        if found is not None:
            return found
    return None


def _build(groups: tuple[str, ...], order: str) -> date | None:
    fields: dict[str, int] = {}
    for letter, value in zip(order, groups, strict=True):
        if letter == "b":
            month = _MONTHS.get(value.lower())
            if month is None:
                return None
            fields["m"] = month
        elif letter != "n":
            fields[letter] = int(value)
    if order == "nny":  # month first (US), unless the first number cannot be a month
        first, second = int(groups[0]), int(groups[1])
        fields["m"], fields["d"] = (second, first) if first > 12 else (first, second)
    if not FIRST_YEAR <= fields["y"] <= LAST_YEAR:  # a typo (3025) no table could hold
        return None
    try:
        return date(fields["y"], fields["m"], fields["d"])
    except ValueError:
        return None
