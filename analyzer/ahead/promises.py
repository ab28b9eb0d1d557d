"""Promises: did the CA do what it said it would, by the day it named?

Every dated commitment in a CA comment (the language stage's ``commitments`` table) is judged
at ``as_of``: ``kept`` when what keeps it came by the end of the promised UTC day, ``broken``
when that day is over without it, ``pending`` otherwise; ``unknown`` when it was not kept as
far as we can read but a CA comment in between has no text in the store (the snapshot).
What keeps a promise:

- ``update``: any later CA update;
- ``report``: a later full report by the CA (a closure report when the promise speaks of closure);
- ``action_item``: an Action Items table (in this or a later CA comment) that marks the same item
  done or complete.
"""

from __future__ import annotations

import difflib
import re

import pandas as pd

from analyzer.ahead.action_items import completed_items, is_done, item_key

COLUMNS = [
    "bug_id",
    "count",
    "ca",
    "url",
    "text",
    "kind",
    "made_at",
    "promised",
    "keeps",
    "status",
    "fulfilled_at",
    "evidence_url",
]
STATUSES = ("kept", "broken", "pending", "unknown")
_CLOSURE = re.compile(r"\bclos(e|ed|ing|ure)\b", re.I)
_KEEPS = {
    "update": "any CA update",
    "report": "a full report",
    "closure": "a closure report",
    "action_item": "the item marked complete",
}


def _same_item(key: str, other: str) -> bool:
    if not key or not other:
        return False
    if key == other or key.startswith(other) or other.startswith(key):
        return True
    return difflib.SequenceMatcher(None, key, other).ratio() >= 0.85


class _Thread:
    """One bug's CA updates in order, with report kinds and completed action items."""

    def __init__(self, updates: pd.DataFrame) -> None:
        self.rows = list(
            updates[["count", "time", "url", "report_kind", "text"]].itertuples(index=False)
        )
        self._done: dict[int, set[str]] = {}

    def done_items(self, count: int, text: object) -> set[str]:
        if count not in self._done:
            self._done[count] = completed_items(text) if isinstance(text, str) else set()
        return self._done[count]

    def unread_before(self, count: int, end: pd.Timestamp) -> bool:
        """A CA update after comment ``count`` and before ``end`` whose text the store lacks
        (the bundled snapshot keeps comment 0 only): what it said cannot be judged."""
        return any(
            row.count > count and row.time < end and not isinstance(row.text, str)
            for row in self.rows
        )

    def first_fulfilment(self, kind: str, count: int, key: str, extra_done: list) -> tuple | None:
        """(time, url) of the first CA comment that keeps a promise made in comment ``count``."""
        candidates = []
        for row in self.rows:
            if row.count < count or (row.count == count and kind != "action_item"):
                continue
            if kind == "update":
                return row.time, row.url
            if kind in ("report", "closure") and row.report_kind == (
                "closure" if kind == "closure" else "full"
            ):
                return row.time, row.url
            if kind == "action_item" and any(
                _same_item(key, done) for done in self.done_items(row.count, row.text)
            ):
                candidates.append((row.time, row.url))
                break
        candidates += [(t, u) for t, u, c in extra_done if c >= count]
        return min(candidates, key=lambda pair: pair[0]) if candidates else None


