"""The parse stage: raw bugs from the store -> the tidy thread tables (docs/tables.md).

Example::

    >>> from analyzer.parse import build_tables
    >>> from analyzer.parse.reference import load_reference
    >>> tables = build_tables(raws, load_reference(None), observed_at=pd.Timestamp.now(tz="UTC"))
    >>> tables.comments.groupby("role").size()
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from analyzer.parse.build import TableBuilder
from analyzer.parse.columns import Columns
from analyzer.parse.reference import Reference, load_reference
from analyzer.parse.state import bug_state_at
from analyzer.store import RawBug
from analyzer.tables import ThreadTables
from analyzer.utc import utc

__all__ = ["ThreadTables", "bug_state_at", "build_tables", "load_reference"]


def build_tables(
    raws: Iterable[RawBug], reference: Reference, observed_at: pd.Timestamp
) -> ThreadTables:
    """Every thread table of the given bugs; ``observed_at`` dates values of unknown history.

    ``raws`` is read once, so a stream from the store works and keeps memory to the tables.
    """
    builder = TableBuilder(reference, utc(observed_at))
    for raw in raws:
        builder.add(raw)
    comments = builder.comments.frame()
    needinfos = _with_answers(builder.needinfos.frame(), comments)
    return ThreadTables(
        bugs=builder.bugs.frame(),
        comments=comments,
        changes=builder.changes.frame(),
        needinfos=needinfos,
        whiteboard=builder.whiteboard.frame(),
        participants=builder.participants.frame(),
        data_quality=_findings(builder),
    )


def _with_answers(needinfos: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    """Fill ``answered_*``: the first CA update at or after each request, in the same bug."""
    if needinfos.empty:
        return needinfos
    updates = comments.loc[comments["is_ca_update"], ["bug_id", "time", "count", "url"]]
    updates = updates.rename(
        columns={"time": "answered_at", "count": "answered_count", "url": "answered_url"}
    ).sort_values("answered_at", kind="stable")
    requests = needinfos.drop(columns=["answered_at", "answered_count", "answered_url"])
    order = requests["set_at"].notna()
    known = requests.loc[order].reset_index().sort_values("set_at", kind="stable")
    matched = pd.merge_asof(
        known,
        updates,
        left_on="set_at",
        right_on="answered_at",
        by="bug_id",
        direction="forward",
        allow_exact_matches=True,
    ).set_index("index")
    for column in ("answered_at", "answered_count", "answered_url"):
        requests[column] = matched[column].reindex(requests.index)
    requests["answered_count"] = requests["answered_count"].astype("Int64")
    return requests[list(needinfos.columns)]


def _findings(builder: TableBuilder) -> pd.DataFrame:
    """The ``data_quality`` table: what the door (parse/door.py) could not read."""
    table = Columns("data_quality")
    table.data.update(builder.findings.data)
    return table.frame()
