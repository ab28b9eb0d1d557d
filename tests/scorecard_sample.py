"""A small hand-made corpus by the docs/tables.md contract, with one hostile bug.

For tests, and for trying a template override without a store: ``sample_tables()`` gives
:class:`analyzer.report.context.ScorecardTables` for February 2026. The hostile bug carries
script tags, event handler attributes, ``javascript:`` links and odd Unicode (RTL override,
zero-width characters) in its summary, its CA name, its comments, its accounts, and the
promise and report sections read from its comments.
"""

from __future__ import annotations

import pandas as pd

from analyzer.ahead.completeness import COLUMNS as REPORT_COLUMNS
from analyzer.ahead.promises import COLUMNS as PROMISE_COLUMNS
from analyzer.metrics.frames import DEADLINE_COLUMNS
from analyzer.metrics.months import (
    MonthTables,
    MonthView,
    empty_needinfos,
    longest_silences,
    open_needinfos,
    silence_frame,
    totals_of,
    with_rank,
)
from analyzer.metrics.rulebook import RULES
from analyzer.months import Month
from analyzer.report.context import ScorecardTables

HOSTILE = (
    '<script>document.title="PWNED";document.body.dataset.pwned="1"</script>'
    "<img src=x onerror=\"document.title='PWNED';document.body.dataset.pwned='1'\">"
    '<a href="javascript:document.body.dataset.pwned=1">click</a>'
    "\u202eevil\u202c zero\u200bwidth\ufeff"
)
HOSTILE_CA = '<svg onload="document.body.dataset.pwned=1">Evil\u202eAC</svg>'


def _t(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# bug_id, ca, summary, opened, closed
_BUGS = [
    (1001, "Alpha CA", "Alpha CA: OCSP responses signed with SHA-1", "2025-12-20T10:00:00Z", None),
    (1002, "Alpha CA", "Alpha CA: CRL not updated", "2026-02-03T09:00:00Z", "2026-02-25T12:00:00Z"),
    (1003, "Alpha CA", "Alpha CA: old closed bug", "2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z"),
    (2001, "Beta Trust", "Beta Trust: delayed revocation", "2026-01-10T08:00:00Z", None),
    (2002, "Beta Trust", "Beta Trust: filed after the month", "2026-03-02T08:00:00Z", None),
    (2003, "Beta Trust", "[meta] Beta Trust: tracking bug", "2026-01-05T08:00:00Z", None),
    (3001, HOSTILE_CA, HOSTILE_CA + ": " + HOSTILE, "2026-02-10T12:00:00Z", None),
]

# bug_id, count, author, time, is_ca_update, text
_COMMENTS = [
    (1001, 0, "reporter@example.org", "2025-12-20T10:00:00Z", False, "Found SHA-1."),
    (1001, 1, "pki@alpha.example", "2025-12-21T10:00:00Z", True, "Preliminary report."),
    (1001, 2, "pki@alpha.example", "2026-02-02T10:00:00Z", True, "Update."),
    (1001, 3, "pki@alpha.example", "2026-02-20T10:00:00Z", True, "Update."),
    (1002, 0, "pki@alpha.example", "2026-02-03T09:00:00Z", True, "Full report."),
    (1002, 1, "pki@alpha.example", "2026-02-25T12:00:00Z", True, "Closing."),
    (2001, 0, "reporter@example.org", "2026-01-10T08:00:00Z", False, "Late revocation."),
    (2001, 1, "ops@beta.example", "2026-01-14T08:00:00Z", True, "Looking."),
    (2001, 2, "ops@beta.example", "2026-03-05T08:00:00Z", True, "Update after the month."),
    (3001, 0, "<b>x</b>@evil.example", "2026-02-10T12:00:00Z", False, HOSTILE),
    (3001, 1, HOSTILE, "2026-02-11T12:00:00Z", True, HOSTILE),
]

# bug_id, rule, start, due, met_at, evidence_start count, evidence_met count
_DEADLINES = [
    (1001, "update_cadence", "2026-01-20 10:00", "2026-01-27 23:59:59", None, 1, None),
    (1001, "update_cadence", "2026-02-02 10:00", "2026-02-09 23:59:59", "2026-02-20 10:00", 2, 3),
    (1001, "update_cadence", "2026-02-20 10:00", "2026-02-27 23:59:59", None, 3, None),
    (1002, "first_response", "2026-02-03 09:00", "2026-02-06 09:00", "2026-02-03 09:00", 0, 0),
    (1002, "full_report", "2026-02-03 09:00", "2026-02-17 23:59:59", "2026-02-03 09:00", 0, 0),
    (2001, "full_report", "2026-01-10 08:00", "2026-01-24 23:59:59", None, 0, None),
    (2001, "update_cadence", "2026-01-14 08:00", "2026-01-21 23:59:59", "2026-03-05 08:00", 1, 2),
    (2001, "first_response", "2026-01-10 08:00", "2026-01-13 08:00", "2026-01-14 08:00", 0, 1),
    (3001, "first_response", "2026-02-10 12:00", "2026-02-13 12:00", "2026-02-11 12:00", 0, 1),
    (3001, "full_report", "2026-02-10 12:00", "2026-02-24 23:59:59", None, 0, None),
    (3001, "update_cadence", "2026-02-11 12:00", "2026-02-18 23:59:59", None, 1, None),
]  # fmt: skip


def _url(bug_id: int, count: int | None) -> str | None:
    if count is None:
        return None
    return f"https://bugzilla.mozilla.org/show_bug.cgi?id={bug_id}#c{count}"


def sample_bugs() -> pd.DataFrame:
    rows = []
    for bug_id, ca, summary, opened, closed in _BUGS:
        rows.append(
            {
                "bug_id": bug_id,
                "summary": summary,
                "ca": ca,
                "ca_known": ca in ("Alpha CA", "Beta Trust"),
                "status": "RESOLVED" if closed else "ASSIGNED",
                "resolution": "FIXED" if closed else "",
                "opened": _t(opened),
                "closed": _t(closed) if closed else pd.NaT,
                "closed_estimated": False,
                "url": f"https://bugzilla.mozilla.org/show_bug.cgi?id={bug_id}",
            }
        )
    frame = pd.DataFrame(rows)
    frame["closed"] = pd.to_datetime(frame["closed"], utc=True)
    return frame


def sample_comments() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "bug_id": bug_id,
                "count": count,
                "author": author,
                "time": _t(time),
                "is_private": False,
                "text": text,
                "role": "ca" if is_ca else "community",
                "is_ca_update": is_ca,
                "url": _url(bug_id, count),
            }
            for bug_id, count, author, time, is_ca, text in _COMMENTS
        ]
    )


