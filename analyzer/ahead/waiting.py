"""Waiting on the CA: everything each open judged bug's CA owes now, with its evidence, and a
reminder draft a root program could post as it is (SPEC "Waiting on the CA").

What reviewers assembled by hand before writing "Another 7 days have passed ...": the weekly
update (or the Next-update date) and how long it is overdue; each reviewer ask still open (not
answered, or re-raised and not pointed to since: :mod:`analyzer.ahead.asks`), with a short quote,
who asked and how long ago; a full report, first response or action-item update overdue; and
promises the CA broke whose promised thing has still not come. Asks answered but never pointed
to are listed as ``acknowledged``: shown, never in a reminder.

Each item names the IRG clause it rests on (``irg_rules.csv``: source and quotation), the date
it fell due and the comment it refers to. Nothing here is more than the tables show: where the
store lacks text, the item says so in its caveat.
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.ahead.asks import one_line, short_quote
from analyzer.ahead.due import human_hours

COLUMNS = [
    "bug_id",
    "ca",
    "item",
    "state",
    "rule",
    "irg_version",
    "clause",
    "source",
    "due",
    "overdue_hours",
    "count",
    "link",
    "quote",
    "who",
    "asked_at",
    "age_hours",
    "weeks_missed",
    "basis",
    "reraised_count",
    "in_reminder",
    "caveat",
]
ITEMS = (
    "update",
    "first_response",
    "full_report",
    "action_item",
    "question",
    "comment",
    "needinfo",
    "promise",
)
STATES = ("overdue", "pending", "acknowledged")
_RULE_ITEMS = {
    "update_cadence": "update",
    "first_response": "first_response",
    "initial_disclosure": "initial_disclosure",
    "full_report": "full_report",
    "action_item_update": "action_item",
}
_COUNT = re.compile(r"#c(\d+)$")
_ASK_RULE = {
    "question": "comment_response",
    "comment": "comment_response",
    "needinfo": "needinfo_response",
}


def comment_number(link) -> int | None:
    """The ``N`` of a ``...#cN`` BMO link (None for an activity page or none)."""
    match = _COUNT.search(link) if isinstance(link, str) else None
    return int(match.group(1)) if match else None


def _clause(rulebook, rule: str, at: pd.Timestamp) -> tuple[str, str, str]:
    """(IRG version, quotation, source) of ``rule`` in force at ``at``."""
    version, limit = rulebook.limit(rule, int(at.timestamp()))
    if limit is None:
        return version, "", ""
    return version, limit.quote, limit.source


def waiting_from_tables(
    due_rows: pd.DataFrame,
    open_deadlines: pd.DataFrame,
    bugs: pd.DataFrame,
    asks: pd.DataFrame,
    promises: pd.DataFrame | None,
    as_of: pd.Timestamp,
    within: pd.Timedelta | None = None,
    rulebook=None,
) -> pd.DataFrame:
    """One row per thing the CA of each bug of ``due_rows`` owes at ``as_of`` (columns:
    ``COLUMNS``), by bug in ``due_rows``' order (worst first), then overdue first.

    ``due_rows``: :func:`analyzer.ahead.due.due_bugs` (open judged bugs); ``open_deadlines``:
    :func:`analyzer.ahead.due.due_from_tables`; ``asks``: the ``asks`` table
    (:mod:`analyzer.ahead.asks`); ``promises``: judged promises (:mod:`analyzer.ahead.promises`;
    None: not judged).
    ``within``: pending obligations due in this window are listed too (asks always are).
    """
    from analyzer.metrics.rulebook import load_rulebook

    rulebook = rulebook or load_rulebook()
    order = {int(b): i for i, b in enumerate(due_rows["bug_id"])}
    cas = dict(zip(due_rows["bug_id"].astype(int), due_rows["ca"], strict=True))
    obligations = _governed(open_deadlines, due_rows, bugs)
    obligations = obligations[obligations["bug_id"].isin(order)]
    items: list[dict] = []
    items += _obligation_items(obligations, rulebook, as_of, within)
    items += _ask_items(asks[asks["bug_id"].isin(order)], rulebook, as_of)
    if promises is not None:
        items += _promise_items(promises[promises["bug_id"].isin(order)], as_of)
    for item in items:
        item["ca"] = cas[item["bug_id"]]
    table = pd.DataFrame(items, columns=COLUMNS)
    if table.empty:
        return _typed(table)
    table = table.assign(
        _bug=table["bug_id"].map(order),
        _state=table["state"].map({s: i for i, s in enumerate(STATES)}),
        _item=table["item"].map({s: i for i, s in enumerate(ITEMS)}).fillna(len(ITEMS)),
    ).sort_values(["_bug", "_state", "due", "_item", "count"], kind="stable")
    return _typed(table.drop(columns=["_bug", "_state", "_item"]).reset_index(drop=True))


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    table = table.copy()
    for column in ("due", "asked_at"):
        table[column] = pd.to_datetime(table[column], utc=True).astype("datetime64[ns, UTC]")
    for column in ("count", "weeks_missed", "reraised_count"):
        table[column] = table[column].astype("Int64")
    for column in ("overdue_hours", "age_hours"):
        table[column] = table[column].astype("float64")
    table["bug_id"] = table["bug_id"].astype("int64")
    table["in_reminder"] = table["in_reminder"].astype(bool)
    text = [c for c in COLUMNS if c not in ("due", "asked_at", "count", "weeks_missed",
            "reraised_count", "overdue_hours", "age_hours", "bug_id", "in_reminder")]  # fmt: skip
    for column in text:
        table[column] = table[column].astype("str")
    return table


