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


# The readings of issue 14. dev and test were tuned on; holdout was written with them, before
# any tuning, and measured once: the floors below guard against regressions, the figures are in
# docs/language.md (bench/language.py).
@pytest.mark.parametrize("split", SPLITS)
def test_expects_reply_and_closing_notice(split):
    scores = ev.score_replies(_items("replies", split))
    for name, score in scores.items():
        assert score.precision >= 0.95, name
        assert score.recall >= 0.95, name


@pytest.mark.parametrize("split", SPLITS)
def test_attachment_report_kinds(split):
    score = ev.score_attachment_kinds(_items("attachments", split))
    assert score.precision >= 0.95 and score.recall >= 0.95


@pytest.mark.parametrize("split", SPLITS)
def test_report_fields(split):
    score = ev.score_fields(_items("fields", split))
    assert score.precision >= 0.95 and score.recall >= 0.95


@pytest.mark.parametrize("split", SPLITS)
def test_promise_date_and_kind(split):
    score = ev.score_promises(_items("promises", split))
    assert score.pairs.precision >= 0.95 and score.pairs.recall >= 0.95
    assert score.ambiguous.recall >= 0.95


def test_new_sets_are_big_enough():
    replies = ev.load_set(EVAL_DIR, "replies")
    assert len(replies) >= 60
    assert sum(i.attrs["closing"] == "yes" for i in replies) >= 15
    assert sum(i.attrs["reply"] == "no" for i in replies) >= 30
    assert len(ev.load_set(EVAL_DIR, "attachments")) >= 30
    fields = [f for i in ev.load_set(EVAL_DIR, "fields") for f in i.labels.get("fields", [])]
    assert len(fields) >= 80
    promised = [p for i in ev.load_set(EVAL_DIR, "promises") for p in i.labels["commitments"]]
    assert len(promised) >= 40


def test_scorers_count_a_wrong_reading_as_wrong(tmp_path):
    path = tmp_path / "promises_dev.txt"
    path.write_text(
        "=== a role=ca time=2025-03-06T09:00:00Z\n"
        "We will post the report on 03.07.2025.\n--- commitments\n2025-07-03 report\n",
        encoding="utf-8",
    )
    score = ev.score_promises(ev.load_items(path))  # read as 7 March: the label says 3 July
    assert (score.pairs.true_positive, score.pairs.predicted, score.pairs.expected) == (0, 1, 1)
