"""The labelled evaluation sets stay above the targets, so a rule change that hurts fails CI."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.language import eval_sets as ev

EVAL_DIR = Path(__file__).parent / "language_eval"
SPLITS = ["dev", "test", "holdout"]


def _items(task: str, split: str) -> list[ev.Item]:
    items = ev.load_set(EVAL_DIR, task, split)
    assert items, f"no {task} items in the {split} split"
    return items


def test_sets_are_big_enough():
    questions = ev.load_set(EVAL_DIR, "questions")
    sentences = sum(len(item.text.split(". ")) for item in questions)
    asked = sum(len(item.labels.get("questions", [])) for item in questions)
    assert asked >= 100 and sentences >= 150
    assert len(ev.load_set(EVAL_DIR, "reports")) >= 60
    expected = [
        line
        for i in ev.load_set(EVAL_DIR, "commitments")
        for line in i.labels.get("commitments", [])
    ]
    assert len(expected) >= 40


@pytest.mark.parametrize("split", SPLITS)
def test_questions_precision_and_recall(split):
    score = ev.score_questions(_items("questions", split))
    assert score.precision >= 0.90
    assert score.recall >= 0.90


@pytest.mark.parametrize("split", SPLITS)
def test_report_kind_accuracy(split):
    assert ev.score_reports(_items("reports", split)).accuracy >= 0.90


@pytest.mark.parametrize("split", SPLITS)
def test_commitment_dates_exact(split):
    score = ev.score_commitments(_items("commitments", split))
    assert score.exact >= 0.85
    assert score.dates.precision >= 0.85


def test_loader_reads_labels(tmp_path):
    path = tmp_path / "questions_dev.txt"
    path.write_text(
        "=== a role=ca time=2025-01-01T00:00:00Z\nWhy?\n\nNo.\n--- questions\nWhy?\n"
        "=== b kind=full\ntext\n",
        encoding="utf-8",
    )
    first, second = ev.load_items(path)
    assert (first.name, first.attrs["role"], first.text) == ("a", "ca", "Why?\n\nNo.")
    assert first.labels == {"questions": ["Why?"]}
    assert (second.attrs, second.text, second.labels) == ({"kind": "full"}, "text", {})
