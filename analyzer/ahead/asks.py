"""Reviewer asks and what became of them: the ``asks`` table (SPEC "Waiting on the CA").

An *ask* is a needinfo request to a CA-side account, or a public comment by a non-CA account
(after the bug's comment 0, while the bug is open) that asks a question or expects a reply (the
language stage's reading; a comment without text counts: what it said is unknown). Each ask:

- is *answered* by the CA's next update (IRG 3.0: "even if only to acknowledge");
- is *re-raised* when a later non-CA comment points to it (:mod:`analyzer.ahead.pointers`); a
  re-raised ask is open again, whatever came before, until a CA comment after the re-raise
  points to it;
- is ``acknowledged`` when answered but never pointed to by the CA, ``addressed`` when a CA
  comment pointed to it (after its last re-raise, if any).

Whether the IRG in force made it an obligation is a column (``in_force``): under 2.0 only a
question, from 3.0 any comment expecting a reply; before 2.0 none. Timing needs no text, so the
table works on a store without comment text too (the bundled snapshot), with caveats.
"""

from __future__ import annotations

import re
from collections import defaultdict

import numpy as np
import pandas as pd

from analyzer.ahead.pointers import own_words, points_to
from analyzer.bmo import CLOSED_STATUSES
from analyzer.language.text import own_lines

COLUMNS = [
    "bug_id",
    "ca",
    "kind",
    "count",
    "needinfo_seq",
    "asked_by",
    "asked_by_role",
    "asked_at",
    "url",
    "quote",
    "text_known",
    "irg_version",
    "in_force",
    "due",
    "replied_at",
    "replied_count",
    "replied_url",
    "reply_hours",
    "reraised_at",
    "reraised_count",
    "reraises",
    "pointed_at",
    "pointed_count",
    "pointed_url",
    "state",
    "caveat",
]
TEXT_COLUMNS = (
    "ca", "kind", "asked_by", "asked_by_role", "url", "quote", "irg_version", "replied_url",
    "pointed_url", "state", "caveat",
)  # fmt: skip
KINDS = ("question", "comment", "needinfo")
STATES = ("open", "reraised", "addressed", "acknowledged", "answered", "withdrawn", "ended")
NO_TEXT = "comment text missing: it may expect no reply"
UNSEEN_POINTERS = "later comments' text missing: a reply or re-raise pointing to it cannot be seen"
QUOTE_CHARS = 160
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+(?=\S)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]+")
_SPACE = re.compile(r"\s+")


def one_line(text: str) -> str:
    """Bug text as one plain line: control and direction characters out, spaces collapsed."""
    return _SPACE.sub(" ", _CONTROL.sub(" ", text)).strip()


