"""What the language stage reads in one comment's text: the readings its cache keeps.

Every reading comes from here (and the modules this one calls), which is why this module is
part of :func:`analyzer.language.pipeline.readings_version` and analyzer/language/stage.py,
which only assembles tables from readings, is not: editing the assembly must not throw away
a million cached readings.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from analyzer.language import cache, commitments, questions
from analyzer.language.action_items import ActionItem, read_action_items
from analyzer.language.commitments import Commitment
from analyzer.language.completeness import missing_parts
from analyzer.language.fields import Field, read_fields
from analyzer.language.pipeline import nlp
from analyzer.language.replies import reply_reading
from analyzer.language.reports import ReportReading, read_report
from analyzer.language.text import blocks, own_lines


@dataclass(frozen=True)
class CommentReading:
    """Everything the stage reads from one comment's text, before the author's role is known."""

    questions: tuple[str, ...]
    report_kind: str
    sections_present: tuple[str, ...]
    sections_missing: tuple[str, ...]
    report_template: str | None
    commitments: tuple[Commitment, ...]
    expects_reply: bool = True
    closing_notice: bool = False
    fields: tuple[Field, ...] = ()
    action_items: tuple[ActionItem, ...] = ()


EMPTY = CommentReading((), "other", (), (), None, ())


def read_comments(texts: Sequence[str | None], days: Sequence[date | None]) -> list[CommentReading]:
    """Read many comments at once: one spaCy pass, in batches, over the blocks that can hold a
    question or a promise (the others cannot, so skipping them changes nothing)."""
    own = [own_lines(text) for text in texts]
    comment_blocks = [blocks(text, lines) for text, lines in zip(texts, own, strict=True)]
    asked: list[list[str]] = [[] for _ in texts]
    promised = [
        commitments.table_commitments(b, day) if day else []
        for b, day in zip(comment_blocks, days, strict=True)
    ]

    def candidates() -> Iterator[tuple[str, tuple[int, bool, bool, bool]]]:
        for index, (found, day) in enumerate(zip(comment_blocks, days, strict=True)):
            for block in found:
                ask = questions.is_candidate(block)
                promise = day is not None and commitments.is_candidate(block)
                if ask or promise:
                    yield block.text, (index, ask, promise, block.kind == "item")

    for doc, (index, ask, promise, listed) in nlp().pipe(
        candidates(), as_tuples=True, batch_size=256
    ):
        if ask:
            asked[index].extend(questions.asked_in(doc))
        day = days[index]
        if promise and day is not None:  # a promise candidate always has its day
            promised[index].extend(commitments.promised_in(doc, day, listed))

    readings = []
    for text, lines, sentences, dated, day in zip(texts, own, asked, promised, days, strict=True):
        if not text or not text.strip():
            readings.append(EMPTY)
            continue
        report = read_report(text, lines)
        missing = _missing(text, report, day)
        expects_reply, closing_notice = reply_reading(lines)
        readings.append(
            CommentReading(
                tuple(sentences),
                report.kind,
                report.sections_present,
                missing,
                report.template,
                tuple(dated),
                expects_reply,
                closing_notice,
                tuple(read_fields(lines, day)),
                tuple(read_action_items("\n".join(lines), day)),
            )
        )
    return readings


def _missing(text: str, report: ReportReading, day: date | None) -> tuple[str, ...]:
    """What a full or closure report lacks of the template in force on its day: the same list
    as ``report_completeness.missing`` (one answer). Nothing before templates were required
    (IRG 3.0), and nothing for a report posted as an attachment (its text is unseen)."""
    if day is None or report.kind not in ("full", "closure") or report.attached:
        return ()
    return missing_parts(text, report.kind, pd.Timestamp(day, tz="UTC"))


def readings_table(keys: Sequence[str], readings: Sequence[CommentReading]) -> pd.DataFrame:
    """Readings as rows of the cache's table (columns: ``cache.COLUMNS``)."""
    return pd.DataFrame(
        {
            "key": list(keys),
            "questions": [len(r.questions) for r in readings],
            "question_text": ["\n".join(r.questions) for r in readings],
            "report_kind": [r.report_kind for r in readings],
            "sections_present": [";".join(r.sections_present) for r in readings],
            "sections_missing": [";".join(r.sections_missing) for r in readings],
            "report_template": [r.report_template for r in readings],
            "expects_reply": [r.expects_reply for r in readings],
            "closing_notice": [r.closing_notice for r in readings],
            "commitments": [_commitments_json(r.commitments) for r in readings],
            "report_fields": [_fields_json(r.fields) for r in readings],
            "action_items": [_items_json(r.action_items) for r in readings],
        },
        columns=cache.COLUMNS,
    )


def _commitments_json(commitments: Sequence[Commitment]) -> str:
    if not commitments:
        return ""
    return json.dumps(
        [[c.text, c.promised.isoformat(), c.kind, c.status, c.ambiguous] for c in commitments]
    )


def _fields_json(fields: Sequence[Field]) -> str:
    if not fields:
        return ""
    return json.dumps(
        [[f.field, f.value, f.time.isoformat() if f.time else "", f.number] for f in fields]
    )


def _items_json(items: Sequence[ActionItem]) -> str:
    if not items:
        return ""
    return json.dumps(
        [[i.item, i.due.isoformat() if i.due else "", i.status, i.done] for i in items]
    )
