"""``analyzer due`` output: a terminal table, JSON, Markdown for email, an HTML page.

HTML and Markdown go through the scorecards' Jinja2 environments (autoescape, Markdown
escaping), so bug text stays inert and the page looks like the scorecards beside it.
"""

from __future__ import annotations

import json
import math

import pandas as pd

from analyzer.ahead.due import COLUMNS, human_hours
from analyzer.report.labels import NO_CA
from analyzer.report.safety import clean_text


def _stamp(value: pd.Timestamp) -> str:
    return f"{value:%Y-%m-%d %H:%M}"


def _span(row) -> str:
    if row.state == "overdue":
        return f"{human_hours(row.overdue_hours)} overdue"
    return f"{human_hours(row.left_hours)} left"


def scorecard_month(as_of: pd.Timestamp) -> str:
    """The last whole month before ``as_of``: the newest scorecard that can exist."""
    return (as_of.tz_convert("UTC").replace(day=1) - pd.Timedelta(days=1)).strftime("%Y-%m")


def context(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    as_of: pd.Timestamp,
    within: str | None,
    ca: str | None,
) -> dict:
    """What every format shows: the header facts, the deadline rows, promises per CA."""
    rows = []
    for row in table.itertuples(index=False):
        caveat = row.caveat if isinstance(row.caveat, str) and row.caveat else None
        rows.append(
            {
                "ca": clean_text(row.ca) or NO_CA,
                "ca_name": row.ca,
                "bug_id": int(row.bug_id),
                "summary": clean_text(row.summary),
                "rule": row.rule,
                "irg_version": row.irg_version,
                "due": row.due,
                "due_text": _stamp(row.due),
                "state": row.state,
                "span": _span(row),
                "overdue_hours": round(float(row.overdue_hours), 2),
                "left_hours": round(float(row.left_hours), 2),
                "evidence_start": row.evidence_start,
                "bug_url": row.bug_url,
                "caveat": caveat,
            }
        )
    return {
        "as_of": as_of,
        "as_of_text": _stamp(as_of),
        "within": within,
        "ca": ca,
        "rows": rows,
        "overdue": sum(r["state"] == "overdue" for r in rows),
        "promises": summary.to_dict("records"),
        "scorecard_month": scorecard_month(as_of),
        "month": {"as_of": as_of},
    }


def _heading(ctx: dict) -> str:
    window = f", due within {ctx['within']}" if ctx["within"] else ""
    who = f" for {ctx['ca']}" if ctx["ca"] else ""
    return (
        f"{len(ctx['rows'])} open deadlines{who} as of {ctx['as_of_text']} UTC "
        f"({ctx['overdue']} overdue{window})"
    )


def _promise_lines(ctx: dict) -> list[str]:
    return [
        f"{p['ca']}: {p['kept']} kept, {p['broken']} broken, {p['pending']} pending"
        + (f", {p['unknown']} unknown (no text in the store)" if p.get("unknown") else "")
        for p in ctx["promises"]
    ]


def to_text(ctx: dict) -> str:
    header = ("STATE", "DUE (UTC)", "OVERDUE / LEFT", "CA", "BUG", "RULE", "EVIDENCE", "CAVEAT")
    lines = [
        (
            r["state"],
            r["due_text"],
            r["span"],
            clean_text(r["ca"], limit=30),
            str(r["bug_id"]),
            r["rule"],
            r["evidence_start"] or "",
            r["caveat"] or "",
        )
        for r in ctx["rows"]
    ]
    widths = [max([len(h), *(len(line[i]) for line in lines)]) for i, h in enumerate(header)]
    out = [_heading(ctx)]
    for line in [header, *lines]:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
    promises = _promise_lines(ctx)
    if promises:
        out += ["", "Promises kept / broken per CA:"]
        out += [f"  {clean_text(line)}" for line in promises]
    return "\n".join(out) + "\n"


def to_json(ctx: dict) -> str:
    def clean(value):
        if isinstance(value, pd.Timestamp):
            return value.strftime("%Y-%m-%dT%H:%M:%SZ")
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    payload = {
        "as_of": clean(ctx["as_of"]),
        "within": ctx["within"],
        "ca": ctx["ca"],
        "deadlines": [{k: clean(r[k]) for k in COLUMNS} for r in ctx["rows"]],
        "promises": [{k: clean(v) for k, v in p.items()} for p in ctx["promises"]],
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"


def to_markdown(ctx: dict) -> str:
    from analyzer.report.render import markdown_environment

    env = markdown_environment()
    return env.get_template("due.md").render(heading=_heading(ctx), **ctx)


def to_html(ctx: dict) -> str:
    """The page beside the scorecards: each CA links to its scorecard of the last whole month,
    named by the scorecards' own slug function (``../YYYY-MM/<slug>.html``)."""
    from analyzer.report.render import html_environment
    from analyzer.report.safety import slugify

    slugs: dict[str, str] = {}
    rows = []
    for row in ctx["rows"]:
        name = row["ca_name"]
        if name not in slugs:
            slugs[name] = slugify(name or "no-ca", set())
        rows.append({**row, "scorecard": f"../{ctx['scorecard_month']}/{slugs[name]}.html"})
    env = html_environment()
    return env.get_template("due.html").render(heading=_heading(ctx), **{**ctx, "rows": rows})


FORMATS = {"table": to_text, "json": to_json, "md": to_markdown, "html": to_html}
