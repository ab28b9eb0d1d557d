"""From the comments table to the language tables, with the per-comment cache in between."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from analyzer.bmo import comment_url
from analyzer.env import InputError
from analyzer.language import cache, commitments, questions
from analyzer.language.action_items import ActionItem, read_action_items
from analyzer.language.commitments import Commitment
from analyzer.language.fields import Field, read_fields
from analyzer.language.pipeline import nlp, readings_version
from analyzer.language.replies import reply_reading
from analyzer.language.reports import ReportReading, read_report
from analyzer.language.text import blocks, own_lines
from analyzer.tables import LanguageTables

LANGUAGE_COLUMNS = ["bug_id", "count", *cache.READING_COLUMNS]
COMMITMENT_COLUMNS = ["bug_id", "count", "text", "promised", "kind", "url", "status", "ambiguous"]
FIELD_COLUMNS = ["bug_id", "count", "field", "value", "time", "number"]
ACTION_ITEM_COLUMNS = ["bug_id", "count", "item", "due", "status", "done"]
NOT_CA_ROLES = ("root_program", "community")


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
        if promise:
            promised[index].extend(commitments.promised_in(doc, days[index], listed))

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
    from analyzer.ahead.completeness import missing_parts

    return missing_parts(text, report.kind, pd.Timestamp(day, tz="UTC"))


def _key(text: str, day: date | None) -> str:
    digest = hashlib.sha256(f"{readings_version()}\0{day}\0{text}".encode())
    return digest.hexdigest()[:32]


def _days(times: pd.Series) -> list[date | None]:
    """The UTC day of each comment: relative dates ("this Friday") are resolved against it."""
    days = pd.to_datetime(pd.Series(times), utc=True, errors="coerce").dt.date
    return [None if day is pd.NaT or day is None else day for day in days]


def _urls(comments: pd.DataFrame) -> list[str]:
    if "url" in comments.columns:
        return comments["url"].astype(str).tolist()
    return [
        comment_url(bug, count)
        for bug, count in zip(comments["bug_id"], comments["count"], strict=True)
    ]


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


def annotate(comments: pd.DataFrame, cache_dir: Path | None = None) -> LanguageTables:
    """Questions, report kinds and commitments of every comment (columns: docs/tables.md)."""
    missing = [c for c in ("bug_id", "count", "text") if c not in comments.columns]
    if missing:
        raise InputError(f"the comments table has no column {', '.join(missing)}.")
    texts = [t if isinstance(t, str) and t.strip() else None for t in comments["text"].tolist()]
    times = comments["time"] if "time" in comments.columns else pd.Series([None] * len(texts))
    days = _days(times)
    keys = [_key(text, day) if text else "" for text, day in zip(texts, days, strict=True)]

    known = cache.load(cache_dir)
    first: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key:
            first.setdefault(key, index)
    # only the readings of these comments: after a sync they are a few of the cache's million
    known = known[known["key"].isin(list(first))]
    cached = set(known["key"].tolist())
    todo = [k for k in first if k not in cached]
    if todo:
        fresh = readings_table(
            todo, read_comments([texts[first[k]] for k in todo], [days[first[k]] for k in todo])
        )
        cache.save(cache_dir, fresh)
        known = pd.concat([known, fresh], ignore_index=True) if len(known) else fresh
    del texts  # every comment's text as a Python string: ~0.9 GB at 50x, not needed past here
    rows = known.drop_duplicates("key").set_index("key").reindex(keys)

    roles = comments["role"] if "role" in comments.columns else pd.Series([None] * len(keys))
    not_ca = roles.isin(NOT_CA_ROLES).to_numpy()
    return LanguageTables(
        comment_language=_language_table(comments, rows, not_ca),
        commitments=_commitment_table(comments, rows, not_ca),
        report_fields=_field_table(comments, rows, not_ca),
        action_items=_action_item_table(comments, rows, not_ca),
    )


def _language_table(comments: pd.DataFrame, rows: pd.DataFrame, not_ca) -> pd.DataFrame:
    kind = rows["report_kind"].fillna("other").to_numpy()
    kind = pd.Series(kind).where(~((kind == "update") & not_ca), "other").to_numpy()
    return pd.DataFrame(
        {
            "bug_id": comments["bug_id"].to_numpy(),
            "count": comments["count"].to_numpy(),
            "questions": rows["questions"].fillna(0).astype("int64").to_numpy(),
            "question_text": rows["question_text"].fillna("").to_numpy(),
            "report_kind": kind,
            "sections_present": rows["sections_present"].fillna("").to_numpy(),
            "sections_missing": rows["sections_missing"].fillna("").to_numpy(),
            # typed here, not inferred: a slice of comments none of which names a template
            # would give another dtype than the whole, and the cache grows tables from slices
            "report_template": pd.Series(rows["report_template"].to_numpy()).astype("str"),
            # a comment without text may ask anything: it counts (the metrics add a caveat)
            "expects_reply": rows["expects_reply"].fillna(True).astype(bool).to_numpy(),
            "closing_notice": rows["closing_notice"].fillna(False).astype(bool).to_numpy(),
        },
        columns=LANGUAGE_COLUMNS,
    )


def _commitment_table(comments: pd.DataFrame, rows: pd.DataFrame, not_ca) -> pd.DataFrame:
    made = rows["commitments"].fillna("").to_numpy()
    urls = _urls(comments)
    bug_ids, counts = comments["bug_id"].to_numpy(), comments["count"].to_numpy()
    records = []
    for i in (made != "").nonzero()[0]:
        if not not_ca[i]:
            for text, day, kind, status, ambiguous in json.loads(made[i]):
                records.append(
                    (bug_ids[i], counts[i], text, day, kind, urls[i], status, bool(ambiguous))
                )
    table = _texts(
        pd.DataFrame(records, columns=COMMITMENT_COLUMNS), ["text", "kind", "url", "status"]
    )
    table["ambiguous"] = table["ambiguous"].astype(bool)
    table["promised"] = pd.to_datetime(table["promised"]).dt.tz_localize("UTC")
    table["bug_id"] = table["bug_id"].astype("int64")
    table["count"] = table["count"].astype("int64")
    return table


def _ca_rows(comments: pd.DataFrame, rows: pd.DataFrame, column: str, not_ca) -> list[tuple]:
    """(bug_id, count, entry) for each entry of a JSON reading column in a CA comment."""
    made = rows[column].fillna("").to_numpy()
    bug_ids, counts = comments["bug_id"].to_numpy(), comments["count"].to_numpy()
    return [
        (bug_ids[i], counts[i], entry)
        for i in (made != "").nonzero()[0]
        if not not_ca[i]
        for entry in json.loads(made[i])
    ]


def _field_table(comments: pd.DataFrame, rows: pd.DataFrame, not_ca) -> pd.DataFrame:
    """One row per IRG 3.x Summary/Impact field stated in a CA comment."""
    records = [
        (bug, count, field, value, time or None, number)
        for bug, count, (field, value, time, number) in _ca_rows(
            comments, rows, "report_fields", not_ca
        )
    ]
    table = _texts(pd.DataFrame(records, columns=FIELD_COLUMNS), ["field", "value"])
    table["time"] = pd.to_datetime(table["time"], utc=True)
    table["number"] = table["number"].astype("Int64")
    return _int_keys(table)


def _action_item_table(comments: pd.DataFrame, rows: pd.DataFrame, not_ca) -> pd.DataFrame:
    """One row per row of an Action Items table in a CA comment."""
    records = [
        (bug, count, item, due or None, status, bool(done))
        for bug, count, (item, due, status, done) in _ca_rows(
            comments, rows, "action_items", not_ca
        )
    ]
    table = _texts(pd.DataFrame(records, columns=ACTION_ITEM_COLUMNS), ["item", "status"])
    table["due"] = pd.to_datetime(table["due"], utc=True)
    table["done"] = table["done"].astype(bool)
    return _int_keys(table)


def _texts(table: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Text columns typed ``str`` even when no row says anything (an empty table's would be
    ``object``), so that tables of any slice of comments fit together."""
    for column in columns:
        table[column] = table[column].astype("str")
    return table


def _int_keys(table: pd.DataFrame) -> pd.DataFrame:
    table["bug_id"] = table["bug_id"].astype("int64")
    table["count"] = table["count"].astype("int64")
    return table
