"""The table types every stage hands on: plain dataclasses of pandas DataFrames.

Why a module of its own: commands that never read comment language (``sync``, ``--help``) must
not import spaCy, and every stage may import these types without running up the pipeline.
Columns of each table: docs/tables.md.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from dataclasses import dataclass
from typing import TypeVar

import pandas as pd


@dataclass
class ThreadTables:
    """What the parse stage hands on: one DataFrame per tidy table."""

    bugs: pd.DataFrame
    comments: pd.DataFrame
    changes: pd.DataFrame
    needinfos: pd.DataFrame
    whiteboard: pd.DataFrame
    participants: pd.DataFrame
    # one row per server value the parse stage could not read (analyzer/parse/door.py)
    data_quality: pd.DataFrame | None = None


@dataclass
class LanguageTables:
    """What the language stage hands on.

    ``comment_language`` has one row per comment; ``commitments`` one per dated promise;
    ``report_fields`` one per IRG 3.x Summary/Impact field a report states; ``action_items``
    one per row of a report's Action Items table. The last two are ``None`` when the stage
    that made the object did not read them (older caches, hand-made test tables).
    """

    comment_language: pd.DataFrame
    commitments: pd.DataFrame
    report_fields: pd.DataFrame | None = None
    action_items: pd.DataFrame | None = None


@dataclass
class MetricsResult:
    """What the metrics stage hands on, as known at ``as_of``."""

    as_of: pd.Timestamp
    deadlines: pd.DataFrame
    bug_metrics: pd.DataFrame
    # where question counts and report kinds came from: the language stage or the fallback rule
    questions_source: str = "language stage"
    breaches: pd.DataFrame | None = None
    ca_months: pd.DataFrame | None = None


def text_column(values: list) -> pd.Series:
    """Text values (None for none) as a column of pandas' default string type. Handed to
    pyarrow directly when every value is text or None: pandas first checks and converts each
    value in Python, which for the 1.1M comments of 50x the real corpus costs seconds."""
    import pyarrow as pa

    try:
        array = pa.array(values, type=pa.large_string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):  # pandas converts the rest
        return pd.Series(values, dtype="str")
    return pd.Series(array, dtype="str")


Stage = TypeVar("Stage", ThreadTables, LanguageTables)


def of_bugs(tables: Stage, bug_ids: Collection[int]) -> Stage:
    """A copy of a stage's tables (a dataclass of DataFrames) holding only these bugs' rows."""
    changes = {
        item.name: frame[frame["bug_id"].isin(bug_ids)]
        for item in dataclasses.fields(tables)
        if isinstance(frame := getattr(tables, item.name), pd.DataFrame) and "bug_id" in frame
    }
    return dataclasses.replace(tables, **changes)
