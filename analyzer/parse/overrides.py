"""Overrides: what staff know and the store does not, as CSVs in ``<data-dir>/reference/``.

Why: the bundled snapshot (and any store where a value is missing) lacks the whiteboard's and
the status's history; staff often know them (who set a Next-update date and when, when a bug
really closed, that a bug is no incident). An override wins over an estimate and never over a
fact the store has; every row it changes says so (``bugs.override``, ``whiteboard.override``,
and the caveat of every deadline row it touches), and an override the store's facts make moot
is listed in ``data_quality`` (``analyzer quality``), never silently dropped.

Files (each row with its ``source``: who recorded it, from where; further columns ignored):

- ``next_update_dates.csv``: ``bug_id, next_update, set_by, set_at, source`` -- the account
  ``set_by`` wrote "Next update ``next_update``" on the whiteboard at ``set_at``. Applied to a
  bug whose whiteboard history the store lacks (else the history is the fact).
- ``close_times.csv``: ``bug_id, closed, source`` -- when a resolved bug closed. Applied to a
  bug the store has closed but without status history (its close is an estimate).
- ``exclusions.csv``: ``bug_id, reason, since, source`` -- the bug is no incident from
  ``since`` (empty: from its filing) for ``reason``. Applied to a bug the store does not already
  exclude (a non-incident resolution or ``[meta]`` is the store's own fact, with its time).

A bad row is exit 2 naming the file and line. Times are ISO (``2026-02-01`` or
``2026-02-01T10:00:00Z``; a date alone is 00:00 UTC, a Next-update date is a day).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.env import InputError

NEXT_UPDATE = "next_update_dates.csv"
CLOSE_TIMES = "close_times.csv"
EXCLUSIONS = "exclusions.csv"
COLUMNS = {
    NEXT_UPDATE: ("bug_id", "next_update", "set_by", "set_at", "source"),
    CLOSE_TIMES: ("bug_id", "closed", "source"),
    EXCLUSIONS: ("bug_id", "reason", "since", "source"),
}
OPTIONAL = {EXCLUSIONS: ("since",)}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?$")
_ACCOUNT = re.compile(r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
MAX_TEXT = 300
FIRST, LAST = pd.Timestamp("1990-01-01", tz="UTC"), pd.Timestamp("2200-01-01", tz="UTC")


@dataclass(frozen=True)
class NextUpdate:
    bug_id: int
    day: str  # YYYY-MM-DD
    set_by: str
    set_at: str  # ISO, Z
    provenance: str


@dataclass(frozen=True)
class CloseTime:
    bug_id: int
    closed: str  # ISO, Z
    provenance: str


@dataclass(frozen=True)
class Exclusion:
    bug_id: int
    reason: str
    since: str | None  # ISO, Z; None: from the bug's filing
    provenance: str


@dataclass(frozen=True)
class Overrides:
    next_updates: dict[int, tuple[NextUpdate, ...]] = field(default_factory=dict)
    closes: dict[int, CloseTime] = field(default_factory=dict)
    exclusions: dict[int, Exclusion] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.next_updates or self.closes or self.exclusions)


def load_overrides(reference_dir: Path | None) -> Overrides:
    """The override files in ``reference_dir`` (none when it has none); a bad row is an
    :class:`InputError` naming the file and line."""
    if reference_dir is None:
        return Overrides()
    directory = Path(reference_dir)
    rows = {name: _read(directory / name, name) for name in COLUMNS}
    next_updates: dict[int, list[NextUpdate]] = {}
    for where, row in rows[NEXT_UPDATE]:
        bug_id = _bug_id(row, where)
        item = NextUpdate(
            bug_id,
            _day(row["next_update"], where, "next_update"),
            _account(row["set_by"], where),
            _time(row["set_at"], where, "set_at"),
            _provenance(where, row),
        )
        next_updates.setdefault(bug_id, []).append(item)
    closes: dict[int, CloseTime] = {}
    for where, row in rows[CLOSE_TIMES]:
        bug_id = _bug_id(row, where)
        if bug_id in closes:
            raise InputError(f"{where}: bug {bug_id} has a close time already (one per bug).")
        closes[bug_id] = CloseTime(
            bug_id, _time(row["closed"], where, "closed"), _provenance(where, row)
        )
    exclusions: dict[int, Exclusion] = {}
    for where, row in rows[EXCLUSIONS]:
        bug_id = _bug_id(row, where)
        if bug_id in exclusions:
            raise InputError(f"{where}: bug {bug_id} is excluded already (one row per bug).")
        since = row.get("since", "")
        exclusions[bug_id] = Exclusion(
            bug_id,
            _text(row["reason"], where, "reason"),
            _time(since, where, "since") if since else None,
            _provenance(where, row),
        )
    return Overrides(
        {bug: tuple(sorted(items, key=lambda i: i.set_at)) for bug, items in next_updates.items()},
        closes,
        exclusions,
    )


def _read(path: Path, name: str) -> list[tuple[str, dict[str, str]]]:
    """(``file, line N``, row) of every non-empty row."""
    if not path.is_file():
        return []
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"Cannot read {path}: {exc}.") from exc
    reader = csv.DictReader(io.StringIO(text))
    wanted = COLUMNS[name]
    missing = [
        c for c in wanted if c not in (reader.fieldnames or []) and c not in OPTIONAL.get(name, ())
    ]
    if missing:
        raise InputError(f"{path}, line 1: the header lacks the column(s) {', '.join(missing)}.")
    out = []
    for row in reader:
        values = {c: (row.get(c) or "").strip() for c in wanted}
        if not any(values.values()):
            continue
        where = f"{path}, line {reader.line_num}"
        for column in wanted:
            if not values[column] and column not in OPTIONAL.get(name, ()):
                raise InputError(f"{where}: {column} is empty.")
        out.append((where, values))
    return out


def _bug_id(row: dict[str, str], where: str) -> int:
    text = row["bug_id"]
    if not text.isdigit() or not 0 < int(text) < 10**9:
        raise InputError(f"{where}: bug_id {text[:40]!r} is not a bug number.")
    return int(text)


def utc_stamp(text: str, shape: re.Pattern[str]) -> pd.Timestamp | None:
    """``text`` read as a UTC time when it has ``shape`` and is a real date, else None: the one
    reader of times in the reference files (a time without a zone is UTC)."""
    try:
        stamp = pd.Timestamp(text) if shape.match(text) else pd.NaT
    except ValueError:
        return None
    if pd.isna(stamp):
        return None
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _stamp(text: str, where: str, column: str) -> pd.Timestamp:
    stamp = utc_stamp(text, _TIME)
    if stamp is None:
        raise InputError(f"{where}: {column} {text[:40]!r} is not an ISO date or time.")
    if not FIRST <= stamp < LAST:
        raise InputError(f"{where}: {column} {text[:40]!r} is outside 1990-2199.")
    return stamp


def _time(text: str, where: str, column: str) -> str:
    return _stamp(text, where, column).strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(text: str, where: str, column: str) -> str:
    if not _DAY.match(text):
        raise InputError(f"{where}: {column} {text[:40]!r} is not a date (write YYYY-MM-DD).")
    return _stamp(text, where, column).strftime("%Y-%m-%d")


def _account(text: str, where: str) -> str:
    if not _ACCOUNT.match(text) or len(text) > MAX_TEXT:
        raise InputError(f"{where}: set_by {text[:40]!r} is not an account (an email address).")
    return text.lower()


def _text(text: str, where: str, column: str) -> str:
    if len(text) > MAX_TEXT or any(ord(c) < 32 for c in text):
        raise InputError(f"{where}: {column} is not one short line of text.")
    return text


def _provenance(where: str, row: dict[str, str]) -> str:
    """What every row an override changes says: the file and line, and its source."""
    source = _text(row["source"], where, "source")
    name = Path(where.split(", line ")[0]).name
    return f"override {name}:line {where.rsplit(' ', 1)[-1]} ({source})"


# -- applying them, bug by bug (the parse stage) ----------------------------------------------

Note = Callable[[int, str, str, str], None]  # bug_id, provenance, problem, action


def applied_close(
    overrides: Overrides, bug_id: int, history_known: bool, is_closed: bool, note: Note
) -> CloseTime | None:
    """The close time override of a bug the store has closed without status history."""
    close = overrides.closes.get(bug_id)
    if close is None:
        return None
    if history_known:
        note(bug_id, close.provenance, "the store has the bug's status history", "not applied")
        return None
    if not is_closed:
        note(bug_id, close.provenance, "the store has the bug open", "not applied")
        return None
    return close


def applied_exclusion(
    overrides: Overrides,
    bug_id: int,
    store_reason: str,
    opened: str | None,
    observed: str,
    note: Note,
) -> tuple[Exclusion | None, str | None]:
    """The exclusion override of a bug the store does not exclude, and from when it holds."""
    exclusion = overrides.exclusions.get(bug_id)
    if exclusion is None:
        return None, None
    if store_reason:
        note(bug_id, exclusion.provenance, f"the store excludes it already ({store_reason})",
             "not applied")  # fmt: skip
        return None, None
    since = exclusion.since or opened
    if since is None or since > observed:
        note(bug_id, exclusion.provenance, "since is later than the store's last sync",
             "not applied")  # fmt: skip
        return None, None
    return exclusion, since


def applied_next_updates(
    overrides: Overrides, bug_id: int, history_known: bool, observed: str, note: Note
) -> list[NextUpdate]:
    """The Next-update overrides of a bug whose whiteboard history the store lacks."""
    items = overrides.next_updates.get(bug_id, ())
    if items and history_known:
        for item in items:
            note(bug_id, item.provenance, "the store has the whiteboard's history", "not applied")
        return []
    applied = []
    for item in items:
        if item.set_at > observed:
            note(bug_id, item.provenance, "set_at is later than the store's last sync",
                 "not applied")  # fmt: skip
        else:
            applied.append(item)
    return applied
