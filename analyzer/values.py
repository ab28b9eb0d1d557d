"""Server values read defensively: times, integers and booleans as the contract types them.

Used at both doors: sync (ids and change times it keys and compares on) and the parse stage
(every field the tables read). Pandas-free, so ``analyzer sync`` and ``--help`` stay light.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

# Bugzilla's CA compliance bugs start in 2014; outside these years a time is a typo or junk,
# and pandas (nanosecond timestamps, 1677-2262) could not hold it anyway.
FIRST_YEAR, LAST_YEAR = 1990, 2200
MAX_ID = 2**63 - 1  # SQLite's INTEGER
MAX_DEPTH = 64  # JSON nesting kept; a Bugzilla bug is 5 deep, SQLite's json functions stop at 1000
MAX_INT_DIGITS = 300  # longer integers are junk (Python refuses to read 4,300 digits by default)
_SHOWN = 80  # characters of a bad value quoted in a finding
_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off", ""})


def has_surrogate(value: str) -> bool:
    """A lone surrogate: valid in JSON and in a Python string, not encodable as UTF-8."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def without_surrogates(value: str) -> str:
    """``value`` with each lone surrogate read as U+FFFD."""
    return "".join("\ufffd" if "\ud800" <= char <= "\udfff" else char for char in value)


