"""Hand-written raw bugs shaped like BMO's REST answers, for the parse stage's tests."""

from __future__ import annotations

import pandas as pd

from analyzer.parse import build_tables
from analyzer.parse.reference import load_reference
from analyzer.store import RawBug
from analyzer.tables import ThreadTables

OBSERVED = pd.Timestamp("2026-03-14T06:00:00Z")


def comment(count: int, author: str, time: str, private: bool = False, text: str = "") -> dict:
    return {
        "id": 1000 + count,
        "count": count,
        "author": author,
        "creator": author,
        "creation_time": time,
        "time": time,
        "is_private": private,
        "raw_text": text,
        "text": text,
    }


def change(when: str, who: str, *fields: tuple[str, str, str]) -> dict:
    """One history entry: ``(field_name, removed, added)`` per field changed."""
    return {
        "when": when,
        "who": who,
        "changes": [{"field_name": f, "removed": r, "added": a} for f, r, a in fields],
    }


def raw_bug(
    bug_id: int = 1,
    summary: str = "NetLock: something went wrong",
    created: str = "2025-01-01T00:00:00Z",
    creator: str = "reporter@example.org",
    comments: list[dict] | None = None,
    history: list[dict] | None = None,
    flags: list[dict] | None = None,
    whiteboard: str = "[ca-compliance]",
    status: str = "NEW",
    assigned_to: str | None = None,
) -> RawBug:
    bug = {
        "id": bug_id,
        "summary": summary,
        "creation_time": created,
        "creator": creator,
        "whiteboard": whiteboard,
        "status": status,
        "resolution": "" if status in ("NEW", "ASSIGNED", "REOPENED") else "FIXED",
        "product": "CA Program",
        "component": "CA Certificate Compliance",
        "last_change_time": created,
    }
    if assigned_to is not None:
        bug["assigned_to"] = assigned_to
    if flags is not None:
        bug["flags"] = flags
    if comments is None:
        comments = [comment(0, creator, created)]
    return RawBug(bug, comments, history)


def needinfo_flag(requestee: str | None, setter: str, created: str) -> dict:
    flag = {"name": "needinfo", "status": "?", "setter": setter, "creation_date": created}
    if requestee is not None:
        flag["requestee"] = requestee
    return flag


def tables(*raws: RawBug, reference_dir=None) -> ThreadTables:
    return build_tables(list(raws), load_reference(reference_dir), observed_at=OBSERVED)


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text).tz_convert("UTC")
