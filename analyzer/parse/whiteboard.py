"""Whiteboard text: normalised tags, the Next-update date, ``[close on DATE]``.

A Next-update mention that cannot be read is kept as ``unparsed`` (a data quality finding that
``analyzer quality`` lists), never silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analyzer.parse.dates import find_date, parse_date
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
    first one in it (most often right after the words).
    """
    first_text = None
    for match in _NEXT_UPDATE.finditer(value):
        rest = value[match.end() :]
        end = _MENTION_END.search(rest)
        segment = rest[: end.start()] if end else rest
        mention = value[match.start() : match.end() + len(segment)].strip()
        parsed = find_date(segment)
        if parsed is not None:
            return _day(parsed), mention, "parsed"
        first_text = first_text or mention
    if first_text is not None:
        return None, first_text, "unparsed"
    return None, None, "absent"
