"""From the comments table to the language tables, with the per-comment cache in between.

The readings themselves come from analyzer/language/read.py. This module looks each comment up
in the cache by a key of its day and text, reads the missing ones, and spreads the readings
into tables. At 50x the real corpus that is 1.1M comments, so the lookups work on the text's
Arrow buffer (no Python string per comment) and the joins run in pyarrow.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.bmo import comment_url
from analyzer.env import InputError
from analyzer.language import cache
from analyzer.language.pipeline import readings_version
from analyzer.language.read import read_comments, readings_table
from analyzer.tables import LanguageTables
from analyzer.values import without_surrogates

LANGUAGE_COLUMNS = ["bug_id", "count", *cache.READING_COLUMNS]
COMMITMENT_COLUMNS = ["bug_id", "count", "text", "promised", "kind", "url", "status", "ambiguous"]
FIELD_COLUMNS = ["bug_id", "count", "field", "value", "time", "number"]
ACTION_ITEM_COLUMNS = ["bug_id", "count", "item", "due", "status", "done"]
NOT_CA_ROLES = ("root_program", "community")
# What str.strip() removes, as the first byte of UTF-8 text: a text starting with any other
# ASCII byte is not blank (a non-ASCII first byte is decoded and checked).
_ASCII_SPACE = np.array([b in b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f" for b in range(128)])


def _text_array(column: pd.Series) -> pa.LargeStringArray:
    """The comment texts as one Arrow array, null where a value is not text (bytes, numbers:
    a hand-made table may hold anything). A lone surrogate, which UTF-8 cannot carry, is
    read as U+FFFD, as the parse stage's door reads it."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        array = pa.array(column.array, type=pa.large_string())  # text or null already
    else:
        values = [t if isinstance(t, str) else None for t in column.tolist()]
        try:
            array = pa.array(values, type=pa.large_string())
        except UnicodeError:
            fixed = [None if t is None else without_surrogates(t) for t in values]
            array = pa.array(fixed, type=pa.large_string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array


def _day_labels(comments: pd.DataFrame) -> np.ndarray:
    """Each comment's UTC day as ``YYYY-MM-DD`` (``None`` when its time is unknown): as the key
    spells it (relative dates, "this Friday", are resolved against it)."""
    if "time" not in comments.columns:
        return np.full(len(comments), "None", dtype=object)
    times = pd.to_datetime(pd.Series(comments["time"]), utc=True, errors="coerce")
    values = times.dt.tz_localize(None).to_numpy()  # in its own unit: no overflow past 2262
    labels = np.datetime_as_string(values.astype("datetime64[D]")).astype(object)
    labels[np.isnat(values)] = "None"
    return labels


def _keys(text: pa.LargeStringArray, days: np.ndarray) -> list[str | None]:
    """The cache key of each comment, None for a comment without text: the first 32 hex digits
    of the SHA-256 of ``f"{readings_version()}\\0{day}\\0{text}"`` in UTF-8, hashed from the bytes
    Arrow holds, so no Python string is made per comment."""
    size = len(text)
    keys: list[str | None] = [None] * size
    if size == 0:
        return keys
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset : text.offset + size + 1]
    data_buffer = text.buffers()[2]
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    raw = np.frombuffer(data, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    valid = text.is_valid().to_numpy(zero_copy_only=False) & (ends > starts)
    first = np.zeros(size, dtype=np.uint8)
    first[valid] = raw[starts[valid]]
    # a first byte that is ASCII and not a space: certainly not blank; the rest are checked
    doubtful = valid & ((first >= 128) | _ASCII_SPACE[np.minimum(first, 127)])
    version = readings_version()
    prefixes: dict[str, hashlib._Hash] = {}
    chosen = np.flatnonzero(valid)
    for index, begin, end, unsure, day in zip(
        chosen.tolist(),
        starts[chosen].tolist(),
        ends[chosen].tolist(),
        doubtful[chosen].tolist(),
        days[chosen].tolist(),
        strict=True,
    ):
        if unsure and not bytes(data[begin:end]).decode("utf-8").strip():
            continue
        prefix = prefixes.get(day)
        if prefix is None:
            prefix = prefixes[day] = hashlib.sha256(f"{version}\0{day}\0".encode())
        digest = prefix.copy()
        digest.update(data[begin:end])
        keys[index] = digest.hexdigest()[:32]
    return keys


def annotate(comments: pd.DataFrame, cache_dir: Path | None = None) -> LanguageTables:
    """Questions, report kinds and commitments of every comment (columns: docs/tables.md).
    Readings not in the cache are read and stored in it."""
    missing = [c for c in ("bug_id", "count", "text") if c not in comments.columns]
    if missing:
        raise InputError(f"the comments table has no column {', '.join(missing)}.")
    tables, fresh = _annotated(comments, cache.load_table(cache_dir))
    cache.save(cache_dir, fresh)
    return tables


def _annotated(comments: pd.DataFrame, known: pa.Table) -> tuple[LanguageTables, pd.DataFrame]:
    """The language tables of these comments and the readings that were not in ``known``
    (rows of ``cache.COLUMNS``, for the caller to store)."""
    text = _text_array(comments["text"])
    days = _day_labels(comments)
    keys = pa.array(_keys(text, days), type=pa.large_string())
    positions = pc.index_in(keys, value_set=known["key"], skip_nulls=True)
    unread = np.flatnonzero(
        (pc.is_null(positions).to_numpy(zero_copy_only=False))
        & keys.is_valid().to_numpy(zero_copy_only=False)
    )
    fresh = pd.DataFrame(columns=cache.COLUMNS)
    if len(unread):
        first: dict[str, int] = {}
        for index, key in zip(unread.tolist(), keys.take(unread).to_pylist(), strict=True):
            first.setdefault(key, index)
        chosen = list(first.values())
        texts = text.take(chosen).to_pylist()
        dates = [None if days[i] == "None" else date.fromisoformat(days[i]) for i in chosen]
        fresh = readings_table(list(first), read_comments(texts, dates))
        del texts
        known = cache.joined(known, fresh)
        positions = pc.index_in(keys, value_set=known["key"], skip_nulls=True)
    rows = known.take(positions)  # one row per comment; null where it has no text

    roles = comments["role"] if "role" in comments.columns else pd.Series([None] * len(keys))
    not_ca = roles.isin(NOT_CA_ROLES).to_numpy(dtype=bool)
    tables = LanguageTables(
        comment_language=_language_table(comments, rows, not_ca),
        commitments=_commitment_table(comments, rows, not_ca),
        report_fields=_field_table(comments, rows, not_ca),
        action_items=_action_item_table(comments, rows, not_ca),
    )
    return tables, fresh


def _str(values: pa.ChunkedArray | pa.Array) -> pd.Series:
    return pd.Series(values, dtype="str")


def _language_table(comments: pd.DataFrame, rows: pa.Table, not_ca: np.ndarray) -> pd.DataFrame:
    kind = pc.fill_null(rows["report_kind"], "other")
    kind = pc.if_else(pc.and_(pc.equal(kind, "update"), pa.array(not_ca)), "other", kind)
    return pd.DataFrame(
        {
            "bug_id": comments["bug_id"].to_numpy(),
            "count": comments["count"].to_numpy(),
            "questions": pc.fill_null(rows["questions"], 0).to_numpy().astype("int64"),
            "question_text": _str(pc.fill_null(rows["question_text"], "")),
            "report_kind": _str(kind),
            "sections_present": _str(pc.fill_null(rows["sections_present"], "")),
            "sections_missing": _str(pc.fill_null(rows["sections_missing"], "")),
            # typed here, not inferred: a slice of comments none of which names a template
            # would give another dtype than the whole, and the cache grows tables from slices
            "report_template": _str(rows["report_template"]),
            # a comment without text may ask anything: it counts (the metrics add a caveat)
            "expects_reply": pc.fill_null(rows["expects_reply"], True).to_numpy().astype(bool),
            "closing_notice": pc.fill_null(rows["closing_notice"], False).to_numpy().astype(bool),
        },
        columns=LANGUAGE_COLUMNS,
    )


def _ca_readings(
    comments: pd.DataFrame, rows: pa.Table, column: str, not_ca: np.ndarray
) -> tuple[np.ndarray, list[str]]:
    """Positions of the CA comments whose JSON reading ``column`` lists something, and those
    readings (a few thousand of a million comments: only they become Python strings)."""
    values = rows[column]
    said = pc.fill_null(pc.not_equal(values, ""), False).to_numpy(zero_copy_only=False)
    positions = np.flatnonzero(said & ~not_ca)
    return positions, values.take(positions).to_pylist()


def _urls(comments: pd.DataFrame, positions: np.ndarray) -> list[str]:
    if "url" in comments.columns:
        return comments["url"].iloc[positions].astype(str).tolist()
    bug_ids = comments["bug_id"].to_numpy()[positions]
    counts = comments["count"].to_numpy()[positions]
    return [comment_url(bug, count) for bug, count in zip(bug_ids, counts, strict=True)]


def _commitment_table(comments: pd.DataFrame, rows: pa.Table, not_ca: np.ndarray) -> pd.DataFrame:
    positions, made = _ca_readings(comments, rows, "commitments", not_ca)
    urls = _urls(comments, positions)
    bug_ids = comments["bug_id"].to_numpy()[positions]
    counts = comments["count"].to_numpy()[positions]
    records = [
        (bug, count, text, day, kind, url, status, bool(ambiguous))
        for bug, count, url, listed in zip(bug_ids, counts, urls, made, strict=True)
        for text, day, kind, status, ambiguous in json.loads(listed)
    ]
    table = _texts(_frame(records, COMMITMENT_COLUMNS), ["text", "kind", "url", "status"])
    table["ambiguous"] = table["ambiguous"].astype(bool)
    table["promised"] = pd.to_datetime(table["promised"]).dt.tz_localize("UTC")
    table["bug_id"] = table["bug_id"].astype("int64")
    table["count"] = table["count"].astype("int64")
    return table


def _ca_rows(comments: pd.DataFrame, rows: pa.Table, column: str, not_ca) -> list[tuple]:
    """(bug_id, count, entry) for each entry of a JSON reading column in a CA comment."""
    positions, made = _ca_readings(comments, rows, column, not_ca)
    bug_ids = comments["bug_id"].to_numpy()[positions]
    counts = comments["count"].to_numpy()[positions]
    return [
        (bug, count, entry)
        for bug, count, listed in zip(bug_ids, counts, made, strict=True)
        for entry in json.loads(listed)
    ]


def _field_table(comments: pd.DataFrame, rows: pa.Table, not_ca) -> pd.DataFrame:
    """One row per IRG 3.x Summary/Impact field stated in a CA comment."""
    records = [
        (bug, count, field, value, time or None, number)
        for bug, count, (field, value, time, number) in _ca_rows(
            comments, rows, "report_fields", not_ca
        )
    ]
    table = _texts(_frame(records, FIELD_COLUMNS), ["field", "value"])
    table["time"] = pd.to_datetime(table["time"], utc=True)
    table["number"] = table["number"].astype("Int64")
    return _int_keys(table)


def _action_item_table(comments: pd.DataFrame, rows: pa.Table, not_ca) -> pd.DataFrame:
    """One row per row of an Action Items table in a CA comment."""
    records = [
        (bug, count, item, due or None, status, bool(done))
        for bug, count, (item, due, status, done) in _ca_rows(
            comments, rows, "action_items", not_ca
        )
    ]
    table = _texts(_frame(records, ACTION_ITEM_COLUMNS), ["item", "status"])
    table["due"] = pd.to_datetime(table["due"], utc=True)
    table["done"] = table["done"].astype(bool)
    return _int_keys(table)


def _frame(records: list[tuple], columns: list[str]) -> pd.DataFrame:
    """Rows as a table, built column by column: pandas' constructor from rows looks at every
    cell (4 s for the 50x corpus's commitments and action items)."""
    if not records:
        return pd.DataFrame(records, columns=columns)
    return pd.DataFrame(dict(zip(columns, map(list, zip(*records, strict=True)), strict=True)))


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
