"""The per-comment language cache: parquet part files under ``<cache_dir>/<readings version>/``
(``PIPELINE_VERSION`` and a fingerprint of the stage's code and tables).

Keys hash the pipeline version, the comment's UTC day (relative dates depend on it) and its text,
so a changed comment or a changed rule set is read again and everything else is not. Each run
adds one part file with only its new readings (written to a temp file, then ``os.replace``d), so
a sync that adds a few comments does not rewrite the whole cache; many parts are merged into one
now and then. The cache is an optimisation only: a directory that cannot be read or written
means no cache, never an error.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.language.pipeline import readings_version

# What the stage reads from one comment's text; the comment_language table shows these per comment.
READING_COLUMNS = [
    "questions",
    "question_text",
    "report_kind",
    "sections_present",
    "sections_missing",
    "report_template",
    "expects_reply",
    "closing_notice",
]
COLUMNS = [
    "key",
    *READING_COLUMNS,
    "commitments",  # JSON list of [text, YYYY-MM-DD, kind, status, ambiguous]; "" when none
    "report_fields",  # JSON list of [field, value, ISO time or "", number or null]; "" when none
    "action_items",  # JSON list of [item, YYYY-MM-DD or "", status, done]; "" when none
]
MAX_PARTS = 16
_TEXT = pa.large_string()
SCHEMA = pa.schema(
    [
        ("key", _TEXT),
        ("questions", pa.int64()),
        ("question_text", _TEXT),
        ("report_kind", _TEXT),
        ("sections_present", _TEXT),
        ("sections_missing", _TEXT),
        ("report_template", _TEXT),
        ("expects_reply", pa.bool_()),
        ("closing_notice", pa.bool_()),
        ("commitments", _TEXT),
        ("report_fields", _TEXT),
        ("action_items", _TEXT),
    ]
)


def cache_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / readings_version()


def _parts(cache_dir: Path) -> list[Path]:
    return sorted(cache_path(cache_dir).glob("part-*.parquet"))


def load_table(cache_dir: Path | None) -> pa.Table:
    """Every reading stored for this pipeline version (``SCHEMA``), as Arrow: what the stage
    joins a million comments to. A key may repeat across parts; its readings are equal (a
    reading is a function of its key)."""
    tables = []
    for part in _parts(cache_dir) if cache_dir is not None else []:
        try:
            tables.append(_conformed(pq.read_table(part, columns=COLUMNS)))
        except (OSError, ValueError, KeyError, pa.ArrowException):
            continue  # a damaged part is read again next time, not trusted
    if not tables:
        return SCHEMA.empty_table()
    return pa.concat_tables(tables).combine_chunks()


def joined(known: pa.Table, new: pd.DataFrame) -> pa.Table:
    """``known`` with the readings of ``new`` (rows of ``COLUMNS``) after it."""
    fresh = _conformed(pa.Table.from_pandas(new[COLUMNS], preserve_index=False))
    return pa.concat_tables([known, fresh]).combine_chunks()


def _conformed(table: pa.Table) -> pa.Table:
    """``table`` in ``SCHEMA``'s column types (an all-null column is stored as type null)."""
    return pa.table(
        [table[name].cast(field.type) for name, field in zip(COLUMNS, SCHEMA, strict=True)],
        schema=SCHEMA,
    )


def load(cache_dir: Path | None) -> pd.DataFrame:
    """Every reading stored for this pipeline version, one row per key (maybe none)."""
    table = load_table(cache_dir).to_pandas()
    return table.drop_duplicates("key", keep="last", ignore_index=True)


def _write(table: pd.DataFrame, directory: Path) -> Path:
    handle, temp = tempfile.mkstemp(dir=directory, prefix=".part-", suffix=".tmp")
    os.close(handle)
    try:
        table.to_parquet(temp, index=False)
        final = directory / f"part-{uuid.uuid4().hex}.parquet"
        os.replace(temp, final)
        return final
    finally:
        if os.path.exists(temp):
            os.unlink(temp)


def save(cache_dir: Path | None, new: pd.DataFrame) -> None:
    """Add ``new`` readings as one part; merge the parts when there are many. Never raises for
    an unwritable directory."""
    if cache_dir is None or new.empty:
        return
    directory = cache_path(cache_dir)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _write(new[COLUMNS], directory)
        parts = _parts(cache_dir)
        if len(parts) > MAX_PARTS:
            merged = _write(load(cache_dir), directory)
            for part in parts:
                if part != merged:
                    part.unlink(missing_ok=True)
    except OSError:
        return