def shown(value: object) -> str:
    """A bad value as a short, printable, UTF-8-safe quotation."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a value we cannot even show is still a finding
        text = f"<{type(value).__name__}>"
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "\u2026"


def read_time(value: object) -> str | None:
    """An ISO time as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC), or None when it is not a real time in
    FIRST_YEAR..LAST_YEAR (``yesterday``, ``2025-02-30``, ``3025-03-10``, a number, null)."""
    if type(value) is not str or not 10 <= len(value) <= 40:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        return None
    if len(value) == 20 and value[10] == "T" and value[19] == "Z":
        return value  # BMO's own spelling: already canonical
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_int(value: object, low: int = 0, high: int = MAX_ID) -> int | None:
    """An integer in [low, high]: ints, integral floats and digit strings; never a bool."""
    if type(value) is int:
        number = value
    elif type(value) is float and value.is_integer():
        number = int(value)
    elif (
        type(value) is str
        and value.strip().isascii()
        and value.strip().isdigit()
        and len(value.strip()) < 20
    ):  # isdigit() alone takes "²", which int() refuses
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


def read_count(digits: str, high: int = 10**15) -> int | None:
    """A count written in text (``1,234``, ``20000000000000000000``), or None when it is
    past ``high``: a number of any length in a comment must never reach an int64 column."""
    digits = digits.strip()
    if not digits.isdigit() or not digits.isascii() or len(digits) > len(str(high)):
        return None
    number = int(digits)
    return number if number <= high else None


def read_bool(value: object) -> bool | None:
    """JSON true/false, and the strings and 0/1 some servers send; None when unreadable."""
    if type(value) is bool:
        return value
    if type(value) is int and value in (0, 1):
        return bool(value)
    if type(value) is str:
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    return None


def one_line(text: str, limit: int) -> str:
    """Server text fit to quote in one line of an error: control, format and bidi characters
    (terminal escapes, RTL overrides) shown as U+FFFD, whitespace runs as one space."""
    out = []
    for char in text:
        if char in "\t\n\r":
            out.append(" ")
        elif unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            out.append("\ufffd")
        else:
            out.append(char)
    cleaned = " ".join("".join(out).split())
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "\u2026"


JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class Coerced:
    """One value :func:`load_json` read as null: where it was and what it was."""

    path: JsonPath  # keys and indexes from the document's top, e.g. ("bugs", 3, "summary")
    what: str  # "NaN", "an integer of 5000 digits", "a value nested over 64 deep"


class _Unholdable:
    """A parsed value no store may hold, until the walk replaces it by null (and notes where)."""

    __slots__ = ("what",)

    def __init__(self, what: str) -> None:
        self.what = what


def load_json(text: bytes | str) -> tuple[object, list[Coerced]]:
    """Parse a JSON document into values every later reader (and SQLite's json functions) can
    hold: NaN, Infinity, numbers past a float, integers over MAX_INT_DIGITS digits, and arrays
    or objects nested deeper than MAX_DEPTH are read as null, each one noted with its path.
    Raises ValueError for text that is not JSON at all."""

    def integer(digits: str) -> int | _Unholdable:
        if len(digits) > MAX_INT_DIGITS + 1:
            return _Unholdable(f"an integer of {len(digits.lstrip('-'))} digits")
        return int(digits)

    def real(digits: str) -> float | _Unholdable:
        number = float(digits)
        if not math.isfinite(number):
            return _Unholdable(f"a number past any float ({digits[:20]})")
        return number

    hooks = {"parse_constant": _Unholdable, "parse_int": integer, "parse_float": real}
    marker = None
    try:
        document = json.loads(text, **hooks)  # type: ignore[arg-type]
    except RecursionError:  # nested far past MAX_DEPTH: cut it down as text first
        marker = f"\x00too deep {uuid.uuid4().hex}"  # stands where a cut value was
        document = json.loads(_flattened(text, json.dumps(marker)), **hooks)  # type: ignore[arg-type]
    coerced: list[Coerced] = []
    if isinstance(document, _Unholdable):
        raise ValueError(f"a JSON document that is {document.what}")
    return _holdable(document, coerced, marker), coerced


def bounded_depth(document: object, coerced: list[Coerced] | None = None) -> object:
    """``document`` with every array or object deeper than MAX_DEPTH read as null (in place:
    only a document just parsed, or a copy, may be given). Iterative: no recursion limit."""
    return _holdable(document, [] if coerced is None else coerced, None)


def _holdable(document: object, coerced: list[Coerced], marker: str | None) -> object:
    """The walk of :func:`load_json`: each value past MAX_DEPTH, each unholdable number and
    each ``marker`` (a value already cut as text) replaced by null, and noted with its path."""
    if not isinstance(document, list | dict):
        return document
    deep = f"a value nested over {MAX_DEPTH} deep"
    stack: list[tuple[list | dict, int, JsonPath]] = [(document, 1, ())]
    while stack:
        node, depth, path = stack.pop()
        keys = range(len(node)) if isinstance(node, list) else list(node)
        for key in keys:
            child = node[key]  # type: ignore[index]
            kind = type(child)
            if kind is list or kind is dict:
                if depth >= MAX_DEPTH:
                    node[key] = None  # type: ignore[index]
                    coerced.append(Coerced((*path, key), deep))
                else:
                    stack.append((child, depth + 1, (*path, key)))
            elif kind is _Unholdable:
                node[key] = None  # type: ignore[index]
                coerced.append(Coerced((*path, key), child.what))
            elif marker is not None and kind is str and child == marker:
                node[key] = None  # type: ignore[index]
                coerced.append(Coerced((*path, key), deep))
    return document


def too_deep(value: object, limit: int = MAX_DEPTH) -> bool:
    """True when ``value`` nests arrays or objects more than ``limit`` deep."""
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, list | dict):
            if depth > limit:
                return True
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children if isinstance(child, list | dict))
    return False


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _flattened(text: bytes | str, stand_in: str) -> str:
    """The JSON ``text`` with each array or object that opens deeper than MAX_DEPTH written as
    ``stand_in``: a linear pass over strings and brackets, for documents too deep to parse."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    out: list[str] = []
    depth, kept_to, cut_at = 0, 0, -1
    for token in _TOKEN.finditer(text):
        char = token.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH and cut_at < 0:
                cut_at = token.start()
        elif char in "]}":
            depth -= 1
            if depth == MAX_DEPTH and cut_at >= 0:
                out += [text[kept_to:cut_at], stand_in]
                kept_to, cut_at = token.end(), -1
    if cut_at >= 0:  # never closed: cut JSON, which the parser will refuse
        raise ValueError("unbalanced JSON")
    out.append(text[kept_to:])
    return "".join(out)
