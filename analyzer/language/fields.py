"""IRG 3.x report fields: the Summary block's labelled values and the Impact block's counts.

Real reports write the same field many ways: ``- CA Owner CCADB unique ID: A000123`` (the
template's Markdown), ``**Non-compliance start date:** 2025-04-01``, a bold label with the value
on the next line, and the page-rendered form a CA copies from the bug page (no bullets, no bold,
"Timeline summary:" with its three dates on the lines below). Each field found is one
:class:`Field`; a date field also carries the moment it states (a date without a time is the
end of that UTC day, as docs/metrics.md reads the identified date of ``initial_disclosure``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from analyzer.language.dates import EXPLICIT_KINDS, find_dates
from analyzer.values import read_count

DATE_FIELDS = ("non_compliance_start", "non_compliance_identified", "non_compliance_end")

_NC = r"non[\s-]?compliance"
_LABELS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern))
    for name, pattern in [
        ("ca_owner_ccadb_id", r"(?:ca owner'?s? )?ccadb (?:unique )?(?:owner )?id(?:entifier)?"),
        ("non_compliance_start", _NC + r" (?:start|begin(?:ning)?|starting) date"),
        ("non_compliance_identified", _NC + r" (?:identified|identification|detection) date"),
        ("non_compliance_end", _NC + r" (?:end|ending|resolved|resolution) date"),
        ("disclosure_source", r"(?:source of (?:the )?incident disclosure|incident disclosure "
         r"source|disclosure source)"),
        ("count", r"total (?:number|count) of (?P<what>[^:\t]{1,60}?)"
         r"(?=\s*(?:\*\*|__)?\s*(?::|\s[-\u2013\u2014]\s|\t|$))"),
    ]
]  # fmt: skip
_MARKUP = re.compile(r"^[\s>]*(?:[-*+\u2022\u25aa\u25e6]\s*|\d{1,2}[.)]\s+)*(?:\*\*|__)?\s*")
_SEPARATOR = re.compile(r"^\s*(?:\*\*|__)?\s*(?::|\s[-\u2013\u2014]\s|\t)\s*(?:\*\*|__)?\s*")
_VALUE_TRIM = " \t*_`"
_WORD = re.compile(r"[^a-z0-9]+")
_QUOTES = str.maketrans({c: "" for c in "\"'\u201c\u201d\u2018\u2019`"})
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:[,\u202f ]\d{3})+|\d+)(?![\w.]\d)")
_CUE = re.compile(r"ccadb|compliance|disclosure|total (?:number|count)")
_TIME = re.compile(
    r"^[\sT,]*(?:at\s+)?(?P<h>[0-2]?\d):(?P<m>[0-5]\d)(?::(?P<s>[0-5]\d))?(?:\.\d+)?\s*"
    r"(?P<ampm>[ap]\.?m\.?)?\s*(?:\(?\s*(?P<zone>utc|gmt|z|cet|cest|eet|eest|est|edt|cst|cdt|"
    r"pst|pdt|jst|kst|ist|(?:utc|gmt)?\s*[+-]\s*\d{1,2}(?::?\d{2})?)\b)?",
    re.IGNORECASE,
)
_ZONES = {"utc": 0, "gmt": 0, "z": 0, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "est": -5,
          "edt": -4, "cst": -6, "cdt": -5, "pst": -8, "pdt": -7, "jst": 9, "kst": 9,
          "ist": 5.5}  # fmt: skip
_OFFSET = re.compile(r"(?:utc|gmt)?\s*(?P<sign>[+-])\s*(?P<h>\d{1,2}):?(?P<m>\d{2})?", re.I)


@dataclass(frozen=True)
class Field:
    field: str
    value: str  # as written
    time: datetime | None  # the moment a date field states (UTC); None when none
    number: int | None  # the count a count field states


def _label_at(line: str) -> tuple[str, str] | None:
    """(field, rest of the line after the label) when ``line`` starts with a field's label."""
    body = _MARKUP.sub("", line, count=1)
    lowered = body.lower().translate(_QUOTES)
    for name, pattern in _LABELS:
        match = pattern.match(lowered)
        if not match:
            continue
        rest_at = _offset_in(body, match.end())
        separator = _SEPARATOR.match(body[rest_at:])
        rest = body[rest_at:]
        if separator:
            rest = rest[separator.end() :]
        elif rest.strip(_VALUE_TRIM) and not rest.lstrip()[:1].isdigit():
            continue  # a sentence that merely begins with the words, not a label
        if name == "count":
            name = _count_name(match.group("what"))
        return name, rest.strip().strip(_VALUE_TRIM).strip()
    return None