def short_quote(text: str | None, limit: int = QUOTE_CHARS) -> str:
    """The first sentences of ``text`` that fit in ``limit`` characters, as one line; a first
    sentence longer than that is cut at a word and ends in an ellipsis."""
    line = one_line(text or "")
    if len(line) <= limit:
        return line
    out = ""
    for sentence in _SENTENCE_END.split(line):
        joined = f"{out} {sentence}".strip()
        if len(joined) > limit:
            break
        out = joined
    if out:
        return out
    cut = line[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:") + "\u2026"


def _own_text(text) -> str:
    return " ".join(line.strip() for line in own_lines(text) if line.strip())


def _in_force(rulebook, kind: str, at: int, questions: int, expects, text_known: bool):
    """(version, limit or None): the limit when the rule in force at ``at`` makes this ask an
    obligation (SPEC "Comment needing a reply", "Needinfo request")."""
    rule = "needinfo_response" if kind == "needinfo" else "comment_response"
    version, limit = rulebook.limit(rule, at)
    if limit is None or kind == "needinfo":
        return version, limit
    if limit.scope == "questions":
        return version, limit if questions > 0 else None
    return version, limit if (expects is not False or not text_known) else None


def _seconds(column: pd.Series) -> np.ndarray:
    """Epoch seconds of a UTC time column (a very small number for NaT)."""
    return (
        column.dt.tz_convert("UTC")
        .dt.tz_localize(None)
        .to_numpy()
        .astype("datetime64[s]")
        .astype("int64")
    )


def _stamp(seconds: int | None):
    return None if seconds is None else pd.Timestamp(seconds, unit="s", tz="UTC")


def _closed_spans(bugs: pd.DataFrame, changes: pd.DataFrame, cutoff: int) -> dict:
    """Per bug, the spans [start, end) it was closed in (end None: still closed at the cutoff),
    in epoch seconds: from status changes where history has them, and from the bugs table's
    close time."""
    spans: dict[int, list] = defaultdict(list)
    status = changes[changes["field_name"] == "status"]
    status = status.assign(_t=_seconds(status["when"]))
    status = status[status["_t"] <= cutoff].sort_values(["bug_id", "_t", "seq"])
    entered: dict[int, int] = {}
    for bug, when, removed, added in zip(
        status["bug_id"].tolist(),
        status["_t"].tolist(),
        status["removed"].tolist(),
        status["added"].tolist(),
        strict=True,
    ):
        if added in CLOSED_STATUSES and removed not in CLOSED_STATUSES:
            entered[int(bug)] = when
        elif removed in CLOSED_STATUSES and added not in CLOSED_STATUSES:
            start = entered.pop(int(bug), None)
            if start is not None:
                spans[int(bug)].append((start, when))
    for bug, start in entered.items():
        spans[bug].append((start, None))
    closed = bugs[bugs["closed"].notna()]
    for bug, when in zip(
        closed["bug_id"].tolist(), _seconds(closed["closed"]).tolist(), strict=True
    ):
        if when <= cutoff:
            spans[int(bug)].append((when, None))
    return spans


def _closed_at(spans: list, at: int) -> bool:
    return any(start <= at and (end is None or at < end) for start, end in spans)


def asks_from_tables(
    comments: pd.DataFrame,
    comment_language: pd.DataFrame,
    needinfos: pd.DataFrame,
    bugs: pd.DataFrame,
    changes: pd.DataFrame,
    participants: pd.DataFrame,
    as_of: pd.Timestamp,
    rulebook=None,
    bug_ids=None,
) -> pd.DataFrame:
    """One row per reviewer ask made by ``as_of`` (columns: ``COLUMNS``), by bug and time;
    ``bug_ids``: only these bugs' (the due page needs the open bugs' only)."""
    from analyzer.metrics.rulebook import load_rulebook

    rulebook = rulebook or load_rulebook()
    cutoff = int(as_of.timestamp())
    bugs = bugs[bugs["opened"] <= as_of]
    if bug_ids is not None:
        bugs = bugs[bugs["bug_id"].isin(bug_ids)]
        needinfos = needinfos[needinfos["bug_id"].isin(bug_ids)]
        changes = changes[changes["bug_id"].isin(bug_ids)]
    # only the rows of these bugs and the columns read: not a copy of every comment first
    known = comments.loc[
        (comments["time"] <= as_of) & comments["bug_id"].isin(bugs["bug_id"]),
        ["bug_id", "count", "time", "text", "role", "is_ca_update", "is_private", "url", "author"],
    ]
    wanted = ["bug_id", "count", "questions"]
    extra = [c for c in ("question_text", "expects_reply") if c in comment_language.columns]
    readings = comment_language.loc[comment_language["bug_id"].isin(bugs["bug_id"]), wanted + extra]
    known = known.merge(
        readings.drop_duplicates(["bug_id", "count"]), on=["bug_id", "count"], how="left"
    )
    known = known.assign(_t=_seconds(known["time"])).sort_values(
        ["bug_id", "_t", "count"], kind="stable"
    )
    columns = {
        "count": known["count"].astype("int64").tolist(),
        "time": known["_t"].tolist(),
        "text": [t if isinstance(t, str) else None for t in known["text"].astype(object)],
        "role": known["role"].fillna("").astype(str).tolist(),
        "update": known["is_ca_update"].fillna(False).astype(bool).tolist(),
        "private": known["is_private"].fillna(False).astype(bool).tolist(),
        "url": known["url"].astype(object).tolist(),
        "author": known["author"].astype(object).tolist(),
        "questions": known["questions"].fillna(0).astype("int64").tolist(),
        "asked": known["question_text"].astype(object).tolist()
        if "question_text" in known
        else [None] * len(known),
        "expects": [None if pd.isna(v) else bool(v) for v in known["expects_reply"].astype(object)]
        if "expects_reply" in known
        else [None] * len(known),
    }
    spans = _closed_spans(bugs, changes, cutoff)
    cas = dict(zip(bugs["bug_id"].tolist(), bugs["ca"].astype(object).tolist(), strict=True))
    opened = dict(zip(bugs["bug_id"].tolist(), _seconds(bugs["opened"]).tolist(), strict=True))
    roles = dict(
        zip(
            zip(participants["bug_id"].tolist(), participants["account"].tolist(), strict=True),
            participants["role"].tolist(),
            strict=True,
        )
    )
    asked = needinfos[
        needinfos["to_ca"].fillna(False).astype(bool) & (needinfos["set_at"] <= as_of)
    ]
    by_bug_ni = _requests_by_bug(asked)
    ids = known["bug_id"].to_numpy()
    bug_ids = sorted(set(cas) & (set(ids.tolist()) | set(by_bug_ni)))
    starts = np.searchsorted(ids, bug_ids, side="left").tolist()
    stops = np.searchsorted(ids, bug_ids, side="right").tolist()
    rows: list[dict] = []
    for bug_id, lo, hi in zip(bug_ids, starts, stops, strict=True):
        thread = {name: values[lo:hi] for name, values in columns.items()}
        bug = {"ca": cas[bug_id], "opened": opened[bug_id]}
        rows += _bug_asks(
            bug_id,
            thread,
            by_bug_ni.get(bug_id),
            bug,
            spans.get(bug_id, []),
            roles,
            rulebook,
            cutoff,
        )
    return _frame(rows)


def _requests_by_bug(asked: pd.DataFrame) -> dict[int, list]:
    """Per bug, its needinfo requests as rows (``set_s``, ``cleared_s``: epoch seconds) in
    the order they were set: read as rows once, not one small table per bug (its sort and
    rows cost seconds at 50x the real corpus)."""
    if asked.empty:
        return {}
    requests = asked.assign(
        set_s=_seconds(asked["set_at"]), cleared_s=_seconds(asked["cleared_at"])
    )
    requests = requests.sort_values(["bug_id", "set_s", "seq"], kind="stable")
    out: dict[int, list] = {}
    for request in requests.itertuples(index=False):
        out.setdefault(int(request.bug_id), []).append(request)
    return out


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("asked_at", "due", "replied_at", "reraised_at", "pointed_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[ns, UTC]")
    for column in ("count", "needinfo_seq", "replied_count", "reraised_count", "pointed_count"):
        frame[column] = frame[column].astype("Int64")
    frame["reraises"] = frame["reraises"].astype("int64")
    frame["reply_hours"] = frame["reply_hours"].astype("float64")
    for column in ("text_known", "in_force"):
        frame[column] = frame[column].astype(bool)
    for column in TEXT_COLUMNS:
        frame[column] = frame[column].astype("str")
    return frame.sort_values(["bug_id", "asked_at", "kind"], kind="stable", ignore_index=True)


def _bug_asks(bug_id, thread, needinfos, bug, spans, roles, rulebook, cutoff) -> list[dict]:
    """The asks of one bug (``thread``: its comments' columns known at the cutoff, in order;
    ``needinfos``: its requests to the CA by then (:func:`_requests_by_bug`), or None; times
    in epoch seconds)."""
    counts, times, texts = thread["count"], thread["time"], thread["text"]
    roles_at, updates, private = thread["role"], thread["update"], thread["private"]
    urls, authors, questions = thread["url"], thread["author"], thread["questions"]
    asked_text, expects = thread["asked"], thread["expects"]
    # which earlier comments each comment points to (only comments with text can be read)
    earlier: dict[int, str] = {}
    pointers: list[set[int]] = []
    for count, text in zip(counts, texts, strict=True):
        pointers.append(points_to(text, count, earlier, bug_id))
        if text:
            earlier[count] = own_words(text)
    position = {count: i for i, count in enumerate(counts)}

    def follow_up(ask_count: int | None, since_time, start: int) -> dict:
        """The CA's first update from ``start`` at or after ``since_time``, the last non-CA
        comment pointing to ``ask_count`` (a re-raise) and the first CA comment pointing to it
        after that re-raise (or after the ask)."""
        reply = None
        reraises: list[int] = []
        ca_points: list[int] = []
        unseen = False
        for j in range(start, len(counts)):
            if times[j] < since_time or private[j] or counts[j] == ask_count:
                continue
            if texts[j] is None:
                unseen = True
            if updates[j]:
                if reply is None:
                    reply = j
                if ask_count is not None and ask_count in pointers[j]:
                    ca_points.append(j)
            elif roles_at[j] != "ca" and ask_count is not None and ask_count in pointers[j]:
                reraises.append(j)
        last_raise = reraises[-1] if reraises else None
        floor = last_raise if last_raise is not None else -1
        return {
            "reply": reply,
            "raise": last_raise,
            "reraises": len(reraises),
            "pointed": next((j for j in ca_points if j > floor), None),
            "unseen": unseen,
        }

    def row(kind, index, seq, who, role, at, url, quote, text_known, version, limit, caveats):
        ask_count = None if index is None else counts[index]
        facts = follow_up(ask_count, at, 0 if index is None else index + 1)
        reply, raised, pointed = facts["reply"], facts["raise"], facts["pointed"]
        if raised is not None:
            state = "addressed" if pointed is not None else "reraised"
        elif reply is None:
            state = "open"
        elif pointed is not None:
            state = "addressed"
        else:  # answered; "acknowledged" only where every later comment could be read
            state = "answered" if facts["unseen"] or ask_count is None else "acknowledged"
        if state in ("open", "reraised") and _closed_at(spans, cutoff):
            state = "ended"
        if facts["unseen"]:
            caveats = [*caveats, UNSEEN_POINTERS]
        return {
            "bug_id": bug_id,
            "ca": bug["ca"],
            "kind": kind,
            "count": ask_count,
            "needinfo_seq": seq,
            "asked_by": who,
            "asked_by_role": role,
            "asked_at": _stamp(at),
            "url": url,
            "quote": quote,
            "text_known": bool(text_known),
            "irg_version": version,
            "in_force": limit is not None,
            "due": None if limit is None else _stamp(limit.due(at)),
            "replied_at": None if reply is None else _stamp(times[reply]),
            "replied_count": None if reply is None else counts[reply],
            "replied_url": None if reply is None else urls[reply],
            "reply_hours": np.nan if reply is None else (times[reply] - at) / 3600,
            "reraised_at": None if raised is None else _stamp(times[raised]),
            "reraised_count": None if raised is None else counts[raised],
            "reraises": facts["reraises"],
            "pointed_at": None if pointed is None else _stamp(times[pointed]),
            "pointed_count": None if pointed is None else counts[pointed],
            "pointed_url": None if pointed is None else urls[pointed],
            "state": state,
            "caveat": "; ".join(caveats),
        }

    rows = []
    opened = bug["opened"]
    for i, count in enumerate(counts):
        if count == 0 or updates[i] or private[i] or roles_at[i] == "ca":
            continue
        at = times[i]
        if at < opened or _closed_at(spans, at):
            continue
        text_known = texts[i] is not None
        if text_known and questions[i] <= 0 and expects[i] is not True:
            continue  # thanks, a closing notice, or nothing read that asks anything
        kind = "question" if questions[i] > 0 else "comment"
        if kind == "question" and isinstance(asked_text[i], str) and asked_text[i]:
            quote = short_quote(asked_text[i].split("\n")[0])
        else:
            quote = short_quote(_own_text(texts[i])) if text_known else ""
        version, limit = _in_force(rulebook, kind, at, questions[i], expects[i], text_known)
        who = authors[i]
        role = roles_at[i] or roles.get((bug_id, who), "community")
        caveats = [] if text_known else [NO_TEXT]
        rows.append(
            row(kind, i, None, who, role, at, urls[i], quote, text_known, version, limit, caveats)
        )
    for request in needinfos or []:
        at = int(request.set_s)
        if at < opened or _closed_at(spans, at):
            continue
        index = None if pd.isna(request.set_count) else position.get(int(request.set_count))
        text = texts[index] if index is not None else None
        quote = short_quote(_own_text(text)) if text else ""
        version, limit = _in_force(rulebook, "needinfo", at, 0, None, True)
        setter = "" if pd.isna(request.setter) else str(request.setter)
        role = roles.get((bug_id, setter), "community")
        ask = row(
            "needinfo", index, int(request.seq), setter, role, at, request.set_url, quote,
            text is not None, version, limit, [],
        )  # fmt: skip
        cleared = None if pd.isna(request.cleared_at) else int(request.cleared_s)
        role_of = getattr(request, "cleared_by_role", None)
        cleared_by = role_of if isinstance(role_of, str) and role_of else None  # None: unknown
        if cleared is not None and cleared <= cutoff and cleared_by not in (None, "ca"):
            replied = ask["replied_at"]
            if ask["state"] in ("open", "reraised") and (
                replied is None or int(replied.timestamp()) > cleared
            ):
                ask["state"] = "withdrawn"
        rows.append(ask)
    return rows
