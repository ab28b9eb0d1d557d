"""Whiteboard text: normalised tags, the Next-update date, ``[close on DATE]``.

A Next-update mention that cannot be read is kept as ``unparsed`` (a data quality finding that
``analyzer quality`` lists), never silently dropped.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analyzer.parse.dates import date_at, parse_date
from analyzer.parse.reference import Reference, normalise_key

_BRACKETED = re.compile(r"\[([^\[\]]*)\]")
_STRAY_CLOSE = re.compile(r"(?:^|\s)([A-Za-z][\w-]*)\]")  # `audit-finding]` with no `[`
_NEXT_UPDATE = re.compile(r"next[\s_-]*update[\s:=-]*(?:(?:at|on|by|due|is)\b[\s:]*)?", re.I)
_CLOSE_ON = re.compile(r"^close[\s_-]*on[\s:=-]*(.*)$", re.I)
_MENTION_END = re.compile(r"[\]\[;|]")


@dataclass(frozen=True)
class ParsedWhiteboard:
    tags: str
    next_update: pd.Timestamp | None
    next_update_text: str | None
    next_update_status: str  # parsed / absent / unparsed
    close_on: pd.Timestamp | None


def _day(value: date | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value, tz="UTC")


def normalise_tag(tag: str, reference: Reference) -> str:
    """Today's spelling of one tag: table lookup, else lower case with hyphens for spaces."""
    key = normalise_key(tag)
    return reference.tags.get(key, key.replace(" ", "-"))


def parse_whiteboard(value: str, reference: Reference) -> ParsedWhiteboard:
    """Everything the metrics need from one whiteboard value."""
    value = value or ""
    tags: list[str] = []
    close_on = None
    for content in _BRACKETED.findall(value):
        content = content.strip()
        close = _CLOSE_ON.match(content)
        if close:
            close_on = _day(parse_date(close.group(1)))
            continue
        if content and not _NEXT_UPDATE.match(content):
            tags.append(normalise_tag(content, reference))
    for content in _STRAY_CLOSE.findall(_BRACKETED.sub(" ", value)):
        if not _NEXT_UPDATE.match(content):
            tags.append(normalise_tag(content, reference))
    next_update, text, status = _next_update(value)
    unique = list(dict.fromkeys(tag for tag in tags if tag))
    return ParsedWhiteboard(" ".join(unique), next_update, text, status, close_on)


def _next_update(value: str) -> tuple[pd.Timestamp | None, str | None, str]:
    """The first readable Next-update date; else the first mention as ``unparsed``.

    A mention runs from ``Next update`` to the next bracket, ``;`` or ``|``; its date is the
    first one in it (most often right after the words). Linear in the whiteboard's length
    (:class:`_Mentions`): a whiteboard is anyone's text, and 2 MB of near-misses once took a
    minute.
    """
    mentions = _Mentions(value)
    first_text = None
    for match in _NEXT_UPDATE.finditer(value):
        parsed = mentions.first_date(match.end())
        if parsed is not None:
            return _day(parsed), mentions.text(match), "parsed"
        first_text = first_text or mentions.text(match)
    if first_text is not None:
        return None, first_text, "unparsed"
    return None, None, "absent"


_WORD_START = re.compile(r"\b(?=\w)")
_WORD_CHAR = re.compile(r"\w")


class _Mentions:
    """The dates of one whiteboard value, each word tried once for all mentions.

    A mention's segment ends at the first bracket, ``;`` or ``|`` after it, so a date that
    starts at a word ends by that same mark whichever mention it is read for: the dated words
    are found in one pass (from the first mention on) and each mention takes the first one in
    its segment by bisection. Reading each mention's segment afresh was quadratic."""

    def __init__(self, value: str) -> None:
        self.value = value
        self.ends = [mark.start() for mark in _MENTION_END.finditer(value)]
        self.dated: list[int] = []  # word starts where a date is written, ascending
        self.dates: list[date] = []
        self.scanned = len(value)  # word starts from here on are in ``dated``

    def end(self, pos: int) -> int:
        """Where the segment starting at ``pos`` ends."""
        index = bisect.bisect_left(self.ends, pos)
        return self.ends[index] if index < len(self.ends) else len(self.value)

    def first_date(self, pos: int) -> date | None:
        end = self.end(pos)
        # the segment's own first character starts a word in it even inside a word here
        if _WORD_CHAR.match(self.value, pos, end) and not _WORD_START.match(self.value, pos):
            found = date_at(self.value, pos, end)
            if found is not None:
                return found
        self._scan_from(pos)
        index = bisect.bisect_left(self.dated, pos)
        if index < len(self.dated) and self.dated[index] < end:
            return self.dates[index]
        return None

    def _scan_from(self, pos: int) -> None:
        if pos >= self.scanned:
            return
        dated: list[int] = []
        dates: list[date] = []
        for start in _WORD_START.finditer(self.value, pos, self.scanned):
            found = date_at(self.value, start.start(), self.end(start.start()))
            if found is not None:
                dated.append(start.start())
                dates.append(found)
        self.dated[:0], self.dates[:0] = dated, dates
        self.scanned = pos

    def text(self, match: re.Match[str]) -> str:
        """The mention as written: from ``Next update`` to its segment's end."""
        return self.value[match.start() : self.end(match.end())].strip()