def _governed(open_deadlines: pd.DataFrame, due_rows: pd.DataFrame, bugs: pd.DataFrame):
    """The open deadlines less the weekly misses of a gap a Next-update date governs with
    unknown history (as :func:`analyzer.ahead.due.due_bugs` reads them)."""
    from analyzer.ahead.due import _honour_next_update

    unknown = due_rows[due_rows["next_update_honoured"] & (due_rows["next_update_by"] == "unknown")]
    opened = bugs.set_index("bug_id")["opened"]
    since = {
        int(b): (last if not pd.isna(last) else opened.get(int(b)))
        for b, last in zip(unknown["bug_id"], unknown["last_ca_update"], strict=True)
    }
    return _honour_next_update(open_deadlines, since)


def _obligation_items(obligations, rulebook, as_of, within) -> list[dict]:
    items = []
    late = obligations["state"] == "overdue"
    soon = (obligations["state"] == "pending") & (
        obligations["due"] <= as_of + within if within is not None else False
    )
    shown = obligations[
        (late | soon) & ~obligations["rule"].isin(["comment_response", "needinfo_response"])
    ].reset_index(drop=True)
    # each row read once as a record (a row taken out of the table per item cost seconds at
    # 50x the real corpus)
    records = dict(zip(shown.index, shown.to_dict("records"), strict=True))
    for (bug_id, rule), rows in shown.groupby(["bug_id", "rule"], sort=False):
        if rule == "update_cadence":  # one silence: one item, its weeks counted
            overdue = rows[rows["state"] == "overdue"].sort_values("due")
            picked = overdue if len(overdue) else rows.sort_values("due").iloc[:1]
            groups = [(records[picked.index[0]], len(picked))]
        else:
            groups = [(records[label], 1) for label in rows.index]
        for first, weeks in groups:
            version, quote, source = _clause(rulebook, rule, first["start"])
            is_late = first["state"] == "overdue"
            basis = str(first.get("basis", "") or "")
            items.append(
                {
                    "bug_id": int(bug_id),
                    "item": _RULE_ITEMS.get(rule, rule),
                    "state": "overdue" if is_late else "pending",
                    "rule": rule,
                    "irg_version": first["irg_version"] or version,
                    "clause": quote,
                    "source": source,
                    "due": first["due"],
                    "overdue_hours": float((as_of - first["due"]) / pd.Timedelta(hours=1))
                    if is_late
                    else 0.0,
                    "count": comment_number(first["evidence_start"]),
                    "link": first["evidence_start"],
                    "quote": "",
                    "who": "",
                    "asked_at": first["start"],
                    "age_hours": float((as_of - first["start"]) / pd.Timedelta(hours=1)),
                    "weeks_missed": weeks if rule == "update_cadence" and is_late else None,
                    "basis": basis,
                    "reraised_count": None,
                    "in_reminder": True,
                    "caveat": "" if pd.isna(first["caveat"]) else str(first["caveat"]),
                }
            )
    return items