def promises_from_tables(
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """One row per distinct promise made by ``as_of`` (columns: ``COLUMNS``)."""
    made = commitments.merge(
        comments[["bug_id", "count", "time"]].rename(columns={"time": "made_at"}),
        on=["bug_id", "count"],
    )
    made = made[(made["made_at"] <= as_of) & made["promised"].notna()].copy()
    made["promised"] = made["promised"].dt.normalize()
    # a date before the comment's own day reports the past; it promises nothing
    made = made[made["promised"] >= made["made_at"].dt.normalize()]
    if made.empty:
        return pd.DataFrame(columns=COLUMNS)
    made["key"] = [
        item_key(text) if kind == "action_item" else ""
        for text, kind in zip(made["text"].fillna(""), made["kind"], strict=True)
    ]
    made = made.sort_values(["bug_id", "count"]).drop_duplicates(
        ["bug_id", "kind", "promised", "key"], keep="first"
    )
    updates = comments[
        comments["is_ca_update"].fillna(False).astype(bool)
        & (comments["time"] <= as_of)
        & comments["bug_id"].isin(made["bug_id"])
    ][["bug_id", "count", "time", "url", "text"]]
    updates = updates.merge(
        comment_language[["bug_id", "count", "report_kind"]], on=["bug_id", "count"], how="left"
    ).sort_values(["bug_id", "count"])
    threads = {bug_id: _Thread(group) for bug_id, group in updates.groupby("bug_id", sort=False)}
    done_rows = _done_commitments(commitments, comments, as_of)
    ca_of = dict(zip(bugs["bug_id"], bugs["ca"], strict=True))
    empty = _Thread(updates.iloc[0:0])

    rows = []
    for bug_id, count, text, kind, url, made_at, promised, key in made[
        ["bug_id", "count", "text", "kind", "url", "made_at", "promised", "key"]
    ].itertuples(index=False):
        need = "closure" if kind == "report" and _CLOSURE.search(text or "") else kind
        extra = (
            [(t, u, c) for k, t, u, c in done_rows.get(bug_id, []) if _same_item(key, k)]
            if kind == "action_item"
            else []
        )
        thread = threads.get(bug_id, empty)
        hit = thread.first_fulfilment(need, count, key, extra)
        end = promised + pd.Timedelta(days=1)
        if hit is not None and hit[0] < end:
            status, evidence = "kept", hit[1]
        elif need != "update" and thread.unread_before(count, min(end, as_of)):
            status, evidence = "unknown", None
        elif as_of >= end:
            status, evidence = "broken", hit[1] if hit is not None else None
        else:
            status, evidence = "pending", None
        rows.append(
            {
                "bug_id": int(bug_id),
                "count": int(count),
                "ca": ca_of.get(bug_id, ""),
                "url": url,
                "text": text,
                "kind": kind,
                "made_at": made_at,
                "promised": promised,
                "keeps": _KEEPS.get(need, need),
                "status": status,
                "fulfilled_at": hit[0] if hit is not None else pd.NaT,
                "evidence_url": evidence,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS).sort_values(
        ["bug_id", "count", "promised"], ignore_index=True
    )


def _done_commitments(commitments: pd.DataFrame, comments: pd.DataFrame, as_of) -> dict:
    """Action-item rows the language stage already marks done (when it has a ``status``)."""
    if "status" not in commitments.columns:
        return {}
    done = commitments[(commitments["kind"] == "action_item") & commitments["status"].map(is_done)]
    done = done.merge(comments[["bug_id", "count", "time"]], on=["bug_id", "count"])
    done = done[done["time"] <= as_of]
    found: dict[int, list] = {}
    for bug_id, count, text, url, time in done[
        ["bug_id", "count", "text", "url", "time"]
    ].itertuples(index=False):
        found.setdefault(bug_id, []).append((item_key(text), time, url, count))
    return found


def promise_summary(promises: pd.DataFrame) -> pd.DataFrame:
    """Kept, broken and pending promises per CA (CAs with at least one promise)."""
    counts = pd.crosstab(promises["ca"], promises["status"]) if len(promises) else None
    if counts is None:
        return pd.DataFrame(columns=["ca", *STATUSES])
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    return counts.reset_index().rename_axis(columns=None)


def promises_table(corpus, as_of=None) -> pd.DataFrame:
    """Every dated promise in the corpus judged at ``as_of`` (default: the last sync).

    Example::

        >>> from analyzer.ahead import promises_table
        >>> promises_table(analyzer.load(), "2026-03-14").groupby(["ca", "status"]).size()
    """
    stamp = corpus.observed_at if as_of is None else _utc(as_of)
    return promises_from_tables(
        corpus.commitments, corpus.comments, corpus.comment_language, corpus.bugs, stamp
    )


def _utc(value) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
