"""The patterns a reviewer cites across one CA's bugs (SPEC "Scorecards": a CA's history).

Reviewers do not judge one incident alone: Chrome on bug 1904041 wrote of "a concerning
pattern ... Behavior observed in other open NetLock incident reports". Three tables, one row
per finding, each with the bugs behind it so a page can link them:

- ``kinds``: incident kinds that recur across the CA's bugs: the whiteboard's tags
  (``ov-misissuance``, ``leaf-revocation-delay``) and the root-cause category a CA comment
  states ("Root cause category: ...", where the text shows it);
- ``together``: stretches when two or more of the CA's bugs were in breach at once (from the
  metrics stage's ``breaches`` intervals);
- ``named``: other bugs the CA's own comments name ("bug 1234567", a show_bug link): the
  related incidents its reports point to.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

#: tags every compliance bug carries, or that say nothing about the incident's kind
NOT_A_KIND = frozenset({"ca-compliance", "meta", "uncategorized", "external", "covid-19"})
_ROOT_CAUSE = re.compile(
    r"(?im)^[\W_]*root[ -]cause\s*(?:category|classification|type)?[\W_]*?[:\-–]\s*"
    r"[*_]*(?P<category>[^\n.;]{3,80})"
)
_NAMED = re.compile(r"(?i)(?:\bbug\s*#?\s*|show_bug\.cgi\?id=|bugzil\.la/)(?P<bug>[1-9]\d{3,7})\b")

KIND_COLUMNS = ["ca", "source", "kind", "bugs"]
TOGETHER_COLUMNS = ["ca", "start", "end", "days", "most", "bugs"]
NAMED_COLUMNS = ["ca", "named", "bug_id", "count"]


def recurring_kinds(
    bugs: pd.DataFrame,
    whiteboard: pd.DataFrame,
    comments: pd.DataFrame,
    as_of: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """One row per CA and kind seen on two or more of its bugs: ``source`` is ``whiteboard``
    (a tag any of the bug's whiteboard values carried) or ``report`` (a root-cause category
    stated in a CA comment made by ``as_of``, if given), ``bugs`` the sorted bug ids."""
    ca_of = _cas(bugs)
    found: dict[tuple[str, str, str], set[int]] = {}
    if not whiteboard.empty:
        # a bug's many whiteboard values mostly repeat its tags: each pair once
        tags = whiteboard[["bug_id", "tags"]].dropna().drop_duplicates()
        for bug_id, text in zip(tags["bug_id"], tags["tags"], strict=True):
            if bug_id not in ca_of:
                continue
            for tag in str(text).split():
                if tag not in NOT_A_KIND:
                    found.setdefault((ca_of[bug_id], "whiteboard", tag), set()).add(int(bug_id))
    for bug_id, _, text in _ca_texts(comments, "root[ -]cause", as_of):
        if bug_id not in ca_of:
            continue
        for match in _ROOT_CAUSE.finditer(text):
            category = " ".join(match["category"].strip(" *_").lower().split())
            if category:
                found.setdefault((ca_of[bug_id], "report", category), set()).add(int(bug_id))
    rows = [
        (ca, source, kind, sorted(ids))
        for (ca, source, kind), ids in found.items()
        if len(ids) >= 2
    ]
    frame = pd.DataFrame(rows, columns=KIND_COLUMNS)
    order = frame.assign(n=frame["bugs"].map(len)).sort_values(
        ["ca", "n", "source", "kind"], ascending=[True, False, False, True], kind="stable"
    )
    return order.drop(columns="n").reset_index(drop=True)


def in_breach_together(breaches: pd.DataFrame) -> pd.DataFrame:
    """One row per CA and stretch of time when two or more of its bugs were in breach at
    once: when it began and ended, its length in days, the most bugs in breach at one moment
    in it, and every bug in breach during it."""
    rows: list[tuple] = []
    if breaches.empty:
        return pd.DataFrame(rows, columns=TOGETHER_COLUMNS)
    frame = breaches.assign(ca=breaches["ca"].fillna("").astype(str))
    for ca, mine in frame.groupby("ca", sort=True):
        events: dict[pd.Timestamp, list[tuple[int, int]]] = {}
        for start, end, bug in zip(mine["start"], mine["end"], mine["bug_id"], strict=True):
            events.setdefault(start, []).append((int(bug), 1))
            events.setdefault(end, []).append((int(bug), -1))
        active: dict[int, int] = {}
        began = None
        most = 0
        involved: set[int] = set()
        for when in sorted(events):  # every change at one instant at once
            for bug, step in events[when]:
                active[bug] = active.get(bug, 0) + step
                if active[bug] <= 0:
                    del active[bug]
            if len(active) >= 2:
                if began is None:
                    began, most, involved = when, 0, set()
                most = max(most, len(active))
                involved |= set(active)
            elif began is not None:
                days = (when - began).total_seconds() / 86400
                rows.append((ca, began, when, round(days, 1), most, sorted(involved)))
                began = None
    return pd.DataFrame(rows, columns=TOGETHER_COLUMNS)


def named_bugs(
    bugs: pd.DataFrame, comments: pd.DataFrame, as_of: pd.Timestamp | None = None
) -> pd.DataFrame:
    """One row per CA comment (made by ``as_of``, if given) naming another bug: the CA, the
    bug named, and the comment (bug and number) that names it; a bug names itself in passing,
    so that is left out."""
    ca_of = _cas(bugs)
    rows: list[tuple] = []
    for bug_id, count, text in _ca_texts(comments, r"bug|bugzil\.la", as_of):
        if bug_id not in ca_of:
            continue
        for named in dict.fromkeys(int(m["bug"]) for m in _NAMED.finditer(text)):
            if named != bug_id:
                rows.append((ca_of[bug_id], named, int(bug_id), int(count)))
    return pd.DataFrame(rows, columns=NAMED_COLUMNS)


def _cas(bugs: pd.DataFrame) -> dict[int, str]:
    """Each bug's CA ("" for none), to be looked up once per tag or comment."""
    names = bugs["ca"].fillna("").astype(str).tolist()
    return dict(zip(bugs["bug_id"].astype(int).tolist(), names, strict=True))


_TAKE_ROWS = 5_000  # matching comments whose text is copied out at once (reports run to 7k)


def _ca_texts(comments: pd.DataFrame, words: str, as_of: pd.Timestamp | None = None):
    """(bug, comment number, text) of every CA comment with text (made by ``as_of``, if
    given) containing ``words``, a regular expression read case-blind. Every text is scanned
    where it lies, in C, before Python reads the few that match, a slice at a time: a copy of
    every CA comment's text held gigabytes at 50x the real corpus."""
    if comments.empty or "text" not in comments:
        return
    text = comments["text"]
    keep = comments["role"].eq("ca") & text.notna()
    if as_of is not None:
        keep &= comments["time"] <= as_of
    scanned = text.astype(str) if text.dtype == object else text
    found = scanned.str.contains(words, case=False, regex=True).fillna(False)
    rows = np.flatnonzero(keep.to_numpy(dtype=bool) & found.to_numpy(dtype=bool))
    for begin in range(0, len(rows), _TAKE_ROWS):
        part = rows[begin : begin + _TAKE_ROWS]
        yield from zip(
            comments["bug_id"].take(part).astype(int).tolist(),
            comments["count"].take(part).tolist(),
            text.take(part).astype(str).tolist(),
            strict=True,
        )
