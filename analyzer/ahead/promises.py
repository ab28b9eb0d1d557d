"""Promises: did the CA do what it said it would, by the day it named?

Every dated commitment in a CA comment (the language stage's ``commitments`` table) is judged
at ``as_of``: ``kept`` when what keeps it came by the end of the promised day anywhere on Earth
(24:00 at UTC-12, i.e. 12:00 UTC the next day: a CA that posts its report late on the promised
day in its own time zone kept its word), ``broken`` when that moment is past without it,
``pending`` before it; ``unknown`` when it was not kept as far as we can read but a CA comment
in between has no text in the store (the snapshot). What keeps a promise:

- ``update``: any later CA update;
- ``report``: a later full or closure report by the CA (only a closure report when the promise
  speaks of closure; a preliminary one too when it promises a preliminary report);
- ``action_item``: an Action Items table (in this or a later CA comment) that marks the same item
  done or complete;
- ``revocation``: a later CA comment saying the certificates were revoked. Revocation happens
  outside the bug (CRLs, OCSP), so without such a comment the promise is ``unknown``, never
  ``broken``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping

import pandas as pd

from analyzer.ahead.action_items import completed_items, is_done, item_key
from analyzer.utc import utc

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
_PRELIMINARY = re.compile(r"\b(?:preliminary|initial)\b", re.I)
_REVOKED = re.compile(
    r"\b(?:have|has|had|were|was|are|is) (?:now |all |also |successfully )*(?:been )?revoked\b|"
    r"\brevocations? (?:is|are|was|were|has been|have been) (?:now )?"
    r"(?:complete|completed|finished|done)\b|"
    r"\b(?:completed|finished|concluded) (?:the |all )?(?:remaining )?revocations?\b|"
    r"\brevoked (?:all|the remaining|every)\b",
    re.I,
)
_KEEPS = {
    "update": "any CA update",
    "report": "a full report",
    "preliminary": "a preliminary or full report",
    "closure": "a closure report",
    "action_item": "the item marked complete",
    "revocation": "a CA comment saying they were revoked",
}
_WANTED = {
    "report": ("full", "closure"),
    "preliminary": ("preliminary", "full", "closure"),
    "closure": ("closure",),
}
# The promised day ends at 24:00 UTC-12: 36 hours after its 00:00 UTC.
DAY_END = pd.Timedelta(hours=36)


def _same_item(key: str, other: str) -> bool:
    if not key or not other:
        return False
    if key == other or key.startswith(other) or other.startswith(key):
        return True
    return difflib.SequenceMatcher(None, key, other).ratio() >= 0.85


class _Thread:
    """One bug's CA updates in order (count, time in ns, url, report kind, text)."""

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self._done: dict[int, set[str]] = {}

    def done_items(self, count: int, text: object) -> set[str]:
        if count not in self._done:
            self._done[count] = completed_items(text) if isinstance(text, str) else set()
        return self._done[count]

    def unread_before(self, count: int, end: int) -> bool:
        """A CA update after comment ``count`` and before ``end`` whose text the store lacks
        (the bundled snapshot keeps comment 0 only): what it said cannot be judged."""
        return any(c > count and t < end and not isinstance(x, str) for c, t, _, _, x in self.rows)

    def first_fulfilment(
        self, kind: str, count: int, key: str, extra_done: list, now: int
    ) -> tuple | None:
        """(time, url) of the first CA comment by ``now`` (ns) that keeps a promise made in
        comment ``count``."""
        wanted = _WANTED.get(kind, ())
        candidates = []
        for row_count, time, url, report_kind, text in self.rows:
            if row_count < count or (row_count == count and kind != "action_item") or time > now:
                continue
            if kind == "update":
                return time, url
            if kind == "action_item":
                if any(_same_item(key, done) for done in self.done_items(row_count, text)):
                    candidates.append((time, url))
                    break
            elif kind == "revocation":
                if isinstance(text, str) and _REVOKED.search(text):
                    return time, url
            elif report_kind in wanted:
                return time, url
        candidates += [(t, u) for t, u, c in extra_done if c >= count]
        return min(candidates) if candidates else None


def _ns(series: pd.Series) -> list[int]:
    """UTC times as integer nanoseconds: plain ints compare fast in the per-promise loop."""
    return (
        series.dt.tz_convert("UTC").dt.tz_localize(None).dt.as_unit("ns").astype("int64").tolist()
    )


def _objects(series: pd.Series) -> list:
    return series.astype(object).where(series.notna(), None).tolist()


def promises_from_tables(
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    as_of: pd.Timestamp,
    window: tuple[pd.Timestamp, pd.Timestamp] | None = None,
) -> pd.DataFrame:
    """One row per distinct promise made by ``as_of`` (columns: ``COLUMNS``); with
    ``window``, only those whose promised day is in [start, end) (a scorecard's month)."""
    made = _made(commitments, comments)
    made = made[made["made_at"] <= as_of]
    if window is not None:
        made = made[(made["promised"] >= window[0]) & (made["promised"] < window[1])]
    return _judged(made.assign(seen=as_of), commitments, comments, comment_language, bugs)


