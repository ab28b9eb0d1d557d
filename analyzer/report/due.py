"""The due page's context and its four formats: a terminal table, JSON, Markdown for email,
an HTML page beside the scorecards.

HTML and Markdown go through the scorecards' Jinja2 environments (autoescape, Markdown
escaping), so bug text stays inert and the page looks like the scorecards beside it. The rows
come from :func:`analyzer.ahead.due_table`; this module only shapes and renders them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pandas as pd

from analyzer.ahead.due import COLUMNS, human_hours
from analyzer.bmo import bug_url, trusted_link
from analyzer.months import Month
from analyzer.report.labels import NO_CA
from analyzer.report.pages import values
from analyzer.report.safety import clean_text, slugify


@dataclass
class DueRow:
    ca: str  # cleaned for display
    ca_name: str  # the bugs table's spelling (names the CA's scorecard)
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
    scorecard: str  # ../YYYY-MM/<slug>.html: the CA's latest whole-month scorecard


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
    rows: list[DueRow]
    overdue: int
    promises: list[PromiseCount]
    scorecard_month: str
    month: dict  # {"as_of"}: what the shared page footer reads


def _stamp(value: pd.Timestamp) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def _span(row) -> str:
    if row.state == "overdue":
        return f"{human_hours(row.overdue_hours)} overdue"
    return f"{human_hours(row.left_hours)} left"


def scorecard_month(as_of: pd.Timestamp) -> str:
    """The last whole month before ``as_of``: the newest scorecard that can exist."""
    return Month.last_complete_before(as_of).label


def due_page(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    within: str | None,
    ca: str | None,
) -> DuePage:
    """What every format shows: the header facts, the deadline rows, promises per CA."""
    month = scorecard_month(as_of)
    slugs: dict[str, str] = {}
    rows = []
    for row in table.itertuples(index=False):
        name = "" if pd.isna(row.ca) else str(row.ca)
        if name not in slugs:
            slugs[name] = slugify(name or "no-ca", set())
        caveat = row.caveat if isinstance(row.caveat, str) and row.caveat else None
        rows.append(
            DueRow(
                ca=clean_text(name) or NO_CA,
                ca_name=name,
                bug_id=int(row.bug_id),
                summary=clean_text(row.summary),
                rule=row.rule,
                irg_version=row.irg_version,
                due=row.due,
                due_text=_stamp(row.due),
                state=row.state,
                span=_span(row),
                overdue_hours=round(float(row.overdue_hours), 2),
                left_hours=round(float(row.left_hours), 2),
                evidence_start=trusted_link(row.evidence_start),
                bug_url=bug_url(row.bug_id),
                caveat=caveat,
                scorecard=f"../{month}/{slugs[name]}.html",
            )
        )
    promises = [
        PromiseCount(
            ca=str(p["ca"]),
            kept=int(p.get("kept", 0)),
            broken=int(p.get("broken", 0)),
            pending=int(p.get("pending", 0)),
            unknown=int(p.get("unknown", 0)),
        )
        for p in summary.to_dict("records")
    ]
    overdue = sum(r.state == "overdue" for r in rows)
    window = f", due within {within}" if within else ""
    who = f" for {ca}" if ca else ""
    heading = (
        f"{len(rows)} open deadlines{who} as of {_stamp(as_of)} UTC ({overdue} overdue{window})"
    )
    return DuePage(
        heading=heading,
        as_of=as_of,
        as_of_text=_stamp(as_of),
        within=within,
        ca=ca,
        rows=rows,
        overdue=overdue,
        promises=promises,
        scorecard_month=month,
        month={"as_of": as_of},
    )


def _promise_lines(page: DuePage) -> list[str]:
    return [
        f"{p.ca}: {p.kept} kept, {p.broken} broken, {p.pending} pending"
        + (f", {p.unknown} unknown (no text in the store)" if p.unknown else "")
        for p in page.promises
    ]


def to_text(page: DuePage) -> str:
    header = ("STATE", "DUE (UTC)", "OVERDUE / LEFT", "CA", "BUG", "RULE", "EVIDENCE", "CAVEAT")
    lines = [
        (
            r.state,
            r.due_text,
            r.span,
            clean_text(r.ca, limit=30),
            str(r.bug_id),
            r.rule,
            r.evidence_start or "",
            r.caveat or "",
        )
        for r in page.rows
    ]
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(header)]
    out = [page.heading]
    for line in [header, *lines]:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
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

    payload = {
        "as_of": clean(page.as_of),
        "within": page.within,
        "ca": page.ca,
        "deadlines": [{k: clean(getattr(r, k)) for k in COLUMNS} for r in page.rows],
        "promises": [{k: clean(v) for k, v in values(p).items()} for p in page.promises],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_markdown(page: DuePage) -> str:
    from analyzer.report.render import markdown_environment

    return markdown_environment().get_template("due.md").render(values(page))


def to_html(page: DuePage) -> str:
    """The page beside the scorecards: each CA links to its scorecard of the last whole month,
    named by the scorecards' own slug function (``../YYYY-MM/<slug>.html``)."""
    from analyzer.report.render import html_environment

    return html_environment().get_template("due.html").render(values(page))


FORMATS = {"table": to_text, "json": to_json, "md": to_markdown, "html": to_html}
