"""The due page's context and its four formats: a terminal table, JSON, Markdown for email,
an HTML page beside the scorecards.

HTML and Markdown go through the scorecards' Jinja2 environments (autoescape, Markdown
escaping), so bug text stays inert and the page looks like the scorecards beside it. The rows
come from :func:`analyzer.ahead.due_table`; this module only shapes and renders them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import pandas as pd

from analyzer.ahead.due import BUG_COLUMNS, COLUMNS, OpenBugs, human_hours
from analyzer.bmo import bug_url, trusted_link
from analyzer.months import Month
from analyzer.report.labels import NO_CA
from analyzer.report.pages import values
from analyzer.report.safety import clean_text, slugs_for


@dataclass
class DueRow:
    """One open deadline (the JSON ``deadlines`` list: every open obligation)."""

    ca: str  # cleaned for display
    ca_name: str  # the bugs table's spelling
    bug_id: int
    summary: str
    rule: str
    irg_version: str
    due: pd.Timestamp
    due_text: str
    state: str  # overdue | pending
    span: str  # "3d 4h overdue" / "17h left"
    overdue_hours: float
    left_hours: float
    evidence_start: str | None
    bug_url: str
    caveat: str | None
    start: pd.Timestamp


@dataclass
class WaitingItem:
    """One thing the CA owes on a bug (:mod:`analyzer.ahead.waiting`); ``quote`` is bug text."""

    item: str  # update | first_response | full_report | action_item | question | comment | ...
    state: str  # overdue | pending | acknowledged
    rule: str
    irg_version: str
    clause: str  # the rulebook's quotation of the IRG text the item rests on
    source: str
    due: pd.Timestamp | None
    due_text: str
    overdue_hours: float
    span: str  # "3d 4h overdue" / "17h left" / ""
    count: int | None  # the comment it refers to
    link: str | None
    quote: str
    who: str
    asked_at: pd.Timestamp | None
    age: str  # how long ago it was asked or started
    weeks_missed: int | None
    basis: str
    reraised_count: int | None
    in_reminder: bool
    caveat: str | None


@dataclass
class DueBugRow:
    """One open judged bug: what a reviewer checks first."""

    ca: str
    ca_name: str
    bug_id: int
    bug_url: str
    summary: str
    assignee: str
    next_update: pd.Timestamp | None
    next_update_by: str  # root_program | ca | unknown (history unknown) | "" (no date)
    next_update_text: str  # "2026-04-30 (root_program)" / "2026-04-30 (unknown)" / ""
    next_update_honoured: bool
    open_needinfos: int | None  # None without bug history
    last_ca_update: pd.Timestamp | None
    last_ca_update_text: str
    last_ca_update_url: str | None
    state: str  # overdue | pending | none
    rule: str
    irg_version: str
    due: pd.Timestamp | None
    due_text: str
    span: str
    overdue_hours: float
    left_hours: float
    evidence_start: str | None
    missed_updates: int  # weekly updates the current silence has missed
    caveat: str | None
    scorecard: str  # ../YYYY-MM/<slug>.html: the CA's scorecard of the last whole month
    waiting: list[WaitingItem] = field(default_factory=list)  # everything the CA owes now
    reminder: str = ""  # the plain-text draft a root program could post ("" owes nothing)


@dataclass
class PromiseCount:
    ca: str
    kept: int
    broken: int
    pending: int
    unknown: int


@dataclass
class DuePage:
    """``due.html`` / ``due.md`` and the text and JSON formats."""

    heading: str
    as_of: pd.Timestamp
    as_of_text: str
    within: str | None
    ca: str | None
    bugs: list[DueBugRow]
    deadlines: list[DueRow]
    overdue: int
    history_known: bool
    promises: list[PromiseCount]
    scorecard_month: str
    month: dict  # {"as_of"}: what the shared page footer reads


def _stamp(value: pd.Timestamp | None) -> str:
    return "" if value is None or pd.isna(value) else f"{value:%Y-%m-%d %H:%M}"


def _span(state: str, overdue_hours: float, left_hours: float) -> str:
    if state == "overdue":
        return f"{human_hours(overdue_hours)} overdue"
    if state == "pending":
        return f"{human_hours(left_hours)} left"
    return ""


def _time(value) -> pd.Timestamp | None:
    return None if value is None or pd.isna(value) else value


def _text(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def due_page_of(
    corpus,
    as_of: pd.Timestamp | None,
    within: str | None,
    ca: str | None,
    promises: bool = True,
    now: OpenBugs | None = None,
) -> DuePage:
    """The due page of a corpus at ``as_of`` (default: the last sync), from the ahead stage's
    tables; ``ca`` as the bugs table spells it. ``promises=False``: no promise counts (a
    caller that shows only the bugs; promises cost a pass over every CA comment). ``now``:
    :func:`analyzer.ahead.due.open_bugs` of the same arguments, when the caller took it."""
    from analyzer.ahead import promise_summary, promises_table
    from analyzer.ahead.due import open_bugs, parse_window
    from analyzer.ahead.waiting import asks_of, waiting_from_tables

    window = parse_window(within) if within is not None else None
    if now is None:
        now = open_bugs(corpus, as_of, window, ca)
    stamp, every, bugs = now.as_of, now.obligations, now.bugs
    listed = every[every["bug_id"].isin(bugs["bug_id"])]
    if window is not None:
        listed = listed[(listed["state"] == "overdue") | (listed["due"] <= stamp + window)]
    promised = promises_table(corpus, stamp) if promises else _no_promises()
    if ca is not None:
        promised = promised[promised["ca"] == ca]
    waiting = waiting_from_tables(
        bugs, every, corpus.bugs, asks_of(corpus, stamp, bugs["bug_id"]),
        promised if promises else None, stamp,
        window,
    )  # fmt: skip
    return due_page(
        bugs,
        listed,
        promise_summary(promised),
        stamp,
        within,
        ca,
        slugs=slugs_for(corpus.bugs["ca"].fillna("").astype(str)),
        history_known=bool(corpus.history_known),
        waiting=waiting,
    )


def _no_promises() -> pd.DataFrame:
    from analyzer.ahead.promises import COLUMNS

    return pd.DataFrame(columns=COLUMNS)


def scorecard_month(as_of: pd.Timestamp) -> str:
    """The last whole month by ``as_of``: the newest scorecard that can exist (a month's own
    scorecards judge at its last second, so that month counts as whole then)."""
    return Month.last_complete_before(as_of + pd.Timedelta(seconds=1)).label


def due_page(
    bugs: pd.DataFrame,
    deadlines: pd.DataFrame,
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    within: str | None,
    ca: str | None,
    slugs: dict[str, str] | None = None,
    history_known: bool = True,
    waiting: pd.DataFrame | None = None,
) -> DuePage:
    """What every format shows: one row per open judged bug (:func:`analyzer.ahead.due_bugs`),
    every open deadline (:func:`analyzer.ahead.due.due_from_tables`), promises per CA.

    ``slugs``: the scorecards' slug of every CA name (:func:`slugs_for` over the corpus), so
    that names differing only in letter case link to their own pages. ``waiting``: what each
    bug's CA owes (:func:`analyzer.ahead.waiting.waiting_from_tables`), with a reminder draft.
    """
    from analyzer.ahead.waiting import reminders

    month = scorecard_month(as_of)
    owed = _waiting_items(waiting)
    drafts = reminders(waiting, bugs["bug_id"], as_of) if waiting is not None else {}
    slugs = dict(slugs or {})
    names = {_text(name) for name in bugs["ca"]} - set(slugs)
    if names:
        slugs.update(slugs_for(set(slugs) | names))
    rows = []
    for row in bugs.itertuples(index=False):
        name = _text(row.ca)
        next_update = _time(row.next_update)
        by = _text(row.next_update_by)
        rows.append(
            DueBugRow(
                ca=clean_text(name, limit=120) or NO_CA,
                ca_name=name,
                bug_id=int(row.bug_id),
                bug_url=bug_url(row.bug_id),
                summary=clean_text(row.summary, limit=300),
                assignee=clean_text(row.assignee, limit=120),
                next_update=next_update,
                next_update_by=clean_text(by, limit=20),
                next_update_text=""
                if next_update is None
                else f"{next_update:%Y-%m-%d} ({clean_text(by, limit=20)})",
                next_update_honoured=bool(row.next_update_honoured),
                open_needinfos=None if pd.isna(row.open_needinfos) else int(row.open_needinfos),
                last_ca_update=_time(row.last_ca_update),
                last_ca_update_text=_stamp(row.last_ca_update),
                last_ca_update_url=trusted_link(row.last_ca_update_url),
                state=str(row.state),
                rule=_text(row.rule),
                irg_version=clean_text(row.irg_version, limit=10),
                due=_time(row.due),
                due_text=_stamp(row.due),
                span=_span(row.state, row.overdue_hours, row.left_hours),
                overdue_hours=round(float(row.overdue_hours), 2),
                left_hours=round(float(row.left_hours), 2),
                evidence_start=trusted_link(row.evidence_start),
                missed_updates=int(row.missed_updates),
                caveat=clean_text(row.caveat, limit=300) or None,
                scorecard=f"../{month}/{slugs[name]}.html",
                waiting=owed.get(int(row.bug_id), []),
                reminder=drafts.get(int(row.bug_id), ""),
            )
        )
    open_deadlines = [
        DueRow(
            ca=clean_text(_text(row.ca)) or NO_CA,
            ca_name=_text(row.ca),
            bug_id=int(row.bug_id),
            summary=clean_text(row.summary),
            rule=row.rule,
            irg_version=row.irg_version,
            due=row.due,
            due_text=_stamp(row.due),
            state=row.state,
            span=_span(row.state, row.overdue_hours, row.left_hours),
            overdue_hours=round(float(row.overdue_hours), 2),
            left_hours=round(float(row.left_hours), 2),
            evidence_start=trusted_link(row.evidence_start),
            bug_url=bug_url(row.bug_id),
            caveat=clean_text(row.caveat, limit=300) or None,
            start=row.start,
        )
        for row in deadlines.itertuples(index=False)
    ]
    promises = [
        PromiseCount(
            ca=clean_text(p["ca"], limit=120) or NO_CA,
            kept=int(p.get("kept", 0)),
            broken=int(p.get("broken", 0)),
            pending=int(p.get("pending", 0)),
            unknown=int(p.get("unknown", 0)),
        )
        for p in summary.to_dict("records")
    ]
    overdue = sum(r.state == "overdue" for r in rows)
    window = f", or due within {within}" if within else ""
    who = f" of {ca}" if ca else ""
    heading = (
        f"{len(rows)} open judged bugs{who} as of {_stamp(as_of)} UTC "
        f"({overdue} overdue{window}), worst first"
    )
    return DuePage(
        heading=heading,
        as_of=as_of,
        as_of_text=_stamp(as_of),
        within=within,
        ca=ca,
        bugs=rows,
        deadlines=open_deadlines,
        overdue=overdue,
        history_known=history_known,
        promises=promises,
        scorecard_month=month,
        month={"as_of": as_of},
    )


def _waiting_items(waiting: pd.DataFrame | None) -> dict[int, list[WaitingItem]]:
    """Per bug, its items in the table's order, shaped for the pages (bug text cleaned)."""
    out: dict[int, list[WaitingItem]] = {}
    if waiting is None:
        return out
    for item in waiting.to_dict("records"):
        count, raised, weeks = item["count"], item["reraised_count"], item["weeks_missed"]
        out.setdefault(int(item["bug_id"]), []).append(
            WaitingItem(
                item=str(item["item"]),
                state=str(item["state"]),
                rule=_text(item["rule"]),
                irg_version=clean_text(_text(item["irg_version"]), limit=10),
                clause=_text(item["clause"]),
                source=_text(item["source"]),
                due=_time(item["due"]),
                due_text=_stamp(item["due"]),
                overdue_hours=round(float(item["overdue_hours"]), 2),
                span=_span(item["state"], item["overdue_hours"], 0.0)
                if item["state"] == "overdue"
                else "",
                count=None if pd.isna(count) else int(count),
                link=trusted_link(item["link"]),
                quote=clean_text(_text(item["quote"]), limit=300),
                who=clean_text(_text(item["who"]), limit=120),
                asked_at=_time(item["asked_at"]),
                age=f"{human_hours(float(item['age_hours']))} ago",
                weeks_missed=None if pd.isna(weeks) else int(weeks),
                basis=_text(item["basis"]),
                reraised_count=None if pd.isna(raised) else int(raised),
                in_reminder=bool(item["in_reminder"]),
                caveat=clean_text(_text(item["caveat"]), limit=300) or None,
            )
        )
    return out


