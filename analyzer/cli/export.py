"""The `analyzer export` command: every tidy table as Parquet, CSV or one SQLite file."""

from __future__ import annotations

import fcntl
import os
import shutil
import sqlite3
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
from analyzer.env import AnalyzerError, InputError, no_room, out_of_room

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
    appear whole or not at all: they are written into a staging folder inside OUT (OUT may
    be a mount point) and then renamed into place, one by one.

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


# Files are written into a folder of this name inside OUT, then renamed into OUT one by one:
# inside OUT, so that every rename stays on OUT's file system (OUT may be a mount point, such
# as a Docker volume, where a folder beside it is on another device and a rename fails).
STAGING_PREFIX = ".export-staging-"


def write_tables(
    frames: dict[str, pd.DataFrame], out: Path, fmt: str, about: Sequence[tuple[str, str]] = ()
) -> dict[str, Path]:
    """Write each frame as ``out/<name>.<fmt>`` (or all into ``out/corpus.sqlite``)
    atomically; return the path each table was written to."""
    from analyzer.atomic import check_target

    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(out)
        staging, lock = _staging(out)
    except OSError as exc:
        raise _cannot_write(out, exc) from None
    written: dict[str, Path] = {}
    try:
        names = (
            [SQLITE_NAME, METADATA_NAME]
            if fmt == "sqlite"
            else [f"{name}.{fmt}" for name in frames]
        )
        _write_files(frames, staging, fmt, about)
        for name in names:
            check_target(out / name)
        for name in names:
            os.replace(staging / name, out / name)
    except (OSError, sqlite3.Error) as exc:
        raise _cannot_write(out, exc) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        os.close(lock)
    if fmt == "sqlite":
        return dict.fromkeys(frames, out / SQLITE_NAME)
    for name in frames:
        written[name] = out / f"{name}.{fmt}"
    return written


def _write_files(
    frames: dict[str, pd.DataFrame], staging: Path, fmt: str, about: Sequence[tuple[str, str]]
) -> None:
    from analyzer.report.safety import csv_safe

    if fmt == "sqlite":
        from analyzer.sqlite_tables import write_sqlite

        write_sqlite(frames, staging / SQLITE_NAME, about)
        write_metadata(frames, staging / METADATA_NAME)
        return
    for name, frame in frames.items():
        path = staging / f"{name}.{fmt}"
        if fmt == "csv":  # text cells a spreadsheet would run as formulas get a '
            csv_safe(frame).to_csv(path, index=False, date_format=CSV_TIME)
        else:
            frame.to_parquet(path, index=False)


def _cannot_write(out: Path, exc: BaseException) -> AnalyzerError:
    """A full disk fails the job (exit 1); anything else is the folder given (exit 2)."""
    if out_of_room(exc):
        return no_room(f"the tables into {out}")
    reason = getattr(exc, "strerror", None) or str(exc).rstrip(".")
    return InputError(f"Cannot write into {out}: {reason}.")


def _staging(out: Path) -> tuple[Path, int]:
    """A new staging folder in ``out``, named for this process and locked (``flock``) while
    it is in use: the kernel drops the lock when the process ends, however it ends."""
    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=out))
    lock = os.open(staging, os.O_RDONLY)
    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return staging, lock


def remove_stale_staging(out: Path) -> list[Path]:
    """Remove the staging folders in ``out`` that no export is using: left by one killed
    (SIGKILL, SIGTERM, a power cut) before it could clean up. In use: locked, or named for a
    live process (one that has made its folder but not locked it yet). Returns those removed."""
    removed = []
    for entry in out.glob(f"{STAGING_PREFIX}*"):
        if entry.is_symlink() or not entry.is_dir() or _in_use(entry):
            continue
        shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry)
    return removed


def _in_use(staging: Path) -> bool:
    pid = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
    if pid.isdigit() and _alive(int(pid)):
        return True
    try:
        handle = os.open(staging, os.O_RDONLY)
    except OSError:
        return True  # cannot tell: leave it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(handle)  # closing drops a lock taken here
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


COMMANDS = [export]
