"""The per-comment language cache: one parquet file per pipeline version under ``cache_dir``.

Keys hash the pipeline version, the comment's UTC day (relative dates depend on it) and its text,
so a changed comment or a changed rule set is read again and everything else is not. The cache is
an optimisation only: an unwritable or unreadable cache directory means no cache, never an error.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from analyzer.language.commitments import Commitment
from analyzer.language.pipeline import PIPELINE_VERSION

if TYPE_CHECKING:
    from analyzer.language.stage import CommentReading

_COLUMNS = [
    "key",
    "questions",
    "report_kind",
    "sections_present",
    "sections_missing",
    "report_template",
    "commitments",
]


def cache_file(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"{PIPELINE_VERSION}.parquet"


def load(cache_dir: Path | None) -> dict[str, CommentReading]:
    """Readings stored for this pipeline version (empty when there is no usable cache)."""
    from analyzer.language.stage import CommentReading

    if cache_dir is None or not cache_file(cache_dir).is_file():
        return {}
    try:
        table = pd.read_parquet(cache_file(cache_dir), columns=_COLUMNS)
    except (OSError, ValueError, KeyError):
        return {}
    readings = {}
    for key, asked, kind, present, missing, template, promised in table.itertuples(index=False):
        readings[key] = CommentReading(
            tuple(json.loads(asked)),
            kind,
            tuple(present.split(";")) if present else (),
            tuple(missing.split(";")) if missing else (),
            template,
            tuple(
                Commitment(text, date.fromisoformat(day), kind_, status)
                for text, day, kind_, status in json.loads(promised)
            ),
        )
    return readings


def _rows(readings: dict[str, CommentReading]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            (
                key,
                json.dumps(list(r.questions)),
                r.report_kind,
                ";".join(r.sections_present),
                ";".join(r.sections_missing),
                r.report_template,
                json.dumps(
                    [[c.text, c.promised.isoformat(), c.kind, c.status] for c in r.commitments]
                ),
            )
            for key, r in readings.items()
        ],
        columns=_COLUMNS,
    )


def save(cache_dir: Path | None, new: dict[str, CommentReading]) -> None:
    """Add ``new`` readings to the cache file atomically; skip quietly when it cannot be written."""
    if cache_dir is None or not new:
        return
    path = cache_file(cache_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        table = _rows(new)
        if path.is_file():
            try:
                old = pd.read_parquet(path, columns=_COLUMNS)
                table = pd.concat([old[~old["key"].isin(table["key"])], table], ignore_index=True)
            except (OSError, ValueError, KeyError):
                pass
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".language-", suffix=".tmp")
        os.close(handle)
        try:
            table.to_parquet(temp, index=False)
            os.replace(temp, path)
        finally:
            if os.path.exists(temp):
                os.unlink(temp)
    except OSError:
        return
