"""Markdown tables in CA comments, and the Action Items table among them.

Why here and not in the language stage: completeness needs the header cells of the table exactly
as written, and promise checking needs each later comment's item status, which the commitments
table (one row per dated promise) does not carry for undated rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ACTION_ITEM_HEADER = re.compile(r"^action items?\b", re.I)
_DONE = re.compile(
    r"^\W*(done|complete|completed|implemented|finished|closed|resolved|deployed)\b", re.I
)
_NORMAL = re.compile(r"[^a-z0-9]+")
_MENTIONS_ACTION_ITEMS = re.compile(r"action item", re.I)


@dataclass(frozen=True)
class MarkdownTable:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def _cells(line: str) -> tuple[str, ...]:
    body = line.strip()
    if body.startswith("|"):
        body = body[1:]
    if body.endswith("|"):
        body = body[:-1]
    return tuple(cell.strip().strip("*_`").strip() for cell in body.split("|"))


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
            if len(row) > column and _DONE.match(row[column]):
                done.add(item_key(row[0]))
    return done


def is_done(status: object) -> bool:
    return isinstance(status, str) and bool(_DONE.match(status))
