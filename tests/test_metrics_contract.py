"""The metrics tables keep the column contract of docs/tables.md, through the notebook API."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import analyzer

DOC = Path(__file__).resolve().parents[1] / "docs" / "tables.md"


@pytest.fixture(scope="module")
def snapshot_metrics():
    corpus = analyzer.load("/nonexistent-data-dir")
    return corpus, corpus.metrics(as_of="2025-12-31")


def test_deadlines_columns_are_the_documented_ones(snapshot_metrics):
    text = DOC.read_text(encoding="utf-8")
    section = re.search(r"^## deadlines \(.*?(?=^## |\Z)", text, re.S | re.M).group(0)
    documented = [c for c in re.findall(r"^\| ([a-z_]+) \|", section, re.M) if c != "column"]
    _, result = snapshot_metrics
    assert list(result.deadlines.columns) == documented


def test_bug_metrics_columns_are_the_documented_keys(snapshot_metrics):
    text = DOC.read_text(encoding="utf-8")
    section = re.search(r"^## bug_metrics .*?(?=^## |\Z)", text, re.S | re.M).group(0)
    documented = [c for c in re.findall(r"^\| ([a-z_]+) \|", section, re.M) if c != "column"]
    _, result = snapshot_metrics
    assert list(result.bug_metrics.columns) == documented


def test_as_of_through_the_corpus_sees_nothing_later(snapshot_metrics):
    corpus, result = snapshot_metrics
    cut = pd.Timestamp("2025-12-31", tz="UTC")
    assert result.as_of == cut
    assert (result.deadlines["start"] <= cut).all()
    assert (result.deadlines["met_at"].dropna() <= cut).all()
    assert (result.bug_metrics["opened"] <= cut).all()
    opened_by_then = (corpus.bugs["opened"] <= cut).sum()
    assert len(result.bug_metrics) == opened_by_then
    for column in ("start", "due", "met_at"):
        assert str(result.deadlines[column].dt.tz) == "UTC"
