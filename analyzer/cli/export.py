"""The `analyzer export` command: every tidy table as Parquet or CSV files, for other tools."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import data_dir_option, format_option, get_env, load_corpus
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
@format_option("parquet", "csv")
def export(data_dir: Path, out: Path, fmt: str) -> None:
    """Write every tidy table (columns: docs/tables.md) as one file each into OUT.

    Times are UTC (in CSV: YYYY-MM-DDTHH:MM:SSZ); deadlines and bug_metrics are as of the
    store's last sync. Files appear whole or not at all: they are written into a temporary
    directory beside OUT and then renamed into place.

    \b
    Example:
        analyzer export --out exports/
        analyzer export --data-dir data/ --out exports/ --format csv
    """
    from analyzer.corpus import Corpus

    env = get_env()
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out} is a file, not a directory.")
    corpus = load_corpus(data_dir)
    frames = {name: corpus.table(name) for name in Corpus.TABLES}
    written = write_tables(frames, out, fmt)
    for name, path in written.items():
        print(f"{name}: {len(frames[name])} rows -> {path}", file=env.stdout)


def write_tables(frames: dict[str, pd.DataFrame], out: Path, fmt: str) -> dict[str, Path]:
    """Write each frame as ``out/<name>.<fmt>`` atomically; return the paths written."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    except OSError as exc:
        raise InputError(f"Cannot write into {out}: {exc.strerror or exc}.") from exc
    written: dict[str, Path] = {}
    try:
        for name, frame in frames.items():
            path = staging / f"{name}.{fmt}"
            if fmt == "csv":
                frame.to_csv(path, index=False, date_format=CSV_TIME)
            else:
                frame.to_parquet(path, index=False)
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