def _ask_items(asks: pd.DataFrame, rulebook, as_of) -> list[dict]:
    items = []
    wanted = asks[
        asks["in_force"]
        & (
            asks["state"].isin(["open", "reraised"])
            | ((asks["state"] == "acknowledged") & asks["kind"].isin(["question", "needinfo"]))
        )
    ]
    for ask in wanted.itertuples(index=False):
        rule = _ASK_RULE[ask.kind]
        raised = not pd.isna(ask.reraised_at)
        since = ask.reraised_at if raised else ask.asked_at
        version, quote, source = _clause(rulebook, rule, ask.asked_at)
        due = ask.due
        if raised:
            _, limit = rulebook.limit(rule, int(since.timestamp()))
            if limit is not None:
                due = pd.Timestamp(limit.due(int(since.timestamp())), unit="s", tz="UTC")
        if ask.state == "acknowledged":
            state = "acknowledged"
        else:
            state = "overdue" if due < as_of else "pending"
        items.append(
            {
                "bug_id": int(ask.bug_id),
                "item": ask.kind,
                "state": state,
                "rule": rule,
                "irg_version": ask.irg_version or version,
                "clause": quote,
                "source": source,
                "due": due,
                "overdue_hours": float((as_of - due) / pd.Timedelta(hours=1))
                if state == "overdue"
                else 0.0,
                "count": None if pd.isna(ask.count) else int(ask.count),
                "link": ask.url,
                "quote": ask.quote if isinstance(ask.quote, str) else "",
                "who": ask.asked_by,
                "asked_at": ask.asked_at,
                "age_hours": float((as_of - ask.asked_at) / pd.Timedelta(hours=1)),
                "weeks_missed": None,
                "basis": "",
                "reraised_count": None if pd.isna(ask.reraised_count) else int(ask.reraised_count),
                "in_reminder": state != "acknowledged",
                "caveat": "" if pd.isna(ask.caveat) else str(ask.caveat),
            }
        )
    return items


def _promise_items(promises: pd.DataFrame, as_of) -> list[dict]:
    """Broken promises whose promised thing has still not come by ``as_of``."""
    broken = promises[(promises["status"] == "broken") & promises["fulfilled_at"].isna()]
    items = []
    for promise in broken.itertuples(index=False):
        due = promise.promised
        items.append(
            {
                "bug_id": int(promise.bug_id),
                "item": "promise",
                "state": "overdue",
                "rule": "",
                "irg_version": "",
                "clause": "",
                "source": "the CA's own commitment in this bug",
                "due": due,
                "overdue_hours": float((as_of - due) / pd.Timedelta(hours=1)),
                "count": int(promise.count),
                "link": promise.url,
                "quote": short_quote(promise.text if isinstance(promise.text, str) else ""),
                "who": "",
                "asked_at": promise.made_at,
                "age_hours": float((as_of - promise.made_at) / pd.Timedelta(hours=1)),
                "weeks_missed": None,
                "basis": "",
                "reraised_count": None,
                "in_reminder": True,
                "caveat": "",
            }
        )
    return items


# -- the reminder draft ------------------------------------------------------------------------

_WHAT = {
    "update": "Weekly update",
    "first_response": "First response to the bug",
    "full_report": "Full Incident Report",
    "action_item": "Update on an Action Item",
    "question": "Reply to the question",
    "comment": "Reply to the comment",
    "needinfo": "Reply to the needinfo request",
    "promise": "What the CA promised",
}


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:%Y-%m-%d}"


def reminder_line(item) -> str:
    """One outstanding item as one plain-text line: what, the comment it refers to, when it
    fell due, and the IRG clause it rests on. Bug text (a quote) is put on this one line."""
    count = item["count"]
    ref = f"comment #{int(count)}" if count is not None and not pd.isna(count) else "the bug"
    kind = item["item"]
    due = _day(item["due"])
    state = item["state"]
    if kind == "update":
        since = f"{ref} of {_day(item['asked_at'])}" if ref != "the bug" else _day(item["asked_at"])
        if item["basis"] == "next_update":
            what = f"Update by the Next-update date {due}: none since {since}"
        else:
            what = f"Weekly update: none since {since}"
        weeks = item["weeks_missed"]
        if weeks is not None and not pd.isna(weeks) and int(weeks) > 1:
            what += f" ({int(weeks)} weekly updates missed)"
    elif kind in ("question", "comment", "needinfo"):
        by = one_line(str(item["who"] or ""))
        asked = _day(item["asked_at"])
        what = {
            "question": f"Reply to the question in {ref}",
            "comment": f"Reply to {ref}",
            "needinfo": f"Reply to the needinfo request of {asked}"
            + (f" ({ref})" if ref != "the bug" else ""),
        }[kind]
        if by:
            what += f" from {by}"
        if kind != "needinfo":
            what += f" of {asked}"
        raised = item["reraised_count"]
        if raised is not None and not pd.isna(raised):
            what += f", raised again in comment #{int(raised)} and not addressed since"
        if item["quote"]:
            what += f': "{one_line(str(item["quote"]))}"'
    elif kind == "promise":
        what = f'Promised in {ref}: "{one_line(str(item["quote"]))}"; not seen since'
    else:
        since = {
            "full_report": f"none seen since the bug was filed ({ref})",
            "first_response": f"none seen since the bug was filed ({ref})",
            "action_item": f"none seen for an Action Item of the report in {ref}",
        }.get(kind, f"none seen since {ref}")
        what = f"{_WHAT.get(kind, kind)}: {since}"
    when = f"due {due}"
    if state == "overdue":
        when = f"fell due {due}, {human_hours(float(item['overdue_hours']))} ago"
    rests = f'{item["source"]}: "{item["clause"]}"' if item["clause"] else str(item["source"])
    line = f"- {what}; {when}. {rests}"
    caveat = one_line(str(item["caveat"] or ""))
    if caveat:
        line += f" [Not verified: {caveat}.]"
    return line