def sample_needinfos() -> pd.DataFrame:
    """Two needinfos to Alpha CA: one answered in February, one still open at its end."""
    frame = pd.DataFrame(
        [
            {
                "bug_id": 1001,
                "seq": 0,
                "requestee": "pki@alpha.example",
                "requestee_role": "ca",
                "to_ca": True,
                "setter": "rootprogram@mozilla.com",
                "set_at": _t("2026-02-01T10:00:00Z"),
                "set_url": "https://bugzilla.mozilla.org/show_activity.cgi?id=1001",
                "cleared_at": _t("2026-02-02T10:00:00Z"),
                "cleared_by": "pki@alpha.example",
                "cleared_how": "cleared",
                "answered_at": _t("2026-02-02T10:00:00Z"),
                "answered_count": 2,
                "answered_url": _url(1001, 2),
                "open": False,
            },
            {
                "bug_id": 3001,
                "seq": 0,
                "requestee": HOSTILE,
                "requestee_role": "ca",
                "to_ca": True,
                "setter": "rootprogram@mozilla.com",
                "set_at": _t("2026-02-12T10:00:00Z"),
                "set_url": "javascript:alert(1)",
                "cleared_at": pd.NaT,
                "cleared_by": None,
                "cleared_how": "open",
                "answered_at": pd.NaT,
                "answered_count": pd.NA,
                "answered_url": None,
                "open": True,
            },
        ]
    )
    for column in ("cleared_at", "answered_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def sample_deadlines(as_of: pd.Timestamp) -> pd.DataFrame:
    """The deadlines as a metrics run ``as_of`` would judge them: nothing later is known."""
    ca_of = {bug_id: ca for bug_id, ca, *_ in _BUGS}
    rows = []
    for bug_id, rule, start, due, met_at, ev_start, ev_met in _DEADLINES:
        start, due = _t(start), _t(due)
        if start > as_of:
            continue
        met = _t(met_at) if met_at and _t(met_at) <= as_of else None
        if met is not None:
            outcome = "met" if met <= due else "missed"
            overdue = max(0.0, (met - due).total_seconds() / 3600)
        else:
            outcome = "missed" if as_of > due else "pending"
            overdue = max(0.0, (as_of - due).total_seconds() / 3600)
        rows.append(
            {
                "bug_id": bug_id,
                "ca": ca_of[bug_id],
                "rule": rule,
                "irg_version": "3.1",
                "start": start,
                "due": due,
                "met_at": met if met is not None else pd.NaT,
                "outcome": outcome,
                "overdue_hours": overdue,
                "evidence_start": _url(bug_id, ev_start),
                "evidence_met": _url(bug_id, ev_met) if met is not None else None,
                "basis": {"first_response": "72h", "full_report": "14d"}.get(rule, "7d"),
                # the hostile bug's unmet report rests on a caveat, shown as text on its page
                "caveat": "CA comment text missing: a report may be unseen"
                if (bug_id, rule) == (3001, "full_report")
                else "",
            }
        )
    frame = pd.DataFrame(rows, columns=DEADLINE_COLUMNS)
    for column in ("start", "due", "met_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    frame["overdue_hours"] = frame["overdue_hours"].astype(float)
    return frame


def promise_rows(*rows: dict) -> pd.DataFrame:
    """Rows of ``analyzer.ahead.promises_table`` (missing columns left empty)."""
    return pd.DataFrame(list(rows)).reindex(columns=PROMISE_COLUMNS)


def report_rows(*rows: dict) -> pd.DataFrame:
    """Rows of ``analyzer.ahead.report_completeness`` (missing columns left empty)."""
    frame = pd.DataFrame(list(rows)).reindex(columns=REPORT_COLUMNS)
    frame["text_complete"] = True
    return frame


def sample_promises() -> pd.DataFrame:
    """A kept promise for Alpha CA, and the hostile bug's text as a promise with bad links."""
    return promise_rows(
        {"bug_id": 1001, "ca": "Alpha CA", "url": _url(1001, 2),
         "text": "We will update by Feb 20.", "promised": _t("2026-02-20T00:00:00Z"),
         "status": "kept", "evidence_url": _url(1001, 3)},
        {"bug_id": 3001, "ca": HOSTILE_CA, "url": "javascript:alert(1)", "text": HOSTILE,
         "promised": _t("2026-02-15T00:00:00Z"), "status": "broken",
         "evidence_url": "javascript:document.body.dataset.pwned=1"},
    )  # fmt: skip


def sample_reports() -> pd.DataFrame:
    """A report missing a section for Alpha CA, and the hostile bug's text as a report."""
    return report_rows(
        {"bug_id": 1002, "ca": "Alpha CA", "url": _url(1002, 0),
         "posted": _t("2026-02-03T09:00:00Z"), "kind": "full", "template": "3.1",
         "missing": ["Lessons Learned"], "stale_template": False},
        {"bug_id": 3001, "ca": HOSTILE_CA, "url": _url(3001, 1),
         "posted": _t("2026-02-11T12:00:00Z"), "kind": HOSTILE, "template": HOSTILE,
         "missing": [HOSTILE], "stale_template": True},
        {"bug_id": 1003, "ca": "Alpha CA", "url": _url(1003, 0),
         "posted": _t("2024-01-02T00:00:00Z"), "kind": "full", "template": "2.0",
         "missing": [], "stale_template": False},  # another month: not on February's page
    )  # fmt: skip


# ca, month, bugs_open, open_days, breach_days, breach_days_caveated, overdue_at_end
_CA_MONTHS = [
    ("Alpha CA", "2026-01", 1, 31.0, 0.0, 0.0, 0),
    ("Beta Trust", "2026-01", 1, 22.0, 8.0, 0.0, 1),
    ("Alpha CA", "2026-02", 2, 50.0, 10.0, 0.0, 1),
    ("Beta Trust", "2026-02", 1, 28.0, 28.0, 28.0, 2),
    (HOSTILE_CA, "2026-02", 1, 18.5, 5.0, 0.0, 1),
]
EXCLUDED = {2003: "meta bug"}


def sample_ca_months() -> dict[str, pd.DataFrame]:
    """The ``ca_months`` bug-time of each month, as the metrics stage would give it."""
    frame = pd.DataFrame(
        _CA_MONTHS,
        columns=["ca", "month", "bugs_open", "open_days", "breach_days",
                 "breach_days_caveated", "overdue_at_end"],
    )  # fmt: skip
    frame["compliance"] = 1 - frame["breach_days"] / frame["open_days"]
    return {label: rows for label, rows in frame.groupby("month")}


def view_of(
    month: Month, deadlines: pd.DataFrame, bugs: pd.DataFrame, bug_time: pd.DataFrame | None
) -> MonthView:
    """A month's view from tables as known at its end (the next month's first second), as
    :mod:`analyzer.metrics.months` makes it from threads: the rows that count in it, those
    pending, earlier misses unmet on a bug still open; its bugs; its ``ca_months`` rows."""
    t = month.next_start
    opened = deadlines["bug_id"].map(bugs.set_index("bug_id")["opened"])
    counted = deadlines["due"].where(deadlines["due"] > opened, opened)
    known = bugs[bugs["opened"] <= t].assign(closed=bugs["closed"].where(bugs["closed"] <= t))
    open_at_end = deadlines["bug_id"].isin(known.loc[known["closed"].isna(), "bug_id"])
    in_month = (counted >= month.start) & (deadlines["due"] <= t)
    in_month &= deadlines["outcome"].ne("pending")
    carried = deadlines["outcome"].eq("missed") & deadlines["met_at"].isna() & open_at_end
    shown = in_month | deadlines["outcome"].eq("pending") | carried
    rows = deadlines[shown].assign(in_month=in_month[shown]).reset_index(drop=True)
    during = known[known["closed"].isna() | (known["closed"] >= month.start)]
    month_bugs = during.assign(
        excluded=during["bug_id"].map(lambda bug: EXCLUDED.get(bug, "")).astype("str")
    )[["bug_id", "ca", "opened", "closed", "closed_estimated", "excluded"]]
    counts = {}
    decided = rows[rows["in_month"]]
    for rule in RULES:
        mine = decided[decided["rule"] == rule].groupby("ca")["outcome"]
        for what in ("met", "missed"):
            counts[f"{rule}_{what}"] = mine.apply(lambda o, w=what: int((o == w).sum()))
        counts[f"{rule}_due"] = mine.size()
    columns = ["ca", "month", "bugs_open", "open_days", "breach_days",
               "breach_days_caveated", "overdue_at_end", "compliance"]  # fmt: skip
    time = bug_time if bug_time is not None else pd.DataFrame(columns=columns)
    time = time.astype({"open_days": "float64", "breach_days": "float64"}).set_index("ca")
    for name, per_ca in counts.items():
        time[name] = per_ca.reindex(time.index).astype("float64").fillna(0).astype("int64")
    return MonthView(month, t, rows, month_bugs.reset_index(drop=True),
                     with_rank(time.reset_index()))  # fmt: skip


def sample_months(month: Month, history_known: bool = True) -> MonthTables:
    """Twelve months up to ``month``, each as known at its end, from the hand-made tables."""
    bugs, comments = sample_bugs(), sample_comments()
    bug_time = sample_ca_months()
    views = {
        m: view_of(m, sample_deadlines(m.next_start), bugs, bug_time.get(m.label))
        for m in month.last_twelve()
    }
    silences = []
    needinfos = []
    for m, view in views.items():
        t = int(m.next_start.timestamp())
        judged = view.bugs[view.bugs["excluded"].eq("")]
        updates = comments[comments["is_ca_update"] & (comments["time"] <= m.next_start)]
        found = longest_silences(
            [
                (bug.bug_id, bug.ca, int(bug.opened.timestamp()),
                 None if pd.isna(bug.closed) else int(bug.closed.timestamp()),
                 [(int(u.time.timestamp()), int(u.count))
                  for u in updates[updates["bug_id"] == bug.bug_id].itertuples()])
                for bug in judged.itertuples()
            ],
            int(m.start.timestamp()),
            t,
        )  # fmt: skip
        silences += [(ca, m.label, *found[ca]) for ca in sorted(found)]
        if history_known:
            needinfos.append(open_needinfos(sample_needinfos(), view, m.next_start))
    ca_months = pd.concat([v.ca_months for v in views.values()], ignore_index=True)
    return MonthTables(
        as_of=month.next_start,
        views=views,
        ca_months=ca_months,
        totals=totals_of(ca_months, [(m, v.as_of) for m, v in views.items()]),
        silences=silence_frame(silences),
        needinfos=pd.concat(needinfos, ignore_index=True) if needinfos else empty_needinfos(),
    )


def sample_tables(month: Month | None = None, history_known: bool = True) -> ScorecardTables:
    month = month or Month(2026, 2)
    return ScorecardTables(
        bugs=sample_bugs(),
        months=sample_months(month, history_known),
        history_known=history_known,
        promises=sample_promises(),
        reports=sample_reports(),
    )
