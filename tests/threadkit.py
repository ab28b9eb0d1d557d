"""A small language for writing Bugzilla threads in tests, one event per line.

Why: rule tests should read like the timeline a root program engineer would sketch, and still
go through the real parse stage. A thread becomes an API-shaped :class:`RawBug` (bug, comments,
history), so ``build_tables`` sees what it would see from BMO.

Example::

    bug = thread('''
        bug 1701 "NetLock: OCSP responder outage"
        2025-03-01 09:00  ca        files            "Preliminary incident report"
        2025-03-03 09:00  ca        says update
        2025-03-03 09:00  mozilla   whiteboard       [ca-compliance] Next update 2025-03-10
        2025-03-04 10:00  community says 2q
        2025-03-05 11:00  mozilla   needinfo ca
        2025-03-06 12:00  ca        says full
        2025-03-21 16:00  mozilla   closes FIXED
    ''')
    result = metrics_of(bug, as_of="2025-04-01")

Lines are ``DATE TIME ACTOR VERB ARGS``. Actors: ``ca`` (the assignee, CA-side), ``ca2`` (on the
CA's mail domain, CA-side), ``mozilla`` and ``chrome`` (root programs), ``community``.
Verbs: ``files`` (comment 0; must come first), ``says``, ``whiteboard TEXT``, ``needinfo ACTOR``,
``retargets ACTOR ACTOR2``, ``clears ACTOR``, ``closes RESOLUTION``, ``reopens``, ``assigns ACTOR``.
Comment tokens: ``full``/``closure``/``preliminary``/``update``/``other`` (report kind), ``Nq``
(N questions), ``noreply`` (expects no reply: thanks, a final call), ``closing`` (a closing
notice, "I intend to close this bug"), ``identified=DATE[THH:MM]`` (the report's
"Non-compliance identified date"), ``item=DATE`` / ``done=DATE`` (an open / completed Action
Item due that day), ``private``, ``notext`` (the store lacks its text), and a quoted text. The kinds
and question counts are the explicit language annotations :func:`language_of` hands to the
metrics, so rule tests do not depend on the language heuristics; ``language=False`` makes the
metrics use their fallback on the text.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

import pandas as pd

from analyzer.metrics import MetricsResult, compute
from analyzer.parse import build_tables, load_reference
from analyzer.store import RawBug
from analyzer.tables import LanguageTables, ThreadTables

ACCOUNTS = {
    "ca": "ops@netlock.hu",
    "ca2": "compliance@netlock.hu",
    "mozilla": "bwilson@mozilla.com",
    "chrome": "chrome-root-program@google.com",
    "community": "alice@community.example",
}
KINDS = {"full", "closure", "preliminary", "update", "other"}
COMMENT_VERBS = {"files", "says"}
_QUESTIONS = re.compile(r"^(\d+)q$")


@dataclass(frozen=True)
class Event:
    when: str  # ISO, Z
    actor: str
    verb: str
    args: tuple[str, ...] = ()
    text: str | None = None
    kind: str | None = None
    questions: int = 0
    private: bool = False
    textless: bool = False  # the store has no text for it (like most of the snapshot)
    noreply: bool = False
    closing: bool = False
    identified: str | None = None
    items: tuple[tuple[str, bool], ...] = ()  # (due day, done)


@dataclass(frozen=True)
class Thread:
    bug_id: int
    summary: str
    events: tuple[Event, ...]
    history: bool = True
    extra: dict = field(default_factory=dict)

    def at(self, moment: str | pd.Timestamp) -> Thread:
        """The thread as it stood at ``moment``: later events never happened."""
        cut = _iso(pd.Timestamp(moment))
        return replace(self, events=tuple(e for e in self.events if e.when <= cut))

    def plus(self, line: str) -> Thread:
        """The thread with one more event (kept in time order)."""
        event = _event(line)
        events = sorted((*self.events, event), key=lambda e: e.when)
        return replace(self, events=tuple(events))

    def raw(self) -> RawBug:
        return _raw(self)

    def text(self) -> str:
        """The thread written back in the thread language (for failure reports)."""
        lines = [f'bug {self.bug_id} "{self.summary}"']
        for e in self.events:
            when = e.when.replace("T", " ").rstrip("Z")
            extra = [e.kind or "", f"{e.questions}q" if e.questions else ""]
            extra += ["private" if e.private else "", "notext" if e.textless else ""]
            words = [when, e.actor, e.verb, *e.args, *[w for w in extra if w]]
            lines.append(" ".join(words))
        return "\n".join(lines)

    def comment_events(self) -> list[Event]:
        return [e for e in self.events if e.verb in COMMENT_VERBS]


def thread(text: str, *, history: bool = True, bug_id: int = 1701) -> Thread:
    """Parse the thread language (see the module docstring)."""
    summary = "NetLock: test incident"
    events = []
    for line in text.strip().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("bug "):
            _, number, *rest = shlex.split(line)
            bug_id, summary = int(number), " ".join(rest) or summary
            continue
        events.append(_event(line))
    events.sort(key=lambda e: e.when)  # stable: same-second events keep their written order
    if not events or events[0].verb != "files":
        raise ValueError("a thread starts with a 'files' event")
    return Thread(bug_id, summary, tuple(events), history)


def _event(line: str) -> Event:
    day, clock, actor, verb, *args = shlex.split(line)
    if actor not in ACCOUNTS:
        raise ValueError(f"unknown actor {actor!r} in {line!r}")
    when = _iso(pd.Timestamp(f"{day}T{clock}"))
    if verb not in COMMENT_VERBS:
        if verb == "whiteboard":
            args = [line.split("whiteboard", 1)[1].strip()]
        return Event(when, actor, verb, tuple(args))
    kind, questions, private, text, textless = None, 0, False, None, False
    noreply = closing = False
    identified = None
    items: list[tuple[str, bool]] = []
    for token in args:
        match = _QUESTIONS.match(token)
        if token in KINDS:
            kind = token
        elif token == "noreply":
            noreply = True
        elif token == "closing":
            closing = True
        elif token.startswith("identified="):
            identified = token.split("=", 1)[1]
        elif token.startswith(("item=", "done=")):
            items.append((token.split("=", 1)[1], token.startswith("done=")))
        elif match:
            questions = int(match.group(1))
        elif token == "private":
            private = True
        elif token == "notext":
            textless = True
        else:
            text = token.replace("\\n", "\n")  # a written \n is a line break
    return Event(
        when,
        actor,
        verb,
        (),
        text,
        kind,
        questions,
        private,
        textless,
        noreply,
        closing,
        identified,
        tuple(items),
    )


def _iso(stamp: pd.Timestamp) -> str:
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")


def _raw(bug: Thread) -> RawBug:
    first = bug.events[0]
    state = {
        "status": "ASSIGNED",
        "resolution": "",
        "whiteboard": "[ca-compliance]",
        "assigned_to": ACCOUNTS["ca"],
    }
    flags: list[dict] = []  # open needinfo flags; the same requestee may be asked twice
    comments, history = [], []
    for event in bug.events:
        who = ACCOUNTS[event.actor]
        if event.verb in COMMENT_VERBS:
            count = len(comments)
            text = event.text if event.text is not None else f"Comment {count}."
            comments.append(
                {
                    "id": bug.bug_id * 100 + count,
                    "bug_id": bug.bug_id,
                    "count": count,
                    "creator": who,
                    "author": who,
                    "creation_time": event.when,
                    "time": event.when,
                    "is_private": event.private,
                    **({} if event.textless else {"text": text, "raw_text": text}),
                }
            )
            continue
        changes = _changes(event, state, flags, who)
        history.append({"when": event.when, "who": who, "changes": changes})
    bug_dict = {
        "id": bug.bug_id,
        "summary": bug.summary,
        "product": "CA Program",
        "component": "CA Certificate Compliance",
        "creation_time": first.when,
        "creator": ACCOUNTS[first.actor],
        "last_change_time": bug.events[-1].when,
        "flags": flags,
        **state,
    }
    return RawBug(bug_dict, comments, history if bug.history else None)


def _changes(event: Event, state: dict, flags: list[dict], who: str) -> list[dict]:
    def change(name: str, added: str) -> dict:
        removed, state[name] = state[name], added
        return {"field_name": name, "removed": removed, "added": added}

    verb, args = event.verb, event.args
    if verb == "whiteboard":
        return [change("whiteboard", args[0])]
    if verb == "closes":
        return [change("status", "RESOLVED"), change("resolution", args[0] if args else "FIXED")]
    if verb == "reopens":
        return [change("status", "REOPENED"), change("resolution", "")]
    if verb == "assigns":
        return [change("assigned_to", ACCOUNTS[args[0]])]
    if verb == "needinfo":
        account = ACCOUNTS[args[0]]
        flags.append(_flag(account, who, event.when))
        return [_flag_change("", f"needinfo?({account})")]
    if verb == "retargets":
        old, new = ACCOUNTS[args[0]], ACCOUNTS[args[1]]
        _drop_flag(flags, old)
        flags.append(_flag(new, who, event.when))
        return [_flag_change(f"needinfo?({old})", f"needinfo?({new})")]
    if verb == "clears":
        account = ACCOUNTS[args[0]]
        _drop_flag(flags, account)
        return [_flag_change(f"needinfo?({account})", "")]
    raise ValueError(f"unknown verb {verb!r}")


def _drop_flag(flags: list[dict], requestee: str) -> None:
    """Remove the oldest open flag of ``requestee`` (BMO clears one flag per change)."""
    for index, flag in enumerate(flags):
        if flag["requestee"] == requestee:
            del flags[index]
            return


def _flag(requestee: str, setter: str, when: str) -> dict:
    return {
        "name": "needinfo",
        "status": "?",
        "requestee": requestee,
        "setter": setter,
        "creation_date": when,
    }


def _flag_change(removed: str, added: str) -> dict:
    return {"field_name": "flagtypes.name", "removed": removed, "added": added}


# -- into the pipeline -----------------------------------------------------------------------


def tables_of(*bugs: Thread, observed_at: str | None = None) -> ThreadTables:
    """The real parse stage over the threads; ``observed_at`` defaults to the last event."""
    last = max(e.when for b in bugs for e in b.events)
    stamp = pd.Timestamp(observed_at or last)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp
    return build_tables([b.raw() for b in bugs], load_reference(None), observed_at=stamp)


def language_of(*bugs: Thread) -> LanguageTables:
    """The explicit annotations as the language stage's tables (kind default: update / other)."""
    rows, fields, items = [], [], []
    for bug in bugs:
        for count, event in enumerate(bug.comment_events()):
            default = "update" if event.actor.startswith("ca") else "other"
            rows.append(
                {
                    "bug_id": bug.bug_id,
                    "count": count,
                    "questions": event.questions,
                    "question_text": "",
                    "report_kind": event.kind or default,
                    "sections_present": "",
                    "sections_missing": "",
                    "expects_reply": not event.noreply and not event.closing,
                    "closing_notice": event.closing,
                }
            )
            if event.identified:
                moment = pd.Timestamp(event.identified, tz="UTC")
                if "T" not in event.identified:  # a date without a time: the end of that day
                    moment += pd.Timedelta(days=1) - pd.Timedelta(seconds=1)
                fields.append(
                    {
                        "bug_id": bug.bug_id,
                        "count": count,
                        "field": "non_compliance_identified",
                        "value": event.identified,
                        "time": moment,
                    }
                )
            for day, done in event.items:
                items.append(
                    {
                        "bug_id": bug.bug_id,
                        "count": count,
                        "item": f"item due {day}",
                        "due": pd.Timestamp(day, tz="UTC"),
                        "status": "Complete" if done else "Ongoing",
                        "done": done,
                    }
                )
    commitments = pd.DataFrame(columns=["bug_id", "count", "text", "promised", "kind", "url"])
    field_columns = ["bug_id", "count", "field", "value", "time"]
    item_columns = ["bug_id", "count", "item", "due", "status", "done"]
    return LanguageTables(
        pd.DataFrame(rows),
        commitments,
        report_fields=pd.DataFrame(fields, columns=field_columns),
        action_items=pd.DataFrame(items, columns=item_columns),
    )


