"""Ahead of the deadline: what is due, which promises were kept, how complete the reports are.

Analysis only: each function returns a table (columns: docs/tables.md, docs/ahead.md). The
report stage shapes and renders them (the scorecards, ``analyzer.report.due``); ``analyzer due``
and notebooks use the tables directly.
"""

from __future__ import annotations

from analyzer.ahead.completeness import report_completeness
from analyzer.ahead.due import due_bug_table, due_table, parse_window
from analyzer.ahead.promises import promise_summary, promises_table

__all__ = [
    "due_bug_table",
    "due_table",
    "parse_window",
    "promise_summary",
    "promises_table",
    "report_completeness",
]