def reminder(bug_id: int, items: pd.DataFrame, as_of: pd.Timestamp) -> str:
    """The draft for one bug ("" when it owes nothing a reminder lists)."""
    mine = items[(items["bug_id"] == bug_id) & items["in_reminder"]]
    return _draft(mine.to_dict("records"), as_of)


def _draft(mine: list[dict], as_of: pd.Timestamp) -> str:
    """The draft listing ``mine``, one bug's items for a reminder (records), in their order."""
    if not mine:
        return ""
    lines = [
        f"As of {as_of:%Y-%m-%d %H:%M} UTC, the following items on this bug are outstanding:",
        *(reminder_line(item) for item in mine),
        "Please address each of them in this bug.",
    ]
    return "\n".join(lines)


def reminders(items: pd.DataFrame, bug_ids, as_of: pd.Timestamp) -> dict[int, str]:
    """Per bug of ``bug_ids`` (in order) with anything to remind of, its draft. The items
    are grouped by bug once: a pass over every item for each bug cost seconds at 50x the
    real corpus."""
    mine: dict[int, list[dict]] = {}
    for item in items[items["in_reminder"]].to_dict("records"):
        mine.setdefault(int(item["bug_id"]), []).append(item)
    return {int(b): _draft(mine[int(b)], as_of) for b in bug_ids if int(b) in mine}


def waiting_table(corpus, as_of=None, within=None, ca: str | None = None) -> pd.DataFrame:
    """Everything each open judged bug's CA owes at ``as_of`` (default: the last sync).

    Example::

        >>> from analyzer.ahead.waiting import waiting_table
        >>> waiting_table(analyzer.load()).query("state == 'overdue'").groupby("ca").size()
    """
    from analyzer.ahead.due import open_bugs
    from analyzer.ahead.promises import promises_table

    now = open_bugs(corpus, as_of, within, ca)
    stamp, every, rows = now.as_of, now.obligations, now.bugs
    asks = asks_of(corpus, stamp, rows["bug_id"])
    promises = promises_table(corpus, stamp)
    return waiting_from_tables(rows, every, corpus.bugs, asks, promises, stamp, within)


def asks_of(corpus, as_of: pd.Timestamp, bug_ids=None) -> pd.DataFrame:
    """The corpus's asks table at ``as_of`` (of ``bug_ids`` only, if given)."""
    from analyzer.ahead.asks import asks_from_tables

    return asks_from_tables(
        corpus.comments,
        corpus.comment_language,
        corpus.needinfos,
        corpus.bugs,
        corpus.changes,
        corpus.participants,
        as_of,
        bug_ids=bug_ids,
    )


def table_at(corpus, name: str, metrics, known: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The ``silences``, ``asks`` or ``waiting`` table as known at ``metrics.as_of``, from the
    tables cut back to that moment (``known``: :func:`analyzer.known_at.tables_known_at`'s)."""
    from analyzer.ahead.asks import asks_from_tables
    from analyzer.ahead.silences import silences_from_tables

    as_of = metrics.as_of
    if name == "silences":
        return silences_from_tables(metrics.deadlines, known["bugs"], as_of)
    if name == "asks":
        return asks_from_tables(
            known["comments"],
            corpus.comment_language,
            known["needinfos"],
            known["bugs"],
            known["changes"],
            known["participants"],
            as_of,
        )
    if name == "waiting":
        return waiting_table(corpus, as_of)
    raise KeyError(name)
