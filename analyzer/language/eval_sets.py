"""Scoring the language stage against the labelled sets in ``tests/language_eval/``.

Each set file holds items like::

    === q001 role=root_program time=2025-03-04T10:00:00Z kind=full
    the comment text, as many lines as needed
    --- questions
    one expected question sentence per line

``--- commitments`` lines read ``YYYY-MM-DD kind``; ``--- sections`` lines name sections.
Splits: ``_dev.txt`` was used while writing the rules; ``_test.txt`` was written apart, measured,
and then some generic rules were fixed after reading its errors; ``_holdout.txt`` was written
last and measured once, with no rule changed after it: its numbers are the honest ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from analyzer.language.stage import annotate
from analyzer.language.text import mask

_ITEM = re.compile(r"^=== (\S+)(.*)$")
_LABEL = re.compile(r"^--- (questions|commitments|sections|fields)\s*$")
_NORMAL = re.compile(r"[^a-z0-9?]+")


@dataclass
class Item:
    name: str
    attrs: dict[str, str]
    text: str
    labels: dict[str, list[str]] = field(default_factory=dict)


def load_items(path: Path) -> list[Item]:
    """Parse one labelled set file."""
    items: list[Item] = []
    section: str | None = None
    lines: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        head = _ITEM.match(line)
        label = _LABEL.match(line)
        if head:
            _finish(items, lines)
            attrs = dict(part.split("=", 1) for part in head.group(2).split())
            items.append(Item(head.group(1), attrs, ""))
            section, lines = None, []
        elif label and items:
            if section is None:
                _finish(items, lines)
            section = label.group(1)
            items[-1].labels[section] = []
        elif items and section is not None:
            if line.strip():
                items[-1].labels[section].append(line.strip())
        elif items:
            lines.append(line)
    _finish(items, lines)
    return items


def _finish(items: list[Item], lines: list[str]) -> None:
    if items and not items[-1].text:
        items[-1].text = "\n".join(lines).strip("\n")


def load_set(directory: Path, task: str, split: str | None = None) -> list[Item]:
    """Items of ``task`` (questions, reports, commitments), one split or both."""
    splits = [split] if split else ["dev", "test", "holdout"]
    items: list[Item] = []
    for name in splits:
        path = Path(directory) / f"{task}_{name}.txt"
        if path.is_file():
            items.extend(load_items(path))
    return items


def run(items: list[Item]):
    """Annotate the items as comments of one bug (no cache)."""
    comments = pd.DataFrame(
        {
            "bug_id": 1,
            "count": range(len(items)),
            "author": "someone@example.com",
            "time": [pd.Timestamp(i.attrs.get("time", "2025-06-30T10:00:00Z")) for i in items],
            "is_private": False,
            "text": [i.text for i in items],
            "role": [i.attrs.get("role", "ca") for i in items],
        }
    )
    return annotate(comments, cache_dir=None)


def _normal(text: str) -> str:
    return _NORMAL.sub(" ", mask(text).lower()).strip()


@dataclass(frozen=True)
class Score:
    true_positive: int
    predicted: int
    expected: int

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.expected if self.expected else 1.0


def score_questions(items: list[Item]) -> Score:
    """Sentence-level precision and recall: a found sentence matches an expected one when one
    contains the other (so a list number in front does not matter)."""
    language = run(items).comment_language
    tp = predicted = expected = 0
    for item, found_text in zip(items, language["question_text"], strict=True):
        found = [_normal(s) for s in found_text.split("\n") if s.strip()]
        gold = [_normal(s) for s in item.labels.get("questions", [])]
        predicted += len(found)
        expected += len(gold)
        unused = list(found)
        for g in gold:
            hit = next((f for f in unused if g in f or f in g), None)
            if hit is not None:
                unused.remove(hit)
                tp += 1
    return Score(tp, predicted, expected)


@dataclass(frozen=True)
class KindScore:
    correct: int
    total: int
    confusion: dict[tuple[str, str], int]
    templates_correct: int
    templates_total: int

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 1.0


def score_reports(items: list[Item]) -> KindScore:
    language = run(items).comment_language
    correct = templates_correct = templates_total = 0
    confusion: dict[tuple[str, str], int] = {}
    for item, kind, template in zip(
        items, language["report_kind"], language["report_template"], strict=True
    ):
        expected = item.attrs["kind"]
        correct += kind == expected
        confusion[(expected, kind)] = confusion.get((expected, kind), 0) + 1
        if "template" in item.attrs:
            templates_total += 1
            templates_correct += ("none" if pd.isna(template) else template) == item.attrs[
                "template"
            ]
    return KindScore(correct, len(items), confusion, templates_correct, templates_total)


@dataclass(frozen=True)
class CommitmentScore:
    dates: Score  # a found commitment matches an expected one with the same day
    kinds_correct: int

    @property
    def exact(self) -> float:
        return self.dates.recall


def score_commitments(items: list[Item]) -> CommitmentScore:
    commitments = run(items).commitments
    by_count = {c: g for c, g in commitments.groupby("count")}
    tp = predicted = expected = kinds = 0
    for index, item in enumerate(items):
        found = by_count.get(index)
        found_pairs = (
            [(p.date(), k) for p, k in zip(found["promised"], found["kind"], strict=True)]
            if found is not None
            else []
        )
        gold = [_gold_commitment(line) for line in item.labels.get("commitments", [])]
        predicted += len(found_pairs)
        expected += len(gold)
        unused = list(found_pairs)
        for day, kind in gold:
            hit = next((f for f in unused if f[0] == day and f[1] == kind), None)
            hit = hit or next((f for f in unused if f[0] == day), None)
            if hit is not None:
                unused.remove(hit)
                tp += 1
                kinds += hit[1] == kind
    return CommitmentScore(Score(tp, predicted, expected), kinds)


def _gold_commitment(line: str) -> tuple[date, str]:
    day, kind = line.split()[:2]
    return date.fromisoformat(day), kind


def score_replies(items: list[Item]) -> dict[str, Score]:
    """Per-comment precision and recall of the two flags (``reply=yes|no closing=yes|no``):
    ``expects_reply`` (comments expecting a reply), ``no_reply`` (the exceptions: those
    expecting none) and ``closing_notice``."""
    language = run(items).comment_language
    counts = {"expects_reply": [0, 0, 0], "no_reply": [0, 0, 0], "closing_notice": [0, 0, 0]}
    for item, reply, closing in zip(
        items, language["expects_reply"], language["closing_notice"], strict=True
    ):
        gold = {
            "expects_reply": item.attrs["reply"] == "yes",
            "no_reply": item.attrs["reply"] == "no",
            "closing_notice": item.attrs["closing"] == "yes",
        }
        found = {
            "expects_reply": bool(reply),
            "no_reply": not reply,
            "closing_notice": bool(closing),
        }
        for name, tally in counts.items():
            tally[0] += found[name] and gold[name]
            tally[1] += found[name]
            tally[2] += gold[name]
    return {name: Score(*tally) for name, tally in counts.items()}


def score_attachment_kinds(items: list[Item]) -> Score:
    """Comments read as a report (preliminary, full, closure): right when the kind is the
    labelled one; an ``other`` label expects no report."""
    language = run(items).comment_language
    tp = predicted = expected = 0
    for item, kind in zip(items, language["report_kind"], strict=True):
        gold = item.attrs["kind"]
        is_report = kind in ("preliminary", "full", "closure")
        predicted += is_report
        expected += gold != "other"
        tp += is_report and kind == gold
    return Score(tp, predicted, expected)


def score_fields(items: list[Item]) -> Score:
    """Report fields: a found field matches a labelled one with the same name, a value that
    contains or is contained in the labelled one, and the same moment (or none)."""
    fields = run(items).report_fields
    by_count = {c: g for c, g in fields.groupby("count")}
    tp = predicted = expected = 0
    for index, item in enumerate(items):
        found = by_count.get(index)
        rows = (
            []
            if found is None
            else list(zip(found["field"], found["value"], found["time"], strict=True))
        )
        gold = [_gold_field(line) for line in item.labels.get("fields", [])]
        predicted += len(rows)
        expected += len(gold)
        unused = list(rows)
        for name, value, moment in gold:
            hit = next(
                (
                    r
                    for r in unused
                    if r[0] == name
                    and (_normal(value) in _normal(r[1]) or _normal(r[1]) in _normal(value))
                    and ((pd.isna(r[2]) and moment is None) or r[2] == moment)
                ),
                None,
            )
            if hit is not None:
                unused.remove(hit)
                tp += 1
    return Score(tp, predicted, expected)


def _gold_field(line: str) -> tuple[str, str, pd.Timestamp | None]:
    name, value, moment = (part.strip() for part in line.split("|"))
    return name, value, None if moment == "-" else pd.Timestamp(moment)


@dataclass(frozen=True)
class PromiseScore:
    pairs: Score  # a found promise matches a labelled one with the same day and kind
    ambiguous: Score  # of the matched ones: flagged ambiguous vs labelled ambiguous


def score_promises(items: list[Item]) -> PromiseScore:
    commitments = run(items).commitments
    by_count = {c: g for c, g in commitments.groupby("count")}
    tp = predicted = expected = 0
    flag = [0, 0, 0]
    for index, item in enumerate(items):
        found = by_count.get(index)
        rows = []
        if found is not None:
            flags = found["ambiguous"] if "ambiguous" in found else [False] * len(found)
            rows = [
                (p.date(), k, bool(a))
                for p, k, a in zip(found["promised"], found["kind"], flags, strict=True)
            ]
        gold = [line.split() for line in item.labels.get("commitments", [])]
        predicted += len(rows)
        expected += len(gold)
        unused = list(rows)
        for parts in gold:
            day, kind, ambiguous = date.fromisoformat(parts[0]), parts[1], "ambiguous" in parts
            hit = next((r for r in unused if r[0] == day and r[1] == kind), None)
            if hit is not None:
                unused.remove(hit)
                tp += 1
                flag[0] += hit[2] and ambiguous
                flag[1] += hit[2]
                flag[2] += ambiguous
    return PromiseScore(Score(tp, predicted, expected), Score(*flag))