def promises_by_month(
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    seen: Mapping[str, pd.Timestamp],
) -> dict[str, pd.DataFrame]:
    """The promises of every month in ``seen`` (a month's label, e.g. ``2025-07``, to when its
    scorecards see it: its end) in one pass. A promise belongs to the month of its promised
    day and is judged when that month is seen, so each month's table is what
    ``promises_from_tables(..., seen[label], window=that month)`` gives: a site needs every
    month's, and judging them month by month read the whole corpus once per month."""
    made = _made(commitments, comments)
    labels = made["promised"].dt.strftime("%Y-%m")
    made = made.assign(seen=labels.map(dict(seen)))
    made = made[made["seen"].notna()]
    made = made[made["made_at"] <= made["seen"]]
    table = _judged(made, commitments, comments, comment_language, bugs)
    month_of = table["promised"].dt.strftime("%Y-%m") if len(table) else pd.Series(dtype=str)
    out = {}
    for label in seen:
        rows = table[month_of == label] if len(table) else table
        out[label] = rows.reset_index(drop=True) if len(rows) else pd.DataFrame(columns=COLUMNS)
    return out


def _made(commitments: pd.DataFrame, comments: pd.DataFrame) -> pd.DataFrame:
    """Dated promises with the time of the comment that made them (``made_at``), the promised
    day at 00:00 UTC; a date before the comment's own day reports the past and is dropped."""
    made = commitments.merge(
        comments[["bug_id", "count", "time"]].rename(columns={"time": "made_at"}),
        on=["bug_id", "count"],
    )
    made = made[made["promised"].notna()].copy()
    made["promised"] = made["promised"].dt.normalize()
    return made[made["promised"] >= made["made_at"].dt.normalize()]


def _judged(
    made: pd.DataFrame,
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
) -> pd.DataFrame:
    """Each promise of ``made`` judged at its own ``seen`` moment: only comments posted by
    then count (the table a scorecard of that moment shows)."""
    if made.empty:
        return pd.DataFrame(columns=COLUMNS)
    made = made.assign(key=_keys(made))
    made = made.sort_values(["bug_id", "count"]).drop_duplicates(
        ["bug_id", "kind", "promised", "key"], keep="first"
    )
    latest = made["seen"].max()
    updates = comments[
        comments["is_ca_update"].fillna(False).astype(bool)
        & (comments["time"] <= latest)
        & comments["bug_id"].isin(made["bug_id"])
    ][["bug_id", "count", "time", "url", "text"]]
    updates = updates.merge(
        comment_language[["bug_id", "count", "report_kind"]], on=["bug_id", "count"], how="left"
    ).sort_values(["bug_id", "count"])
    threads: dict[int, _Thread] = {}
    for bug_id, *row in zip(
        updates["bug_id"].tolist(),
        updates["count"].tolist(),
        _ns(updates["time"]),
        _objects(updates["url"]),
        _objects(updates["report_kind"]),
        _objects(updates["text"]),
        strict=True,
    ):
        threads.setdefault(bug_id, _Thread()).rows.append(tuple(row))
    done_rows = _done_commitments(commitments, comments, latest)
    empty = _Thread()
    day_end = DAY_END.value

    needs, statuses, fulfilled, evidences = [], [], [], []
    for bug_id, count, text, kind, key, promised, now in zip(
        made["bug_id"].tolist(),
        made["count"].tolist(),
        _objects(made["text"]),
        _objects(made["kind"]),
        made["key"].tolist(),
        _ns(made["promised"]),
        _ns(made["seen"]),
        strict=True,
    ):
        need = _need(kind, text or "")
        extra = (
            [
                (t, u, c)
                for k, t, u, c in done_rows.get(bug_id, [])
                if t <= now and _same_item(key, k)
            ]
            if kind == "action_item"
            else []
        )
        thread = threads.get(bug_id, empty)
        hit = thread.first_fulfilment(need, count, key, extra, now)
        end = promised + day_end
        if need == "revocation":  # seen done, or not known: never judged broken
            if hit is not None:
                status, evidence = "kept", hit[1]
            else:
                status, evidence = ("pending", None) if now < end else ("unknown", None)
        elif hit is not None and hit[0] < end:
            status, evidence = "kept", hit[1]
        elif need != "update" and thread.unread_before(count, min(end, now)):
            status, evidence = "unknown", None
        elif now >= end:
            status, evidence = "broken", hit[1] if hit is not None else None
        else:
            status, evidence = "pending", None
        needs.append(_KEEPS.get(need, need))
        statuses.append(status)
        fulfilled.append(hit[0] if hit is not None else None)
        evidences.append(evidence)

    ca_of = dict(zip(bugs["bug_id"].tolist(), _objects(bugs["ca"]), strict=True))
    table = pd.DataFrame(
        {
            "bug_id": made["bug_id"].astype(int).to_numpy(),
            "count": made["count"].astype(int).to_numpy(),
            "ca": [ca_of.get(b, "") for b in made["bug_id"].tolist()],
            "url": made["url"].to_numpy(),
            "text": made["text"].to_numpy(),
            "kind": made["kind"].to_numpy(),
            "made_at": made["made_at"].to_numpy(),
            "promised": made["promised"].to_numpy(),
            "keeps": needs,
            "status": statuses,
            "fulfilled_at": pd.to_datetime(fulfilled, utc=True),
            "evidence_url": pd.Series(evidences, dtype=object).to_numpy(),
        }
    )
    table = table.sort_values(["bug_id", "count", "promised"], ignore_index=True)
    evidence = table["evidence_url"].astype(object)
    table["evidence_url"] = evidence.where(evidence.notna(), None)  # None, not NaN: no link
    return table


