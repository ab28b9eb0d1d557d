"""The `analyzer export` command: every tidy table as Parquet, CSV or one SQLite file."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import (
    as_of_option,
    data_dir_option,
    format_option,
    get_env,
    load_corpus,
)
from analyzer.env import InputError

if TYPE_CHECKING:
    import pandas as pd

CSV_TIME = "%Y-%m-%dT%H:%M:%SZ"


@click.command("export")
@data_dir_option
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path),
    help="Directory to write the tables into (created if needed).",
)
@format_option("parquet", "csv", "sqlite")
@as_of_option
def export(data_dir: Path, out: Path, fmt: str, as_of: pd.Timestamp | None) -> None:
    """Write every tidy table (columns: docs/tables.md) into OUT: one file per table, or with
    --format sqlite one file, OUT/corpus.sqlite, holding them all, and beside it datasette's
    metadata.json with every table's and column's description
    (datasette OUT/corpus.sqlite -m OUT/metadata.json).

    Times are UTC (in CSV and SQLite: YYYY-MM-DDTHH:MM:SSZ). With --as-of the tables are as
    known at that moment: later bugs, comments, changes, needinfos and whiteboard values are
    left out, and the metrics are judged then; without it, as of the store's last sync. Files
    appear whole or not at all: they are written into a temporary directory beside OUT and
    then renamed into place.

    \b
    Example:
        analyzer export --out exports/
        analyzer export --data-dir data/ --out exports/ --format csv
        analyzer export --out exports/ --format sqlite --as-of 2024-12-31T23:59:59Z
    """
    from analyzer.corpus import Corpus

    env = get_env()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a directory.")
    corpus = load_corpus(data_dir, as_of)
    if as_of is None:
        frames = {name: corpus.table(name) for name in Corpus.TABLES}
        stamp = corpus.observed_at
    else:
        frames = corpus.tables_at(as_of)
        stamp = as_of
    about = [
        ("as_of", stamp.strftime(CSV_TIME)),
        ("observed_at", corpus.observed_at.strftime(CSV_TIME)),
        ("source", corpus.meta.get("source", "store")),
        ("tables", " ".join(frames)),
    ]
    written = write_tables(frames, out, fmt, about=about)
    for name, path in written.items():
        print(f"{name}: {len(frames[name])} rows -> {path}", file=env.stdout)


SQLITE_NAME = "corpus.sqlite"
METADATA_NAME = "metadata.json"  # datasette's: `datasette corpus.sqlite -m metadata.json`


def write_metadata(frames: dict[str, pd.DataFrame], path: Path) -> None:
    """datasette's metadata for the SQLite export: each table's and column's description from
    docs/tables.md (:mod:`analyzer.table_docs`), the ``_export`` table's too."""
    import json

    from analyzer.table_docs import datasette_metadata

    columns = {name: [str(c) for c in frame.columns] for name, frame in frames.items()}
    columns["_export"] = ["key", "value"]
    metadata = datasette_metadata(Path(SQLITE_NAME).stem, columns)
    path.write_text(json.dumps(metadata, indent=1, ensure_ascii=False) + "\n", "utf-8")


def write_tables(
    frames: dict[str, pd.DataFrame], out: Path, fmt: str, about: Sequence[tuple[str, str]] = ()
) -> dict[str, Path]:
    """Write each frame as ``out/<name>.<fmt>`` (or all into ``out/corpus.sqlite``)
    atomically; return the path each table was written to."""
    from analyzer.atomic import check_target
    from analyzer.report.safety import csv_safe

    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    except OSError as exc:
        raise InputError(f"Cannot write into {out}: {exc.strerror or exc}.") from exc
    written: dict[str, Path] = {}
    try:
        if fmt == "sqlite":
            from analyzer.sqlite_tables import write_sqlite

            write_sqlite(frames, staging / SQLITE_NAME, about)
            write_metadata(frames, staging / METADATA_NAME)
            check_target(out / SQLITE_NAME)
            check_target(out / METADATA_NAME)
            os.replace(staging / SQLITE_NAME, out / SQLITE_NAME)
            os.replace(staging / METADATA_NAME, out / METADATA_NAME)
            return dict.fromkeys(frames, out / SQLITE_NAME)
        for name, frame in frames.items():
            path = staging / f"{name}.{fmt}"
            if fmt == "csv":  # text cells a spreadsheet would run as formulas get a '
                csv_safe(frame).to_csv(path, index=False, date_format=CSV_TIME)
            else:
                frame.to_parquet(path, index=False)
        for name in frames:
            check_target(out / f"{name}.{fmt}")
        for name in frames:
            target = out / f"{name}.{fmt}"
            os.replace(staging / f"{name}.{fmt}", target)
            written[name] = target
    except OSError as exc:
        raise InputError(f"Cannot write into {out}: {exc.strerror or exc}.") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


COMMANDS = [export]
