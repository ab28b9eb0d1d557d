"""Tables of a changed store from an earlier command's tables: only the changed bugs parsed.

Why: a sync changes a few bugs, but parsing every bug again takes 35 s at 50x the real
corpus. Both stages are bug by bug: a bug's rows in every thread table depend only on its own
stored row (and the reference tables and code, which a cache *family* pins), and its rows in
the language tables only on its own comments. So the earlier tables, less the rows of the bugs
that changed, plus those bugs parsed again, in bug order, are the tables a fresh parse gives
(tests/test_tables_cache.py holds them equal).

One input is not the bug's own: ``observed_at`` dates what the store cannot (a whiteboard with
no history, a bug with no creation or change time), so when it moved, those bugs are parsed
again too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from typing import TypeVar

import numpy as np
import pandas as pd

from analyzer.parse.cache import Basis

T = TypeVar("T")


def stale_bugs(
    basis: Basis,
    signatures: dict[int, str],
    observed_at: str | None = None,
    bugs: pd.DataFrame | None = None,
) -> tuple[list[int], set[int]]:
    """(bugs to parse again, bugs whose earlier rows go) between ``basis`` and a store now of
    ``signatures``. With ``observed_at`` (the tables' cut now) and the earlier ``bugs`` table,
    the bugs dated by ``observed_at`` are parsed again when it moved."""
    changed = {bug for bug, signed in signatures.items() if basis.signatures.get(bug) != signed}
    if observed_at is not None and observed_at != basis.observed_at and bugs is not None:
        changed |= observed_dependent(bugs) & signatures.keys()
    gone = basis.signatures.keys() - signatures.keys()
    return sorted(changed), changed | gone


def observed_dependent(bugs: pd.DataFrame) -> set[int]:
    """Bugs whose rows the parse dates by ``observed_at``: no history (the whiteboard's
    timeline starts then), no creation time or no last change time (parse/build.py)."""
    dated = ~bugs["history_known"].astype(bool) | bugs["opened"].isna()
    dated |= bugs["last_change_time"].isna()
    return set(bugs.loc[dated, "bug_id"].astype("int64").tolist())


def merged(base: T, fresh: T, dropped: Collection[int]) -> T | None:
    """``base`` (a dataclass of tables, each in bug order) without the rows of ``dropped``,
    with ``fresh``'s rows (the bugs parsed again) in their places; None when the two do not
    fit together (a table one has and the other lacks, a column's dtype that would change)."""
    out: dict[str, pd.DataFrame | None] = {}
    gone = np.fromiter(dropped, dtype="int64", count=len(dropped))
    for item in dataclasses.fields(base):  # type: ignore[arg-type]
        old, new = getattr(base, item.name), getattr(fresh, item.name)
        if old is None or new is None:
            if old is not None or new is not None:
                return None
            out[item.name] = None
            continue
        if list(old.columns) != list(new.columns):
            return None
        table = _merged_table(old, new, gone)
        if not table.dtypes.equals(old.dtypes):
            return None
        out[item.name] = table
    return dataclasses.replace(base, **out)  # type: ignore[type-var]


def _merged_table(old: pd.DataFrame, new: pd.DataFrame, gone: np.ndarray) -> pd.DataFrame:
    """One copy of each column, in bug order: numbers taken with numpy, text joined by
    pyarrow from slices (views) of the kept runs of ``old`` and of ``new``. Pandas would
    slice and concatenate each of the thousands of runs itself (10 s at 50x, where this takes
    one), and leave text in chunks that pyarrow joins again on every later filter."""
    ids = old["bug_id"].to_numpy()
    kept = ~np.isin(ids, gone) if len(gone) else np.ones(len(ids), dtype=bool)
    if not len(new) and kept.all():
        return _one_piece(old)
    rows = np.concatenate([np.flatnonzero(kept), len(ids) + np.arange(len(new))])
    keys = np.concatenate([ids[kept], new["bug_id"].to_numpy()])
    rows = rows[np.argsort(keys, kind="stable")]
    if not len(rows):
        return _one_piece(old.iloc[0:0].reset_index(drop=True))
    # runs of consecutive rows of one source: one slice each
    breaks = np.flatnonzero((np.diff(rows) != 1) | (np.diff(rows >= len(ids)) != 0)) + 1
    starts = rows[np.r_[0, breaks]].tolist()
    stops = (rows[np.r_[breaks, len(rows)] - 1] + 1).tolist()
    columns = {}
    for name in old.columns:
        if _is_arrow_text(old[name]) and _is_arrow_text(new[name]):
            columns[name] = _joined_text(old[name], new[name], len(ids), starts, stops)
        else:
            both = pd.concat([old[name], new[name]], ignore_index=True)
            columns[name] = both.take(rows).reset_index(drop=True)
    return pd.DataFrame(columns)


def _is_arrow_text(column: pd.Series) -> bool:
    return isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow"


def _joined_text(
    old: pd.Series, new: pd.Series, split: int, starts: list[int], stops: list[int]
) -> pd.Series:
    import pyarrow as pa

    sources = [_chunked(c) for c in (old, new)]
    pieces = [
        chunk
        for start, stop in zip(starts, stops, strict=True)
        for chunk in (
            sources[0].slice(start, stop - start)
            if start < split
            else sources[1].slice(start - split, stop - start)
        ).chunks
    ]
    return pd.Series(pa.concat_arrays(pieces), dtype=old.dtype)


def _chunked(column: pd.Series):  # noqa: ANN202 - a pyarrow ChunkedArray
    import pyarrow as pa

    return pa.chunked_array(pa.array(column.array))


def _one_piece(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with each text column in one chunk (a base is read as its chunks)."""
    for name in table.columns:
        if _is_arrow_text(table[name]):
            chunked = _chunked(table[name])
            if chunked.num_chunks > 1:
                table[name] = pd.Series(
                    chunked.combine_chunks(), dtype=table[name].dtype, index=table.index
                )
    return table
