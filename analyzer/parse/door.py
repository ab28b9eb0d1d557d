"""The door of the parse stage: every server value checked and coerced before any table sees it.

Why here and not in sync: the store keeps what the server sent, verbatim, so parsing can be
redone; a value only becomes a problem when something reads it. Anything a Bugzilla (or a
hostile account on one) can put in a JSON document must reach the tables as the type the
contract promises, or not at all, and every value that could not be read is one row of
``data_quality`` (listed by ``analyzer quality``), never a crash.

Fast path: a bug whose values are all well formed comes back as the same objects; only a bug
with a problem is copied (the store's verbatim view is never changed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from analyzer.store import COERCED_KEY, VANISHED_KEY, RawBug
from analyzer.values import (
    MAX_ID,
    has_surrogate,
    read_bool,
    read_time,
    shown,
    without_surrogates,
)

COMPONENT = "CA Certificate Compliance"
PRODUCTS = frozenset({"CA Program", "NSS"})
VANISHED = "VANISHED"  # the resolution a vanished open bug is read with (excluded_resolutions.csv)
CLOSED = frozenset({"RESOLVED", "VERIFIED", "CLOSED"})
MAX_COUNT = 10_000_000  # a comment position beyond this is junk (BMO threads have hundreds)
_BUG_TEXT = ("summary", "status", "resolution", "product", "component", "whiteboard")
_BUG_ACCOUNTS = ("creator", "assigned_to")


@dataclass
class Findings:
    """Rows of the ``data_quality`` table, column by column."""

    data: dict[str, list] = field(
        default_factory=lambda: {
            k: [] for k in ("bug_id", "where", "field", "value", "problem", "action")
        }
    )

    def add(self, bug_id: int, where: str, name: str, value: object, problem: str, action: str):
        row = (bug_id, where, name, shown(value), problem, action)
        for column, item in zip(self.data, row, strict=True):
            self.data[column].append(item)

    def __len__(self) -> int:
        return len(self.data["bug_id"])


class _Door:
    """Checks one bug; ``found`` collects what it could not read."""

    def __init__(self, bug_id: int, found: Findings) -> None:
        self.bug_id, self.found = bug_id, found

    def note(self, where: str, name: str, value: object, problem: str, action: str) -> None:
        self.found.add(self.bug_id, where, name, value, problem, action)

    def text(self, where: str, name: str, value: object, empty: str | None) -> str | None:
        """A string field: numbers become their digits, anything else ``empty``."""
        if type(value) is str:
            if has_surrogate(value):
                self.note(where, name, value, "lone surrogate", "replaced it by U+FFFD")
                return without_surrogates(value)
            return value
        if value is None:
            return empty
        if type(value) in (int, float) and type(value) is not bool:
            self.note(where, name, value, "a number, not text", "read as its digits")
            return str(value)
        self.note(where, name, value, f"a {type(value).__name__}, not text", "read as empty")
        return empty

    def time(self, where: str, name: str, value: object) -> str | None:
        moment = read_time(value)
        if moment is None and value is not None:
            self.note(where, name, value, "not a time in 1990-2200", "left out")
        return moment


def admit(raw: RawBug, found: Findings) -> RawBug | None:
    """``raw`` with every value the tables read in its promised type, or None when the bug
    cannot be a row (no readable creation time, or moved out of the CA compliance component)."""
    bug_id = raw.bug_id
    door = _Door(bug_id, found)
    if raw.damage is not None:  # a stored row that could not be read back (store.py)
        column, excerpt, problem = raw.damage
        door.note("store", column, excerpt, f"damaged row: {problem}", "left the bug out")
        return None
    if COERCED_KEY in raw.bug:
        _coerced_by_sync(door, raw.bug[COERCED_KEY])
    bug = _bug(door, raw.bug)
    if bug is None:
        return None
    comments = _comments(door, raw.comments)
    history = _history(door, raw.history)
    if VANISHED_KEY in bug:
        bug, history = _vanished(door, bug, history)
    opened = bug.get("creation_time")
    if opened is None:
        times = [c["creation_time"] for c in comments if c.get("creation_time")]
        if not times:
            door.note("bug", "creation_time", raw.bug.get("creation_time"), "no readable "
                      "creation time and no comment time", "left the bug out")  # fmt: skip
            return None
        bug = {**bug, "creation_time": min(times)}
        door.note("bug", "creation_time", raw.bug.get("creation_time"), "not a time",
                  "used the first comment's time")  # fmt: skip
    if bug is raw.bug and comments is raw.comments and history is raw.history:
        return raw
    return RawBug(bug, comments, history)


def _coerced_by_sync(door: _Door, marks: object) -> None:
    """The values sync read as null where the answer entered (``values.load_json``): one
    ``data_quality`` row each, naming the bug and where the value was."""
    for mark in marks if type(marks) is list else []:
        if type(mark) is list and len(mark) == 3 and all(type(part) is str for part in mark):
            where, name, what = mark
            problem = "a value SQLite's JSON cannot hold (NaN, Infinity, past any size, too deep)"
            door.note(where, name, what, problem, "stored as null")


def _vanished(door: _Door, bug: dict, history: list[dict] | None) -> tuple[dict, list[dict] | None]:
    """A bug sync found gone from the server: an open one is read as resolved ``VANISHED`` at
    the time sync first missed it (one history entry), so it is judged until then and
    excluded from then on, like any resolution that is not an incident."""
    when = read_time(bug.get(VANISHED_KEY))
    bug = {k: v for k, v in bug.items() if k != VANISHED_KEY}
    if when is None:
        return bug, history
    status = bug.get("status") or ""
    if str(status).upper() in CLOSED:
        door.note("bug", "status", when, "no longer returned by the server (made private "
                  "or removed)", "kept as it was when last seen")  # fmt: skip
        return bug, history
    door.note("bug", "status", when, "no longer returned by the server (made private or "
              "removed)", "not judged from that time")  # fmt: skip
    changes = [
        {"field_name": "status", "removed": str(status), "added": "RESOLVED"},
        {"field_name": "resolution", "removed": str(bug.get("resolution") or ""),
         "added": VANISHED},
    ]  # fmt: skip
    if history is not None:
        history = [*history, {"when": when, "who": "", "changes": changes}]
    return {**bug, "status": "RESOLVED", "resolution": VANISHED}, history


def _bug(door: _Door, bug: dict) -> dict | None:
    fixed: dict = {}
    for name in _BUG_TEXT:
        value = bug.get(name)
        if value is not None and (type(value) is not str or has_surrogate(value)):
            fixed[name] = door.text("bug", name, value, None)
    for name in _BUG_ACCOUNTS:
        value = bug.get(name)
        if value is not None and (type(value) is not str or has_surrogate(value)):
            fixed[name] = door.text("bug", name, value, None)
    for name in ("creation_time", "last_change_time"):
        value = bug.get(name)
        if value is not None and read_time(value) != value:
            fixed[name] = door.time("bug", name, value)
    if "flags" in bug:
        flags = _flags(door, bug.get("flags"))
        if flags is not bug.get("flags"):
            fixed["flags"] = flags
    product = fixed.get("product", bug.get("product"))
    component = fixed.get("component", bug.get("component"))
    moved = (component is not None and component != COMPONENT) or (
        product is not None and product not in PRODUCTS
    )
    if moved:
        door.note("bug", "component", f"{product} / {component}",
                  "moved out of the CA compliance component", "left the bug out")  # fmt: skip
        return None
    return {**bug, **fixed} if fixed else bug


def _flags(door: _Door, flags: object) -> list[dict] | None:
    if flags is None:
        return None
    if type(flags) is not list:
        door.note("bug", "flags", flags, "not a list of flags", "read as no flags")
        return []
    kept, changed = [], False
    for index, flag in enumerate(flags):
        where = f"flag {index}"
        if type(flag) is not dict:
            door.note(where, "flag", flag, "not a flag object", "left out")
            changed = True
            continue
        clean = dict(flag)
        for name in ("name", "status", "requestee", "setter"):
            value = flag.get(name)
            if value is not None and (type(value) is not str or has_surrogate(value)):
                clean[name] = door.text(where, name, value, None)
        created = flag.get("creation_date")
        if created is not None and read_time(created) != created:
            clean["creation_date"] = door.time(where, "creation_date", created)
        changed = changed or clean != flag
        kept.append(clean if clean != flag else flag)
    return kept if changed else flags


def _comments(door: _Door, comments: object) -> list[dict]:
    if type(comments) is not list:
        door.note("bug", "comments", comments, "not a list of comments", "read as none")
        return []
    return _cleaned(door, comments, _comment)


def _cleaned(door: _Door, items: list, clean_one) -> list:
    """Each item checked by ``clean_one`` (``None``: left out); the list itself when nothing
    changed, so a clean bug costs no copy."""
    kept: list[dict] = []
    changed = False
    for index, item in enumerate(items):
        clean = clean_one(door, index, item)
        changed = changed or clean is not item
        if clean is not None:
            kept.append(clean)
    return kept if changed else items


def _comment(door: _Door, index: int, comment: object) -> dict | None:
    where = f"comment {index}"
    if type(comment) is not dict:
        door.note(where, "comment", comment, "not a comment object", "left out")
        return None
    fixed: dict = {}
    count = comment.get("count")
    if "count" in comment and (type(count) is not int or not 0 <= count <= MAX_COUNT):
        door.note(where, "count", count, "not a comment number", "used its position")
        fixed["count"] = index
    cid = comment.get("id")
    if cid is not None and (type(cid) is not int or not 0 < cid <= MAX_ID):
        door.note(where, "id", cid, "not a comment id", "left empty")
        fixed["id"] = None
    for name in ("author", "creator", "text", "raw_text"):
        value = comment.get(name)
        if value is not None and (type(value) is not str or has_surrogate(value)):
            fixed[name] = door.text(where, name, value, None)
    stamp = comment.get("creation_time")
    if stamp is None:
        stamp = comment.get("time")
    moment = read_time(stamp)
    if moment is None:
        door.note(where, "creation_time", stamp, "not a time in 1990-2200",
                  "left the comment out")  # fmt: skip
        return None
    if moment != comment.get("creation_time"):
        fixed["creation_time"] = moment
        fixed["time"] = moment
    private = comment.get("is_private", False)
    if type(private) is not bool:
        reading = read_bool(private)
        if reading is None:
            door.note(where, "is_private", private, "not true or false", "read as private")
            reading = True
        fixed["is_private"] = reading
    return {**comment, **fixed} if fixed else comment


def _history(door: _Door, history: object) -> list[dict] | None:
    if history is None:
        return None
    if type(history) is not list:
        door.note("bug", "history", history, "not a list of changes", "read as unknown")
        return None
    return _cleaned(door, history, _entry)


def _entry(door: _Door, index: int, entry: object) -> dict | None:
    where = f"history {index}"
    if type(entry) is not dict:
        door.note(where, "entry", entry, "not a history entry", "left out")
        return None
    fixed: dict = {}
    when = entry.get("when")
    moment = read_time(when)
    if moment is None:
        door.note(where, "when", when, "not a time in 1990-2200", "left the entry out")
        return None
    if moment != when:
        fixed["when"] = moment
    who = entry.get("who")
    if who is not None and (type(who) is not str or has_surrogate(who)):
        fixed["who"] = door.text(where, "who", who, None)
    changes = entry.get("changes")
    if changes is not None:
        clean_changes = _changes(door, where, changes)
        if clean_changes is not changes:
            fixed["changes"] = clean_changes
    return {**entry, **fixed} if fixed else entry


def _changes(door: _Door, where: str, changes: object) -> list[dict]:
    if type(changes) is not list:
        door.note(where, "changes", changes, "not a list of changes", "read as none")
        return []
    kept, changed = [], False
    for change in changes:
        if type(change) is not dict:
            door.note(where, "change", change, "not a change object", "left out")
            changed = True
            continue
        fixed = {}
        for name in ("field_name", "removed", "added"):
            value = change.get(name)
            if value is not None and (type(value) is not str or has_surrogate(value)):
                fixed[name] = door.text(where, name, value, "")
        kept.append({**change, **fixed} if fixed else change)
        changed = changed or bool(fixed)
    return kept if changed else changes
