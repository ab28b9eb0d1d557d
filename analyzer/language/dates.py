"""Dates in comment text, resolved against the comment's own UTC day.

CAs write dates every way there is: ``2025-07-03``, ``03.07.2025``, ``05-09-25``, ``July 3rd``,
``3 July 2025``, ``this Friday``, ``next week``, ``end of month``. A numeric date whose day and
month could be swapped takes the reading nearest after the comment's day, since a promise points
forward. A date without a year is the next such day (within a month back, for late replies).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date, timedelta

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            (),
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for name in names
}
_WEEKDAYS = {
    name: number
    for number, names in enumerate(
        [
            ("monday", "mon"),
            ("tuesday", "tue", "tues"),
            ("wednesday", "wed"),
            ("thursday", "thu", "thur", "thurs"),
            ("friday", "fri"),
            ("saturday", "sat"),
            ("sunday", "sun"),
        ]
    )
    for name in names
}
_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "fourteen": 14, "a": 1, "an": 1}  # fmt: skip

MON = r"(?P<mon>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?P<year>(?:19|20)\d\d)"
WEEKDAY = r"(?P<weekday>" + "|".join(sorted(_WEEKDAYS, key=len, reverse=True)) + r")\.?"
COUNT = r"(?P<n>\d{1,3}|" + "|".join(_NUMBERS) + r")"

_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in [
        ("iso", r"\b(?P<y>(?:19|20)\d\d)[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"),
        ("ymond", r"\b(?P<year>(?:19|20)\d\d)-" + MON + r"-(?P<day>[0-3]?\d)\b"),
        # not an OID or a version number: "2.5.29.9" is no date
        ("dotted", r"(?<![\d.])(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?P<y>(?:19|20)?\d\d)(?!\.?\d)"),
        (
            "numeric",
            r"(?<![\d/-])(?P<a>[0-3]?\d)[/-](?P<b>[0-3]?\d)[/-](?P<y>(?:19|20)?\d\d)(?!\d)",
        ),
        ("dmon", r"\b" + DAY + r"(?:\s+of)?[\s-]+" + MON + r"(?:[\s,-]+" + YEAR + r")?\b"),
        ("mond", r"\b" + MON + r"[\s-]+" + DAY + r"(?!\d)(?:,?\s+" + YEAR + r")?\b"),
        ("weekday", r"\b(?P<rel>this|next|coming|the coming|on)?\s*" + WEEKDAY + r"\b"),
        ("today", r"\b(?P<word>today|tonight|tomorrow|end of (?:the )?day|eod)\b"),
        (
            "endof",
            r"\b(?:the\s+)?end\s+of\s+(?:the\s+)?(?P<which>this|next|current)?\s*"
            r"(?P<unit>week|month|year|quarter)\b",
        ),
        ("endmon", r"\b(?P<pos>end of|mid|middle of|mid-)\s*" + MON + r"(?:\s+" + YEAR + r")?"),
        ("endq", r"\bend\s+of\s+Q(?P<q>[1-4])(?:\s+" + YEAR + r")?"),
        ("nextweek", r"\b(?P<which>next|the following|this|later this) (?P<unit>week|month)\b"),
        (
            "within",
            # "within the five day timeline"; "in the 3 days before" tells of the past
            r"\b(?:within\s+(?:the\s+)?(?:next\s+)?|in\s+(?:the\s+next\s+)?)" + COUNT + r"[\s-]+"
            r"(?P<biz>business[\s-]+|working[\s-]+)?(?P<unit>days?|weeks?|months?)\b",
        ),
    ]
]


_EVERY = re.compile(r"\b(?:every|each)\s*$", re.IGNORECASE)
# "version 1.2.23", "v1.2.23", "release 2024.10.1": a version number, not a dotted date
_VERSIONED = re.compile(
    r"(?:\b(?:version|ver|release|rel|rev|revision|build|patch|firmware|v)\.?:?\s*|[a-z_])$",
    re.IGNORECASE,
)
EXPLICIT_KINDS = frozenset({"iso", "ymond", "dotted", "numeric", "dmon", "mond"})


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    day: date
    text: str
    kind: str  # the pattern that read it; EXPLICIT_KINDS name a calendar day outright
    ambiguous: bool = False  # day and month could be swapped: the reading nearest was taken


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _full_year(text: str) -> int:
    year = int(text)
    return year + 2000 if year < 100 else year


def _forward(candidates: list[date | None], ref: date) -> date | None:
    """The candidate nearest on or after ``ref``; the latest one when all lie before it."""
    valid = [c for c in candidates if c is not None]
    if not valid:
        return None
    after = [c for c in valid if c >= ref]
    return min(after) if after else max(valid)


def _backward(candidates: list[date | None], ref: date) -> date | None:
    """The candidate nearest on or before ``ref`` (a report states what already happened)."""
    valid = [c for c in candidates if c is not None]
    before = [c for c in valid if c <= ref]
    return max(before) if before else (min(valid) if valid else None)


def _without_year(month: int, day: int, ref: date, past: bool = False) -> date | None:
    if past:
        return _backward([_valid(ref.year, month, day), _valid(ref.year - 1, month, day)], ref)
    this_year = _valid(ref.year, month, day)
    if this_year is None:
        return _valid(ref.year + 1, month, day)
    if this_year < ref - timedelta(days=31):
        return _valid(ref.year + 1, month, day) or this_year
    return this_year


def _end_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(ref: date, months: int) -> date:
    index = ref.year * 12 + ref.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(ref.day, calendar.monthrange(year, month + 1)[1]))


def _add_business_days(ref: date, days: int) -> date:
    current = ref
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _resolve(kind: str, m: re.Match[str], ref: date, past: bool = False) -> date | None:
    g = m.groupdict()
    if kind == "iso":
        return _valid(int(g["y"]), int(g["m"]), int(g["d"]))
    if kind == "ymond":
        return _valid(int(g["year"]), _MONTHS[g["mon"].lower()], int(g["day"]))
    if kind in ("dotted", "numeric"):
        # 03.07.2025 and 07/03/2025 are read both ways when both are days: the reading nearest
        # after the comment (a promise points forward; ``past``: nearest before, a report)
        a, b = (g["d"], g["m"]) if kind == "dotted" else (g["b"], g["a"])
        year, day, month = _full_year(g["y"]), int(a), int(b)
        nearest = _backward if past else _forward
        return nearest([_valid(year, month, day), _valid(year, day, month)], ref)
    if kind in ("dmon", "mond"):
        month, day = _MONTHS[g["mon"].lower()], int(g["day"])
        if g.get("year"):
            return _valid(int(g["year"]), month, day)
        return _without_year(month, day, ref, past)
    if kind == "weekday":
        target = _WEEKDAYS[g["weekday"].lower().rstrip(".")]
        ahead = (target - ref.weekday()) % 7
        if (g["rel"] or "").lower() == "next":
            return ref + _next_week_day(ref, target)
        return ref + timedelta(days=ahead)
    if kind == "today":
        return ref + timedelta(days=1 if g["word"].lower() == "tomorrow" else 0)
    if kind == "endof":
        return _end_of(g["unit"].lower(), (g["which"] or "").lower() == "next", ref)
    if kind == "endmon":
        month = _MONTHS[g["mon"].lower()]
        year = int(g["year"]) if g.get("year") else None
        last = _end_of_month(year or ref.year, month)
        if year is None and last < ref - timedelta(days=31):
            last = _end_of_month(ref.year + 1, month)
        return last if g["pos"].lower().startswith("end") else last.replace(day=15)
    if kind == "endq":
        year = int(g["year"]) if g.get("year") else ref.year
        return _end_of_month(year, int(g["q"]) * 3)
    if kind == "nextweek":
        which, unit = g["which"].lower(), g["unit"].lower()
        return _end_of(unit, which in ("next", "the following"), ref)
    if kind == "within":
        n = int(g["n"]) if g["n"].isdigit() else _NUMBERS[g["n"].lower()]
        unit = g["unit"].lower()
        if unit.startswith("month"):
            return _add_months(ref, n)
        if unit.startswith("week"):
            return ref + timedelta(weeks=n)
        return _add_business_days(ref, n) if g["biz"] else ref + timedelta(days=n)
    return None


def _swappable(kind: str, m: re.Match[str]) -> bool:
    """Whether a numeric date reads as two different days (03.07.2025: 3 July or 7 March)."""
    if kind not in ("dotted", "numeric"):
        return False
    first, second = (m["d"], m["m"]) if kind == "dotted" else (m["a"], m["b"])
    return int(first) != int(second) and 1 <= int(first) <= 12 and 1 <= int(second) <= 12


def _next_week_day(ref: date, target: int) -> timedelta:
    """ "next Friday": that weekday in the following calendar week (Monday to Sunday)."""
    monday_next = ref + timedelta(days=7 - ref.weekday())
    return monday_next + timedelta(days=target) - ref


def _end_of(unit: str, following: bool, ref: date) -> date:
    if unit == "week":
        friday = ref + timedelta(days=(4 - ref.weekday()) % 7)
        if ref.weekday() > 4:
            friday = ref + timedelta(days=4 - ref.weekday() + 7)
        return friday + timedelta(days=7 if following else 0)
    if unit == "month":
        month_start = _add_months(ref.replace(day=1), 1 if following else 0)
        return _end_of_month(month_start.year, month_start.month)
    if unit == "quarter":
        quarter_end = ((ref.month - 1) // 3 + 1) * 3
        end = _end_of_month(ref.year, quarter_end)
        if following:
            nxt = _add_months(end.replace(day=1), 3)
            end = _end_of_month(nxt.year, nxt.month)
        return end
    return date(ref.year + (1 if following else 0), 12, 31)


def find_dates(text: str, ref: date, past: bool = False) -> list[FoundDate]:
    """Every date mentioned in ``text``, left to right, without overlaps (longest form wins).
    ``past``: ambiguous and year-less dates take the reading nearest on or before ``ref``
    (a report's timeline) instead of after it (a promise)."""
    found: list[FoundDate] = []
    taken = bytearray(len(text) + 1)  # characters already read as a date: linear, not pairwise
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(text):
            start, end = m.span()
            if kind == "weekday" and m.group("rel"):
                start = m.start("rel")
            if kind == "weekday" and _EVERY.search(text[max(0, start - 12) : start]):
                continue  # "every Tuesday" is a habit, not a day
            if any(taken[start:end]):
                continue
            if _version_number(kind, m, text):
                taken[start:end] = b"\1" * (end - start)  # no shorter form reads into it
                continue
            day = _resolve(kind, m, ref, past)
            if day is not None:
                taken[start:end] = b"\1" * (end - start)
                found.append(
                    FoundDate(start, end, day, m.group(0).strip(), kind, _swappable(kind, m))
                )
    found.sort(key=lambda f: f.start)
    return _resolve_appositions(found, text)


def _version_number(kind: str, m: re.Match[str], text: str) -> bool:
    """A dotted number after a version word or glued to a name ("OpenSSL v1.1.1", "version
    1.2.23") is a version, whatever date it could spell."""
    if kind not in ("dotted", "iso") or "." not in m.group(0):
        return False
    return bool(_VERSIONED.search(text[max(0, m.start() - 12) : m.start()]))


_APPOSITION = re.compile(r"^[\s,(]*(?:the\s+)?$", re.IGNORECASE)
_APPOSITION_AFTER = re.compile(r"^\s*[,(]?\s*$")
# "by the end of day on Tuesday, June 13": the end of THAT day, not of the comment's own day
_END_OF_DAY_ON = re.compile(r"^[\s,]*(?:on|of)?\s*(?:the\s+)?$", re.IGNORECASE)


def _resolve_appositions(found: list[FoundDate], text: str) -> list[FoundDate]:
    """One day per phrase that names one day twice. An "end of day" right before a date ("by the
    end of day on Tuesday, June 13") is the end of THAT day, not of the comment's own day. A
    weekday beside an explicit date ("Friday the 21st of November", "this friday (05-09-25)",
    "June 13 (Tuesday)") names that date: the explicit date is kept as written. A weekday that
    is not that date's weekday never moves the date: the date as written is kept and flagged
    ``ambiguous`` (the writer got one of the two wrong, and we cannot tell which)."""
    merged: list[FoundDate] = []
    for f in found:  # the phrase starts where its first part does ("by | end of day on ...")
        if merged and merged[-1].kind == "today" and _is_end_of_day(merged[-1]):
            if _END_OF_DAY_ON.match(text[merged[-1].end : f.start]):
                f = replace(f, start=merged.pop().start)
        merged.append(f)
    found = merged
    dropped: set[int] = set()
    flagged: set[int] = set()
    starts: dict[int, int] = {}
    for i, day in enumerate(found):
        if day.kind not in EXPLICIT_KINDS:
            continue
        named = []
        if i and found[i - 1].kind == "weekday":
            if _APPOSITION.match(text[found[i - 1].end : day.start]):
                named.append(i - 1)
                starts[i] = found[i - 1].start
        if i + 1 < len(found) and found[i + 1].kind == "weekday":
            plain = len(found[i + 1].text.split()) == 1  # not "next Friday": another day
            if plain and _APPOSITION_AFTER.match(text[day.end : found[i + 1].start]):
                named.append(i + 1)
        for j in named:
            dropped.add(j)
            if _weekday_of(found[j]) != day.day.weekday():
                flagged.add(i)
    return [
        replace(f, start=starts.get(i, f.start), ambiguous=f.ambiguous or i in flagged)
        for i, f in enumerate(found)
        if i not in dropped
    ]


def _weekday_of(found: FoundDate) -> int:
    words = found.text.lower().split()
    return _WEEKDAYS[words[-1].rstrip(".")]


def _is_end_of_day(found: FoundDate) -> bool:
    return found.text.lower().startswith("end") or found.text.lower() == "eod"