def metrics_of(
    *bugs: Thread,
    as_of: str,
    language: bool = True,
    observed_at: str | None = None,
) -> MetricsResult:
    tables = tables_of(*bugs, observed_at=observed_at)
    return compute(tables, language_of(*bugs) if language else None, _utc(as_of))


def _utc(value: str) -> pd.Timestamp:
    stamp = pd.Timestamp(value)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def rows(result: MetricsResult, rule: str | None = None) -> list[tuple]:
    """Deadlines as readable tuples: (rule, start, due, met_at, outcome, overdue_hours, basis)."""
    frame = result.deadlines
    if rule is not None:
        frame = frame[frame["rule"] == rule]
    return [
        (
            r.rule,
            _short(r.start),
            _short(r.due),
            _short(r.met_at),
            r.outcome,
            r.overdue_hours,
            r.basis,
        )
        for r in frame.itertuples()
    ]


def repeats(result: MetricsResult, rule: str) -> list[int]:
    """The ``repeat`` number of each row of ``rule``, in the order :func:`rows` gives them."""
    return result.deadlines.loc[result.deadlines["rule"] == rule, "repeat"].tolist()


def _short(stamp: pd.Timestamp) -> str | None:
    if pd.isna(stamp):
        return None
    return stamp.strftime("%Y-%m-%d %H:%M:%S")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)
