"""The parse stage's tables match the column contract in docs/tables.md, on the real snapshot."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import analyzer
from analyzer.parse.columns import SCHEMAS

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


def documented_columns(table: str) -> list[str]:
    """Column names of one table's section in docs/tables.md, in order."""
    text = DOC.read_text(encoding="utf-8")
    section = re.search(rf"^## {table} \(.*?(?=^## |\Z)", text, re.S | re.M)
    assert section, f"docs/tables.md has no section for {table}"
    return [c for c in re.findall(r"^\| ([a-z_]+) \|", section.group(0), re.M) if c != "column"]


@pytest.fixture(scope="module")
def snapshot():
    return analyzer.load("/nonexistent-data-dir")


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_columns_are_the_documented_ones(snapshot, table):
    frame = snapshot.table(table)
    assert list(frame.columns) == documented_columns(table)


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_times_are_utc(snapshot, table):
    frame = snapshot.table(table)
    for column, kind in SCHEMAS[table].items():
        if kind == "ts":
            assert isinstance(frame[column].dtype, pd.DatetimeTZDtype), column
            assert str(frame[column].dt.tz) == "UTC"


def test_snapshot_tables_have_every_bug_and_comment(snapshot):
    tables = snapshot.tables
    assert len(tables.bugs) == 1690
    assert len(tables.comments) == 21988
    assert tables.bugs["bug_id"].is_unique
    assert set(tables.whiteboard["bug_id"]) == set(tables.bugs["bug_id"])
    assert set(tables.comments["role"]) <= {"ca", "root_program", "community"}