def _offset_in(body: str, lowered_end: int) -> int:
    """Position in ``body`` of the ``lowered_end``-th character of its quote-free lower form."""
    seen = 0
    for index, char in enumerate(body):
        if seen == lowered_end:
            return index
        if char not in "\"'\u201c\u201d\u2018\u2019`":
            seen += 1
    return len(body)


def _count_name(what: str) -> str:
    words = _WORD.sub(" ", what.lower()).split()
    words = [w for w in words if w not in ("the", "of", "affected", "impacted")]
    key = "_".join(words)
    if key in ("certificates", "certs", "certificate", "") or key == "certificates_issued":
        return "certificates_affected"
    return "impact_" + key


def _moment(value: str, day: date | None) -> datetime | None:
    """The moment a date value states: its time when written, else 23:59:59 UTC of its day."""
    if day is None:
        return None
    found = [f for f in find_dates(value, day, past=True) if f.kind in EXPLICIT_KINDS]
    if not found:
        return None
    first = found[0]
    when = datetime(first.day.year, first.day.month, first.day.day, tzinfo=timezone.utc)
    clock = _TIME.match(value[first.end :])
    if not clock:
        return when + timedelta(hours=23, minutes=59, seconds=59)
    hour, minute = int(clock["h"]), int(clock["m"])
    if clock["ampm"]:
        hour = hour % 12 + (12 if clock["ampm"].lower().startswith("p") else 0)
    if hour > 23:
        return when + timedelta(hours=23, minutes=59, seconds=59)
    offset = _zone_hours(clock["zone"])
    return when + timedelta(hours=hour - offset, minutes=minute, seconds=int(clock["s"] or 0))


def _zone_hours(zone: str | None) -> float:
    """Hours east of UTC; a time without a zone is read as UTC (IRG timelines are in UTC)."""
    if not zone:
        return 0
    key = zone.lower().replace(" ", "")
    if key in _ZONES:
        return _ZONES[key]
    offset = _OFFSET.match(key)
    if not offset:
        return 0
    hours = int(offset["h"]) + int(offset["m"] or 0) / 60
    return hours if offset["sign"] == "+" else -hours


def _number(value: str) -> int | None:
    """The first count in ``value``; None when there is none or it is past any real count
    (20 digits would overflow the int64 column; 5,000 digits Python will not even read)."""
    match = _NUMBER.search(value)
    if not match:
        return None
    return read_count(re.sub(r"[,\u202f ]", "", match.group(1)))


def read_fields(lines: list[str], day: date | None) -> list[Field]:
    """The report fields in a comment's own ``lines`` (quotes already removed), in order; each
    field once (the first time it is stated). ``day``: the comment's UTC day, against which a
    date without a year, or with day and month that could be swapped, is read (the nearest
    reading on or before it: a report states what already happened)."""
    if not any(_CUE.search(line.lower()) for line in lines if line):
        return []
    found: list[Field] = []
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        labelled = _label_at(line)
        if labelled is None:
            continue
        name, value = labelled
        if not value:
            value = _next_value(lines, index)
        if name in seen or not value:
            continue
        seen.add(name)
        is_date = name in DATE_FIELDS
        found.append(
            Field(
                name,
                value,
                _moment(value, day) if is_date else None,
                None if is_date or name in ("ca_owner_ccadb_id", "disclosure_source")
                else _number(value),
            )
        )  # fmt: skip
    return found


def _next_value(lines: list[str], index: int) -> str:
    """The value of a label written alone on its line: the next non-empty line, unless that is
    itself a label."""
    for line in lines[index + 1 : index + 3]:
        if not line.strip():
            continue
        if _label_at(line) is not None or line.rstrip().endswith(":"):
            return ""
        return _MARKUP.sub("", line, count=1).strip().strip(_VALUE_TRIM).strip()
    return ""
