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


def sql_type(series: pd.Series) -> str:
    """The declared SQLite type of one column."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return "INTEGER"
    if pd.api.types.is_float_dtype(dtype):
        return "REAL"
    return "TEXT"


def _values(series: pd.Series) -> list:
    """Python values sqlite3 stores as the declared type (``None`` for every kind of missing)."""
    if isinstance(series.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(series):
        text = series.dt.strftime(TIME_FORMAT)
        return [None if pd.isna(v) else v for v in text]
    kind = sql_type(series)
    missing = series.isna().to_numpy()
    if kind == "INTEGER":
        return [
            None if m else int(v) for v, m in zip(series.to_numpy(object), missing, strict=True)
        ]
    if kind == "REAL":
        return [
            None if m else float(v) for v, m in zip(series.to_numpy(object), missing, strict=True)
        ]
    return [None if m else str(v) for v, m in zip(series.to_numpy(object), missing, strict=True)]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_sqlite(
    frames: Mapping[str, pd.DataFrame], path: Path, about: Iterable[tuple[str, str]] = ()
) -> None:
    """Write ``frames`` as tables of a new SQLite file at ``path`` (which must not exist)."""
    connection = sqlite3.connect(path)
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
    if len(frame.columns) and len(frame):
        values = [_values(frame[c]) for c in frame.columns]
        marks = ", ".join("?" * len(frame.columns))
        connection.executemany(
            f"INSERT INTO {_quote(name)} VALUES ({marks})", zip(*values, strict=True)
        )
    if "bug_id" in frame.columns:
        keys = ["bug_id"] + [c for c in ("count", "seq") if c in frame.columns][:1]
        index = _quote(f"{name}_by_{'_'.join(keys)}")
        connection.execute(
            f"CREATE INDEX {index} ON {_quote(name)} ({', '.join(map(_quote, keys))})"
        )