def _need(kind: str, text: str) -> str:
    """What a promise of ``kind`` needs, refined by its words (a closure or preliminary report)."""
    if kind != "report":
        return kind
    if _CLOSURE.search(text):
        return "closure"
    if _PRELIMINARY.search(text):
        return "preliminary"
    return "report"


def commitment_outcomes(
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.Series:
    """The outcome of each row of ``commitments`` at ``as_of`` (kept, broken, pending, unknown),
    aligned to its index: a row that repeats an earlier promise (an action item carried into a
    later table) gets that promise's outcome; a row made after ``as_of`` gets none (null)."""
    outcome = pd.Series(None, index=commitments.index, dtype=object)
    if commitments.empty:
        return outcome
    judged = promises_from_tables(commitments, comments, comment_language, bugs, as_of)
    if judged.empty:
        return outcome
    judged = judged.assign(key=_keys(judged))
    status = {
        (b, k, p, key): st
        for b, k, p, key, st in zip(
            judged["bug_id"].tolist(),
            _objects(judged["kind"]),
            _ns(judged["promised"]),
            judged["key"].tolist(),
            judged["status"].tolist(),
            strict=True,
        )
    }
    made_at = commitments[["bug_id", "count"]].merge(
        comments[["bug_id", "count", "time"]], on=["bug_id", "count"], how="left"
    )["time"]
    promised = commitments["promised"].dt.normalize()
    keys = _keys(commitments)
    values: list[str | None] = []
    for bug, kind, day, key, when in zip(
        commitments["bug_id"].tolist(),
        _objects(commitments["kind"]),
        promised.tolist(),
        keys,
        made_at.tolist(),
        strict=True,
    ):
        if pd.isna(day) or pd.isna(when) or when > as_of:
            values.append(None)
            continue
        values.append(status.get((bug, kind, pd.Timestamp(day).as_unit("ns").value, key)))
    return pd.Series(values, index=commitments.index, dtype=object)


def _keys(frame: pd.DataFrame) -> list[str]:
    return [
        item_key(text) if kind == "action_item" else ""
        for text, kind in zip(
            _objects(frame["text"].fillna("")), _objects(frame["kind"]), strict=True
        )
    ]


def with_outcomes(
    commitments: pd.DataFrame,
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    bugs: pd.DataFrame,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """``commitments`` with its ``outcome`` column (last) judged at ``as_of``."""
    table = commitments.copy()
    table["outcome"] = commitment_outcomes(commitments, comments, comment_language, bugs, as_of)
    return table


def _done_commitments(commitments: pd.DataFrame, comments: pd.DataFrame, as_of) -> dict:
    """Action-item rows the language stage already marks done (when it has a ``status``)."""
    if "status" not in commitments.columns:
        return {}
    done = commitments[(commitments["kind"] == "action_item") & commitments["status"].map(is_done)]
    done = done.merge(comments[["bug_id", "count", "time"]], on=["bug_id", "count"])
    done = done[done["time"] <= as_of]
    found: dict[int, list] = {}
    for bug_id, count, text, url, time in zip(
        done["bug_id"].tolist(),
        done["count"].tolist(),
        _objects(done["text"]),
        _objects(done["url"]),
        _ns(done["time"]),
        strict=True,
    ):
        found.setdefault(bug_id, []).append((item_key(text or ""), time, url, count))
    return found


def promise_summary(promises: pd.DataFrame) -> pd.DataFrame:
    """Kept, broken and pending promises per CA (CAs with at least one promise)."""
    counts = pd.crosstab(promises["ca"], promises["status"]) if len(promises) else None
    if counts is None:
        return pd.DataFrame(columns=["ca", *STATUSES])
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    return counts.reset_index().rename_axis(columns=None)


def promises_table(corpus, as_of=None, window=None) -> pd.DataFrame:
    """Every dated promise in the corpus judged at ``as_of`` (default: the last sync).

    Example::

        >>> from analyzer.ahead import promises_table
        >>> promises_table(analyzer.load(), "2026-03-14").groupby(["ca", "status"]).size()
    """
    stamp = corpus.observed_at if as_of is None else utc(as_of)
    return promises_from_tables(
        # the language stage's rows: ``corpus.commitments`` would first judge every promise
        # of the corpus at the last sync, which this judges again at ``as_of``
        corpus.language.commitments,
        corpus.comments,
        corpus.comment_language,
        corpus.bugs,
        stamp,
        window=window,
    )
