"""Every table in one SQLite file, typed for datasette, sqlite-utils and ``pandas.read_sql``.

Types: integers and booleans are ``INTEGER`` (0/1), floats ``REAL``, text ``TEXT``, times ``TEXT``
as ``YYYY-MM-DDTHH:MM:SSZ`` (UTC; sortable, and what datasette and sqlite-utils show as dates);
missing values are ``NULL``. Each table with a ``bug_id`` is indexed on it. The ``_export``
table says where the data came from and as of when.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# rows converted to Python values at a time: bounds the memory an export needs beyond the tables
CHUNK_ROWS = 50_000


def sql_type(series: pd.Series) -> str:
    """The declared SQLite type of one column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    return "TEXT"


def _values(series: pd.Series) -> list:
    """Python values sqlite3 stores as the declared type (``None`` for every kind of missing).

    Whole columns convert in C (``tolist``); only columns with gaps go value by value."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        series = series.dt.strftime(TIME_FORMAT)
        kind = "TEXT"
    else:
        kind = sql_type(series)
    missing = series.isna().to_numpy()
    if not missing.any():
        if kind == "INTEGER":
            return series.to_numpy(dtype="int64").tolist()
        if kind == "REAL":
            return series.to_numpy(dtype="float64").tolist()
        return [str(v) for v in series.tolist()]
    cast = {"INTEGER": int, "REAL": float}.get(kind, str)
    return [None if m else cast(v) for v, m in zip(series.tolist(), missing, strict=True)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_sqlite(
    frames: Mapping[str, pd.DataFrame], path: Path, about: Iterable[tuple[str, str]] = ()
) -> None:
    """Write ``frames`` as tables of a new SQLite file at ``path`` (which must not exist)."""
    connection = sqlite3.connect(path)
    # A new file that is renamed into place only once whole needs no journal: a crash leaves
    # a temp file behind, never a half-written export where a reader looks.
    connection.execute("PRAGMA journal_mode = OFF")
    connection.execute("PRAGMA synchronous = OFF")
    try:
        with connection:
            for name, frame in frames.items():
                _write_table(connection, name, frame)
            connection.execute("CREATE TABLE _export (key TEXT PRIMARY KEY, value TEXT)")
            connection.executemany("INSERT INTO _export VALUES (?, ?)", list(about))
    finally:
        connection.close()


def _write_table(connection: sqlite3.Connection, name: str, frame: pd.DataFrame) -> None:
    columns = ", ".join(f"{_quote(c)} {sql_type(frame[c])}" for c in frame.columns)
    connection.execute(f"CREATE TABLE {_quote(name)} ({columns})")
    marks = ", ".join("?" * len(frame.columns))
    insert = f"INSERT INTO {_quote(name)} VALUES ({marks})"
    for start in range(0, len(frame) if len(frame.columns) else 0, CHUNK_ROWS):
        chunk = frame.iloc[start : start + CHUNK_ROWS]
        values = [_values(chunk[c]) for c in chunk.columns]
        connection.executemany(insert, zip(*values, strict=True))
    if "bug_id" in frame.columns:
        keys = ["bug_id"] + [c for c in ("count", "seq") if c in frame.columns][:1]
        index = _quote(f"{name}_by_{'_'.join(keys)}")
        connection.execute(
            f"CREATE INDEX {index} ON {_quote(name)} ({', '.join(map(_quote, keys))})"
        )
