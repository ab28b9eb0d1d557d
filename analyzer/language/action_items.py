"""Markdown tables in comments, and the Action Items table among them.

Why in the language stage: an Action Items table is what a report states, read from its text
once and cached with the other readings; the metrics (``action_item_update``), promise checking
(an item marked done) and completeness (the table's header cells) all use the same reading.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from analyzer.language.dates import EXPLICIT_KINDS, find_dates

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ACTION_ITEM_HEADER = re.compile(r"^action items?\b", re.I)
_ITEM_COLUMN = re.compile(r"^(?:action items?|actions?|item|remediation(?: action)?)\b", re.I)
_DUE_COLUMN = re.compile(r"due|deadline|target|eta|completion|^date$|^when$", re.I)
_STATUS_COLUMN = re.compile(r"^status", re.I)
_DONE = re.compile(
    r"^\W*(?:100\s*%\s*)?(?:done|complete|completed|implemented|finished|closed|resolved|"
    r"deployed|fixed|fulfilled|accomplished)\b",
    re.I,
)
_QUARTER = re.compile(r"\bQ(?P<q>[1-4])\s*(?:/|,|\s)?\s*(?P<y>(?:19|20)\d\d)\b", re.I)
_NORMAL = re.compile(r"[^a-z0-9]+")
_MENTIONS_ACTION_ITEMS = re.compile(r"action item", re.I)


@dataclass(frozen=True)
class MarkdownTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class ActionItem:
    item: str
    due: date | None
    status: str
    done: bool
    row: str = ""  # the whole row, cells joined by " | "
    ambiguous: bool = False  # the due date's day and month could be swapped


def _cells(line: str) -> tuple[str, ...]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return tuple(cell.strip().strip("*_`").strip() for cell in re.split(r"(?<!\\)\|", body))


def markdown_tables(text: str) -> list[MarkdownTable]:
    """Every pipe table: a header line, a ``|---|`` line, then the rows up to a non-table line."""
    lines = text.splitlines()
    tables: list[MarkdownTable] = []
    i = 0
    while i + 1 < len(lines):
        line = lines[i]
        if "|" in line and not line.lstrip().startswith(">") and _SEPARATOR.match(lines[i + 1]):
            header = _cells(line)
            rows = []
            j = i + 2
            while j < len(lines) and "|" in lines[j] and lines[j].strip():
                rows.append(_cells(lines[j]))
                j += 1
            tables.append(MarkdownTable(header, tuple(rows)))
            i = j
        else:
            i += 1
    return tables


def action_items_tables(text: str) -> list[MarkdownTable]:
    """The tables whose first header cell is "Action Item(s)"."""
    return [t for t in markdown_tables(text) if t.header and _ACTION_ITEM_HEADER.match(t.header[0])]


def _is_action_table(table: MarkdownTable) -> bool:
    """An Action Items table: an "Action Item" column, or a due-date column and a status one."""
    if any(_ACTION_ITEM_HEADER.match(cell) for cell in table.header):
        return True
    due = any(_DUE_COLUMN.search(cell) for cell in table.header)
    return due and any(_STATUS_COLUMN.match(cell) for cell in table.header)


def is_done(status: object) -> bool:
    """A status that says the item is finished ("Done", "Completed 2025-06-01", "100% complete")."""
    return isinstance(status, str) and bool(_DONE.match(status))


def _due(cell: str, day: date) -> tuple[date | None, bool]:
    """The due day a cell names (and whether its day and month could be swapped)."""
    quarter = _QUARTER.search(cell)
    every = find_dates(cell, day)
    found = [f for f in every if f.kind in EXPLICIT_KINDS or f.kind == "endmon"]
    if found:
        return found[0].day, found[0].ambiguous
    if quarter:
        month = int(quarter["q"]) * 3
        year = int(quarter["y"])
        following = date(year + (month == 12), month % 12 + 1, 1)
        return date.fromordinal(following.toordinal() - 1), False
    return (every[0].day, False) if every else (None, False)


def read_action_items(text: str, day: date | None) -> list[ActionItem]:
    """Rows of every Action Items table in ``text`` (the commenter's own lines): the item, its
    due day (None when the row has no readable date), its status as written and whether that
    status says done."""
    if "|" not in text or day is None:
        return []
    found: list[ActionItem] = []
    for table in markdown_tables(text):
        if not table.header or not _is_action_table(table):
            continue
        header = table.header
        item_at = next((i for i, c in enumerate(header) if _ITEM_COLUMN.match(c)), 0)
        due_at = next((i for i, c in enumerate(header) if _DUE_COLUMN.search(c)), None)
        status_at = next((i for i, c in enumerate(header) if _STATUS_COLUMN.match(c)), None)
        for row in table.rows:
            if _SEPARATOR.match("|".join(row)) or not any(row):
                continue
            item = row[item_at] if item_at < len(row) else ""
            due_cell = row[due_at] if due_at is not None and due_at < len(row) else ""
            status = row[status_at] if status_at is not None and status_at < len(row) else ""
            due, ambiguous = _due(due_cell, day) if due_cell else (None, False)
            row_text = " | ".join(row)
            found.append(ActionItem(item, due, status, is_done(status), row_text, ambiguous))
    return found


def item_key(text: str) -> str:
    """An action item's identity across comments: its first cell, letters and digits only."""
    body = text.strip()
    if body.startswith("|"):
        body = _cells(body)[0]
    return _NORMAL.sub(" ", body.lower()).strip()


def completed_items(text: str) -> set[str]:
    """Keys of the action items this comment's tables mark done or complete."""
    done: set[str] = set()
    if "|" not in text or not _MENTIONS_ACTION_ITEMS.search(text):
        return done
    for table in action_items_tables(text):
        status_at = [k for k, name in enumerate(table.header) if name.lower().startswith("status")]
        if not status_at:
            continue
        column = status_at[0]
        for row in table.rows:
            if len(row) > column and is_done(row[column]):
                done.add(item_key(row[0]))
    return done