def _promise_lines(page: DuePage) -> list[str]:
    return [
        f"{p.ca}: {p.kept} kept, {p.broken} broken, {p.pending} pending"
        + (f", {p.unknown} unknown (no text in the store)" if p.unknown else "")
        for p in page.promises
    ]


def _worst_text(row: DueBugRow) -> str:
    if row.state == "none":
        return "nothing open"
    return f"{row.rule} {row.span}" if row.state == "overdue" else f"next {row.rule}, {row.span}"


def to_text(page: DuePage) -> str:
    header = (
        "CA", "BUG", "MOST OVERDUE / NEXT DUE", "DUE (UTC)", "MISSED UPD", "LAST CA UPDATE",
        "NEXT UPDATE (SET BY)", "NI", "ASSIGNEE", "EVIDENCE",
    )  # fmt: skip
    lines = [
        (
            clean_text(r.ca, limit=24),
            str(r.bug_id),
            _worst_text(r),
            r.due_text,
            str(r.missed_updates),
            r.last_ca_update_text or "none",
            r.next_update_text,
            "?" if r.open_needinfos is None else str(r.open_needinfos),
            clean_text(r.assignee, limit=30),
            r.evidence_start or r.bug_url,
        )
        for r in page.bugs
    ]
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(header)]
    out = [page.heading]
    for line in [header, *lines]:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    caveats = [f"  {r.bug_id}: {r.caveat}" for r in page.bugs if r.caveat]
    if caveats:
        out += ["", "Caveats:", *caveats]
    promises = _promise_lines(page)
    if promises:
        out += ["", "Promises kept / broken per CA:"]
        out += [f"  {clean_text(line)}" for line in promises]
    return "\n".join(out) + "\n"


