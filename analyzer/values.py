"""Server values read defensively: times, integers and booleans as the contract types them.

Used at both doors: sync (ids and change times it keys and compares on) and the parse stage
(every field the tables read). Pandas-free, so ``analyzer sync`` and ``--help`` stay light.
"""

from __future__ import annotations

import unicodedata
from datetime import datetime, timezone

# Bugzilla's CA compliance bugs start in 2014; outside these years a time is a typo or junk,
# and pandas (nanosecond timestamps, 1677-2262) could not hold it anyway.
FIRST_YEAR, LAST_YEAR = 1990, 2200
MAX_ID = 2**63 - 1  # SQLite's INTEGER
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
    elif type(value) is str and value.strip().isdigit() and len(value.strip()) < 20:
        number = int(value.strip())
    else:
        return None
    return number if low <= number <= high else None


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