def to_json(page: DuePage) -> str:
    def clean(value):
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    bug_keys = [k for k in BUG_COLUMNS if k not in ("open_obligations",)]

    def bug(row: DueBugRow) -> dict:
        out = {k: clean(getattr(row, k)) for k in bug_keys}
        out["waiting"] = [
            {k: clean(v) for k, v in values(item).items() if k not in ("due_text", "span", "age")}
            | {"age_hours": _age_hours(item, page.as_of)}
            for item in row.waiting
        ]
        out["reminder"] = row.reminder or None
        return out

    payload = {
        "as_of": clean(page.as_of),
        "within": page.within,
        "ca": page.ca,
        "bugs": [bug(r) for r in page.bugs],
        "deadlines": [{k: clean(getattr(r, k)) for k in COLUMNS} for r in page.deadlines],
        "promises": [{k: clean(v) for k, v in values(p).items()} for p in page.promises],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def _age_hours(item: WaitingItem, as_of: pd.Timestamp) -> float | None:
    if item.asked_at is None:
        return None
    return round((as_of - item.asked_at) / pd.Timedelta(hours=1), 2)


def to_reminders(page: DuePage) -> str:
    """``analyzer due --remind``: per bug that owes anything, its draft under a header line."""
    blocks = [
        f"== Bug {r.bug_id} ({r.ca}) {r.bug_url}\n{r.reminder}" for r in page.bugs if r.reminder
    ]
    if not blocks:
        return f"No open judged bug owes anything as of {page.as_of_text} UTC.\n"
    return "\n\n".join(blocks) + "\n"


def to_markdown(page: DuePage) -> str:
    from analyzer.report.render import markdown_environment

    text = markdown_environment().get_template("due.md").render(values(page))
    return text.rstrip("\n") + "\n"


def to_html(page: DuePage) -> str:
    """The page beside the scorecards: each CA links to its scorecard of the last whole month,
    named by the scorecards' own slug function (``../YYYY-MM/<slug>.html``)."""
    from analyzer.report.layout import due_groups
    from analyzer.report.render import html_environment

    groups, notes = due_groups(page)
    context = {**values(page), "groups": groups, "notes": notes}
    return html_environment().get_template("due.html").render(context)


FORMATS = {"table": to_text, "json": to_json, "md": to_markdown, "html": to_html}
