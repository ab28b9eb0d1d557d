"""The scorecards' template context: a pure function of the tidy tables and one month.

Why pure: the context is the contract between the numbers and the pages (typed in
:mod:`analyzer.report.pages`, tested on its own in tests/test_report_context.py), and the same
tables give the same pages, so last year's scorecards can be regenerated and come out the same.
Only what was known at the end of the month is used: bugs opened by then, comments posted by
then, metrics computed ``as_of`` then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import median

import pandas as pd

from analyzer.bmo import bug_url, comment_url, trusted_link
from analyzer.metrics.rulebook import RULES
from analyzer.months import Month
from analyzer.report.labels import NO_CA, RULE_LABELS, RULE_SHORT
from analyzer.report.layout import bug_states, change, gap_starts, rank_in_order
from analyzer.report.pages import (
    BugLists,
    BugRow,
    Counts,
    DeadlineRow,
    ExcludedBug,
    Headline,
    IndexPage,
    IndexRow,
    Medians,
    MonthInfo,
    MonthScorecards,
    NeedinfoRow,
    Needinfos,
    Overall,
    PromiseRow,
    ReportRow,
    RuleLabel,
    RuleRate,
    ScorecardPage,
    Silence,
    TrendPoint,
)
from analyzer.report.safety import clean_text, slugs_for


@dataclass
class ScorecardTables:
    """What a month's scorecards are computed from (columns: docs/tables.md).

    ``deadlines`` maps a month label to the deadlines table as known at that month's end
    (``corpus.metrics(as_of=month.end).deadlines``): for the month itself every row, for each
    of the 11 before it the rows due in it (``corpus.month_views``).
    ``promises``: the promises due in the month, judged at its end (``ahead.promises_table``);
    ``reports``: report completeness (``ahead.report_completeness``); None when not computed.
    """

    bugs: pd.DataFrame
    comments: pd.DataFrame
    needinfos: pd.DataFrame
    deadlines: Mapping[str, pd.DataFrame]
    history_known: bool = True
    comment_text_note: str | None = None
    observed_at: pd.Timestamp | None = None
    promises: pd.DataFrame | None = None
    reports: pd.DataFrame | None = None
    # month label -> that month's ca_months rows, as known at its end (the headline and trend)
    ca_months: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    # bug_id -> why it is not judged, as of the month's end ("" or absent: judged)
    excluded: Mapping[int, str] = field(default_factory=dict)
    # a month's trend counts, shared by a site's months (each month is in 12 trends)
    memo: dict = field(default_factory=dict, repr=False, compare=False)


def build(tables: ScorecardTables, month: Month) -> MonthScorecards:
    """The context of every CA's page and of the index, for ``month``; ``cas`` is in index
    order (worst overall met rate first)."""
    end = month.end
    every_bug, not_judged = _judged_in(tables, month)
    bugs = every_bug[not_judged.eq("")]
    excluded = _excluded_by_ca(every_bug[not_judged.ne("")], not_judged[not_judged.ne("")])
    headlines, pooled, open_days = _headlines(tables.ca_months.get(month.label))
    # The columns the silences need, not the text: a full copy is ~0.9 GB at 50x the corpus.
    comments = tables.comments.loc[
        tables.comments["time"] <= end, ["bug_id", "count", "time", "is_ca_update"]
    ]
    deadlines = _deadlines_known_at(tables.deadlines.get(month.label), end)
    deadlines["gap_start"] = gap_starts(deadlines)  # layout: "Started" agrees with its link
    shown = deadlines[_shown(deadlines, bugs, month)].sort_values(
        ["due", "bug_id", "rule", "start"], kind="stable"
    )
    # one pass over each table, not one per CA: a site renders thousands of CA-months
    by_ca_deadlines: dict[str, list] = {}
    for row in shown.itertuples(index=False):
        by_ca_deadlines.setdefault(row.ca, []).append(row)
    by_ca_bugs: dict[str, list] = {}
    for row in bugs.itertuples(index=False):
        by_ca_bugs.setdefault(str(row.ca), []).append(row)
    counted = _counted(deadlines, month)
    medians = _medians(counted)
    trend = _trend(tables, month)
    headline_trend = _headline_trend(tables, month)
    until = month.end if tables.observed_at is None else min(month.end, tables.observed_at)
    silences = _silences(bugs, comments, month, until)
    needinfos = _open_needinfos(tables, bugs, month)
    limitations = _limitations(tables, bugs, month)
    promises = _by_ca(tables.promises, _promise)
    reports = _by_ca(_reports_in(tables.reports, month), _report)

    slugs = slugs_for(tables.bugs["ca"].fillna("").astype(str))
    cards = []
    for ca in sorted(by_ca_bugs):
        ca_bugs = by_ca_bugs[ca]
        card = ca_context(
            ca=str(ca),
            ca_bugs=ca_bugs,
            deadlines=by_ca_deadlines.get(ca, []),
            month=month,
            medians=medians,
            trend=trend.get(ca, {}),
            trend_medians=trend.get(None, {}),
            headline_trend=headline_trend.get(str(ca), {}),
            pooled_trend=headline_trend.get(None, {}),
            silence=silences.get(ca),
            needinfos=needinfos.get(ca, []),
            history_known=tables.history_known,
            limitations=limitations,
            slug=slugs[str(ca)],
        )
        card.headline = headlines.get(str(ca), _no_headline(pooled, len(headlines)))
        card.excluded = excluded.get(str(ca), [])
        card.promises = promises.get(str(ca), [])
        card.completeness = reports.get(str(ca), [])
        card.stalled = bug_states(card)
        cards.append(card)
    cards.sort(key=_worst_first)
    rank_in_order(cards)
    index = IndexPage(
        month=_month_info(month),
        limitations=limitations,
        history_known=tables.history_known,
        medians=medians,
        pooled=pooled,
        open_days=open_days,
        index=[_index_row(card) for card in cards],
        rule_labels=[RuleLabel(rule, RULE_LABELS[rule], RULE_SHORT[rule]) for rule in RULES],
    )
    return MonthScorecards(index=index, cas=cards)


# -- one CA ----------------------------------------------------------------------------------


def ca_context(
    *,
    ca: str,
    ca_bugs: list,
    deadlines: list,
    month: Month,
    medians: Medians,
    trend: Mapping[str, tuple[int, int]],
    trend_medians: Mapping[str, float | None],
    headline_trend: Mapping[str, tuple[float | None, float]],
    pooled_trend: Mapping[str, float | None],
    silence: Silence | None,
    needinfos: list[NeedinfoRow],
    history_known: bool,
    limitations: list[str],
    slug: str,
) -> ScorecardPage:
    """One CA's page: every number here is shown, and each links to the rows behind it."""
    name = clean_text(ca, limit=120) or NO_CA
    bug_rows = [_bug_row(row) for row in ca_bugs]
    opened = [b for b in bug_rows if b.opened >= month.start]
    closed = [b for b in bug_rows if b.closed is not None and b.closed >= month.start]
    open_at_end = [b for b in bug_rows if b.closed is None]
    listed, carried = _deadline_rows(deadlines, month, {b.bug_id for b in open_at_end})
    rules = []
    for rule in RULES:
        rows = [d for d in listed if d.rule == rule and d.counted]
        met = sum(d.outcome == "met" for d in rows)
        rules.append(
            RuleRate(
                rule=rule,
                label=RULE_LABELS.get(rule, rule),
                anchor=f"rule-{rule}",
                met=met,
                missed=len(rows) - met,
                due=len(rows),
                pending=sum(d.rule == rule and d.outcome == "pending" for d in listed),
                rate=_rate(met, len(rows)),
                median=medians.rules.get(rule),
            )
        )
    met_total = sum(r.met for r in rules)
    due_total = sum(r.due for r in rules)
    return ScorecardPage(
        ca=name,
        slug=slug,
        ca_known=any(bool(getattr(row, "ca_known", False)) for row in ca_bugs),
        month=_month_info(month),
        counts=Counts(
            open=len(bug_rows),
            opened=len(opened),
            closed=len(closed),
            open_at_end=len(open_at_end),
        ),
        bugs=BugLists(open=bug_rows, opened=opened, closed=closed),
        deadlines=listed,
        carried=carried,
        headline=_no_headline(None, 0),
        rules=rules,
        overall=Overall(
            met=met_total,
            missed=due_total - met_total,
            due=due_total,
            rate=_rate(met_total, due_total),
            median=medians.overall,
        ),
        silence=silence,
        needinfos=Needinfos(known=history_known, open=needinfos),
        trend=[
            TrendPoint(
                month=label,
                met=trend.get(label, (0, 0))[0],
                due=trend.get(label, (0, 0))[1],
                rate=_rate(*trend.get(label, (0, 0))),
                median=trend_medians.get(label),
                compliance=headline_trend.get(label, (None, 0.0))[0],
                open_days=headline_trend.get(label, (None, 0.0))[1],
                pooled=pooled_trend.get(label),
            )
            for label in (m.label for m in month.last_twelve())
        ],
        promises=[],
        completeness=[],
        excluded=[],
        limitations=limitations,
        history=f"../ca/{slug}.html",
        raw_ca=ca,
    )


def _bug_row(row) -> BugRow:
    closed = None if pd.isna(row.closed) else row.closed
    return BugRow(
        bug_id=int(row.bug_id),
        url=bug_url(row.bug_id),
        summary=clean_text(row.summary, limit=300),
        opened=row.opened,
        closed=closed,
        closed_estimated=bool(getattr(row, "closed_estimated", False)) and closed is not None,
    )


def _shown(deadlines: pd.DataFrame, bugs: pd.DataFrame, month: Month) -> pd.Series:
    """Rows a page lists (see :func:`_deadline_rows`), picked out before any per-row work."""
    due_in = (deadlines["due"] >= month.start) & (deadlines["due"] <= month.end)
    pending = deadlines["outcome"].eq("pending")
    open_at_end = bugs.loc[bugs["closed"].isna(), "bug_id"]
    unmet_before = (
        deadlines["outcome"].eq("missed")
        & deadlines["met_at"].isna()
        & (deadlines["due"] < month.start)
        & deadlines["bug_id"].isin(open_at_end)
    )
    return due_in | pending | unmet_before


def _deadline_rows(
    deadlines: list, month: Month, open_bugs: set[int]
) -> tuple[list[DeadlineRow], list[DeadlineRow]]:
    """Deadlines that fell due in the month or were pending at its end; and older ones
    still unmet at its end on a bug still open (shown, but not counted again)."""
    listed: list[DeadlineRow] = []
    carried: list[DeadlineRow] = []
    anchors: set[str] = set()
    for row in deadlines:  # rows of the deadlines table, in (due, bug, rule, start) order
        due_in_month = month.start <= row.due <= month.end
        pending = row.outcome == "pending"
        unmet_before = row.outcome == "missed" and pd.isna(row.met_at) and row.due < month.start
        if not (due_in_month or pending or (unmet_before and int(row.bug_id) in open_bugs)):
            continue
        anchor = f"d-{int(row.bug_id)}-{row.rule}-{int(row.start.timestamp())}"
        while anchor in anchors:  # two obligations started at once (needinfo to two accounts)
            anchor += "-b"
        anchors.add(anchor)
        item = DeadlineRow(
            anchor=anchor,
            bug_id=int(row.bug_id),
            bug_url=bug_url(row.bug_id),
            rule=str(row.rule),
            irg_version=clean_text(row.irg_version, limit=10),
            start=row.start,
            due=row.due,
            met_at=None if pd.isna(row.met_at) else row.met_at,
            outcome=str(row.outcome),
            overdue_hours=0.0 if pd.isna(row.overdue_hours) else float(row.overdue_hours),
            evidence_start=trusted_link(row.evidence_start),
            evidence_met=trusted_link(row.evidence_met),
            basis=clean_text(getattr(row, "basis", ""), limit=20),
            counted=due_in_month and row.outcome in ("met", "missed"),
            caveat=clean_text(getattr(row, "caveat", ""), limit=200),
            repeat=0 if pd.isna(getattr(row, "repeat", 0)) else int(getattr(row, "repeat", 0)),
            gap_start=getattr(row, "gap_start", row.start),
        )
        (listed if (due_in_month or pending) else carried).append(item)
    return listed, carried


def _by_ca(frame: pd.DataFrame | None, row_of) -> dict[str, list]:
    """One list of rows per CA, so a run over every CA goes through each table once."""
    if frame is None or frame.empty:
        return {}
    out: dict[str, list] = {}
    for row in frame.itertuples(index=False):
        out.setdefault("" if pd.isna(row.ca) else str(row.ca), []).append(row_of(row))
    return out


def _reports_in(reports: pd.DataFrame | None, month: Month) -> pd.DataFrame | None:
    """Reports posted in the month whose whole text the store holds (others cannot be read)."""
    if reports is None or reports.empty:
        return reports
    posted = (reports["posted"] >= month.start) & (reports["posted"] <= month.end)
    return reports[posted & reports["text_complete"].astype(bool)]


def _promise(row) -> PromiseRow:
    """A promise from the ahead stage, its text cleaned and its links rebuilt from numbers."""
    promised = row.promised
    return PromiseRow(
        bug_id=int(row.bug_id),
        url=trusted_link(row.url) or bug_url(row.bug_id),
        text=clean_text(row.text, limit=300),
        promised=None if promised is None or pd.isna(promised) else pd.Timestamp(promised),
        status=clean_text(row.status, limit=20),
        evidence_url=trusted_link(row.evidence_url),
    )


def _report(row) -> ReportRow:
    missing = row.missing if isinstance(row.missing, list | tuple) else list(row.missing or [])
    return ReportRow(
        bug_id=int(row.bug_id),
        bug_url=bug_url(row.bug_id),
        url=trusted_link(row.url),
        kind=clean_text(row.kind, limit=40),
        template=clean_text(row.template, limit=40),
        missing=[clean_text(name, limit=60) for name in missing],
        stale_template=bool(row.stale_template),
    )


def _headlines(ca_months: pd.DataFrame | None) -> tuple[dict[str, Headline], float | None, float]:
    """Per CA, the month's headline from its ca_months row; the pooled share of all CAs'
    bug-time in compliance; all CAs' bug-days. Ranked worst first (1 = least in compliance)."""
    if ca_months is None or ca_months.empty:
        return {}, None, 0.0
    rows = ca_months.assign(ca=ca_months["ca"].fillna("").astype(str))
    open_days = float(rows["open_days"].sum())
    pooled = 1 - float(rows["breach_days"].sum()) / open_days if open_days > 0 else None
    ranked = rows[rows["open_days"] > 0].sort_values(
        ["compliance", "overdue_at_end", "breach_days", "ca"],
        ascending=[True, False, False, True],
        kind="stable",
    )
    rank = {ca: position for position, ca in enumerate(ranked["ca"], start=1)}
    out = {}
    for row in rows.itertuples(index=False):
        compliance = None if pd.isna(row.compliance) else float(row.compliance)
        out[row.ca] = Headline(
            compliance=compliance,
            open_days=round(float(row.open_days), 1),
            breach_days=round(float(row.breach_days), 1),
            breach_days_caveated=round(float(row.breach_days_caveated or 0.0), 1),
            overdue_at_end=int(row.overdue_at_end),
            bugs_open=int(row.bugs_open),
            pooled=pooled,
            rank=rank.get(row.ca),
            ranked=len(rank),
        )
    return out, pooled, round(open_days, 1)


def _no_headline(pooled: float | None, ranked: int) -> Headline:
    return Headline(None, 0.0, 0.0, 0.0, 0, 0, pooled, None, ranked)


def _headline_trend(tables: ScorecardTables, month: Month) -> dict:
    """Per CA and month of the last twelve: (compliance, bug-days) as known at that month's
    end; key ``None`` holds each month's pooled share."""
    out: dict = {None: {}}
    for past in month.last_twelve():
        rows = tables.ca_months.get(past.label)
        if rows is None or rows.empty:
            continue
        for row in rows.itertuples(index=False):
            compliance = None if pd.isna(row.compliance) else float(row.compliance)
            key = "" if pd.isna(row.ca) else str(row.ca)
            out.setdefault(key, {})[past.label] = (compliance, round(float(row.open_days), 1))
        total = float(rows["open_days"].sum())
        out[None][past.label] = 1 - float(rows["breach_days"].sum()) / total if total else None
    return out


def _excluded_by_ca(bugs: pd.DataFrame, reasons: pd.Series) -> dict[str, list[ExcludedBug]]:
    out: dict[str, list[ExcludedBug]] = {}
    for row, reason in zip(bugs.itertuples(index=False), reasons, strict=True):
        out.setdefault(str(row.ca), []).append(
            ExcludedBug(
                bug_id=int(row.bug_id),
                url=bug_url(row.bug_id),
                summary=clean_text(row.summary, limit=300),
                reason=clean_text(reason, limit=80),
            )
        )
    return out


# -- across CAs ------------------------------------------------------------------------------


def cas_shown(tables: ScorecardTables, month: Month) -> set[str]:
    """The CAs :func:`build` gives a page (as the bugs table spells them): those with a
    judged bug open in the month."""
    every_bug, not_judged = _judged_in(tables, month)
    return set(every_bug.loc[not_judged.eq(""), "ca"])


def _judged_in(tables: ScorecardTables, month: Month) -> tuple[pd.DataFrame, pd.Series]:
    """The bugs open in the month, and why each is not judged ("" when it is)."""
    every_bug = _bugs_known_at(tables.bugs, month)
    not_judged = every_bug["bug_id"].map(lambda bug: tables.excluded.get(int(bug), "") or "")
    return every_bug, not_judged


def _bugs_known_at(bugs: pd.DataFrame, month: Month) -> pd.DataFrame:
    """Bugs open at any time in the month, with ``closed`` as known at its end."""
    known = bugs[bugs["opened"] <= month.end].copy()
    known["closed"] = known["closed"].where(known["closed"] <= month.end)
    if "closed_estimated" in known:
        known["closed_estimated"] = known["closed_estimated"].fillna(False).astype(bool)
    known["ca"] = known["ca"].fillna("").astype(str)
    was_open = known["closed"].isna() | (known["closed"] >= month.start)
    return known[was_open].sort_values("bug_id", kind="stable")


def _deadlines_known_at(deadlines: pd.DataFrame | None, end: pd.Timestamp) -> pd.DataFrame:
    if deadlines is None:
        raise KeyError("no deadlines table for this month")
    known = deadlines[deadlines["start"] <= end].copy()
    known["ca"] = known["ca"].fillna("").astype(str)
    # Due at the month's very last second and unmet: pending at ``as_of``, missed a second later.
    # Counting it as missed keeps it from falling between two months' scorecards.
    ended = known["outcome"].eq("pending") & (known["due"] <= end)
    known.loc[ended, "outcome"] = "missed"
    return known


def _counted(deadlines: pd.DataFrame, month: Month) -> pd.DataFrame:
    """Deadlines that count in the month's rates: due in the month, and decided (met/missed)."""
    due_in = (deadlines["due"] >= month.start) & (deadlines["due"] <= month.end)
    return deadlines[due_in & deadlines["outcome"].isin(["met", "missed"])]


def _rates_by_ca(counted: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    grouped = counted.assign(is_met=counted["outcome"].eq("met")).groupby(by)["is_met"]
    return pd.DataFrame({"met": grouped.sum(), "due": grouped.size()})


def _medians(counted: pd.DataFrame) -> Medians:
    """Per rule and overall: the median met rate of all CAs that had such deadlines due."""
    rules: dict[str, float | None] = {}
    per_rule = _rates_by_ca(counted, ["rule", "ca"])
    for rule in RULES:
        if rule in per_rule.index.get_level_values(0):
            part = per_rule.loc[rule]
            rules[rule] = float(median(part["met"] / part["due"]))
        else:
            rules[rule] = None
    overall = _rates_by_ca(counted, ["ca"])
    overall_median = float(median(overall["met"] / overall["due"])) if len(overall) else None
    return Medians(rules=rules, overall=overall_median)


def _trend(tables: ScorecardTables, month: Month) -> dict:
    """Per CA and month of the last twelve: (met, due) as known at that month's end.

    Key ``None`` holds each month's median rate across CAs.
    """
    out: dict = {None: {}}
    for past in month.last_twelve():
        deadlines = tables.deadlines.get(past.label)
        if deadlines is None:
            continue
        key = ("trend", past.label, id(deadlines))
        if key not in tables.memo:
            counted = _counted(_deadlines_known_at(deadlines, past.end), past)
            tables.memo[key] = (deadlines, _rates_by_ca(counted, ["ca"]))
        rates = tables.memo[key][1]
        for ca, met, due in zip(rates.index, rates["met"], rates["due"], strict=True):
            out.setdefault(ca, {})[past.label] = (int(met), int(due))
        out[None][past.label] = float(median(rates["met"] / rates["due"])) if len(rates) else None
    return out


def _silences(
    bugs: pd.DataFrame, comments: pd.DataFrame, month: Month, until: pd.Timestamp
) -> dict[str, Silence]:
    """Per CA, the longest gap between CA updates overlapping the month on an open bug.

    A gap starts at the bug's creation or a CA update and ends at the next CA update, the
    bug's close, or the month's end (still silent then).
    """
    if bugs.empty:
        return {}
    updates = comments[comments["is_ca_update"].fillna(False).astype(bool)]
    updates = updates[updates["bug_id"].isin(bugs["bug_id"])]
    starts = pd.concat(
        [
            pd.DataFrame(
                {
                    "bug_id": bugs["bug_id"].to_numpy(),
                    "time": bugs["opened"].to_numpy(),
                    "count": -1,
                }
            ),
            pd.DataFrame(
                {
                    "bug_id": updates["bug_id"].to_numpy(),
                    "time": updates["time"].to_numpy(),
                    "count": updates["count"].to_numpy(),
                }
            ),
        ],
        ignore_index=True,
    ).sort_values(["bug_id", "time", "count"], kind="stable")
    grouped = starts.groupby("bug_id", sort=False)
    starts["end"] = grouped["time"].shift(-1)
    starts["end_count"] = grouped["count"].shift(-1)
    # a silence still running ends at the month's end, or where the data ends if earlier
    stop = bugs.set_index("bug_id")["closed"].fillna(until)
    last = starts["end"].isna()
    starts.loc[last, "end"] = starts.loc[last, "bug_id"].map(stop).to_numpy()
    gaps = starts[(starts["end"] >= month.start) & (starts["time"] <= month.end)].copy()
    gaps["length"] = gaps["end"] - gaps["time"]
    info = bugs.set_index("bug_id")
    gaps["ca"] = gaps["bug_id"].map(info["ca"])
    gaps = gaps.sort_values(["length", "bug_id"], ascending=[False, True], kind="stable")
    out = {}
    for row in gaps.drop_duplicates("ca").itertuples(index=False):
        closed = info.at[row.bug_id, "closed"]
        if not pd.isna(row.end_count):
            end_kind, end_url = "ca_update", comment_url(row.bug_id, row.end_count)
        elif not pd.isna(closed):
            end_kind, end_url = "closed", bug_url(row.bug_id)
        else:
            end_kind, end_url = "month_end", None
        out[row.ca] = Silence(
            bug_id=int(row.bug_id),
            bug_url=bug_url(row.bug_id),
            summary=clean_text(info.at[row.bug_id, "summary"], limit=300),
            start=row.time,
            start_kind="opened" if row.count < 0 else "ca_update",
            start_url=bug_url(row.bug_id) if row.count < 0 else comment_url(row.bug_id, row.count),
            end=row.end,
            end_kind=end_kind,
            end_url=end_url,
            days=round(row.length.total_seconds() / 86400, 1),
        )
    return out


def _open_needinfos(
    tables: ScorecardTables, bugs: pd.DataFrame, month: Month
) -> dict[str, list[NeedinfoRow]]:
    """Per CA, needinfo flags on CA-side accounts still open at the month's end."""
    if not tables.history_known or tables.needinfos.empty:
        return {}
    ni = tables.needinfos
    still_open = ni["cleared_at"].isna() | (ni["cleared_at"] > month.end)
    ni = ni[ni["to_ca"].fillna(False).astype(bool) & (ni["set_at"] <= month.end) & still_open]
    ni = ni[ni["bug_id"].isin(bugs["bug_id"])].sort_values(["set_at", "bug_id"], kind="stable")
    ca_of = bugs.set_index("bug_id")["ca"]
    out: dict[str, list[NeedinfoRow]] = {}
    for row in ni.itertuples(index=False):
        answered = not pd.isna(row.answered_at) and row.answered_at <= month.end
        open_days = (month.end - row.set_at).total_seconds() / 86400
        out.setdefault(ca_of[row.bug_id], []).append(
            NeedinfoRow(
                bug_id=int(row.bug_id),
                bug_url=bug_url(row.bug_id),
                requestee=clean_text(row.requestee, limit=120) or "(no requestee)",
                set_at=row.set_at,
                set_url=trusted_link(row.set_url),
                days_open=round(open_days, 1),
                answered=answered,
                answered_url=trusted_link(row.answered_url) if answered else None,
                late=not answered and open_days > 7,
            )
        )
    return out


def _limitations(tables: ScorecardTables, bugs: pd.DataFrame, month: Month) -> list[str]:
    """What this data cannot show, said on every page rather than shown as zeros."""
    notes = []
    if not tables.history_known:
        notes.append(
            "Needinfo requests and whiteboard history are not in this data (no bug history): "
            "open needinfos cannot be shown, needinfo deadlines are missing, and update "
            "deadlines use the 7-day rule instead of the CA's Next-update dates."
        )
    if "closed_estimated" in bugs and bool(bugs["closed_estimated"].any()):
        notes.append(
            "Closing times are estimated from each closed bug's last comment (history unknown)."
        )
    if tables.comment_text_note:
        notes.append(
            f"Comment text: {clean_text(tables.comment_text_note, 200)}. Questions asked and "
            "reports posted after the first comment cannot be recognised, so question "
            "deadlines and full-report detection are incomplete."
        )
    if tables.observed_at is not None and tables.observed_at < month.end:
        notes.append(
            f"The data was last synced on {tables.observed_at:%Y-%m-%d}, before this month "
            "ended: the month is incomplete."
        )
    return notes


def _month_info(month: Month) -> MonthInfo:
    return MonthInfo(
        label=month.label,
        start=month.start,
        end=month.end,
        as_of=month.end,
        title=f"{month.start:%B %Y}",
    )


def _rate(met: int, due: int) -> float | None:
    return met / due if due else None


def _worst_first(card: ScorecardPage) -> tuple:
    """The headline first (least bug-time in compliance, then most still overdue), then the
    share of deadlines met: a CA silent all month is on top, never hidden behind "nothing
    fell due"."""
    share = card.headline.compliance
    rate = card.overall.rate
    return (
        share is None,
        share if share is not None else 0.0,
        -card.headline.overdue_at_end,
        rate is None,
        rate if rate is not None else 0.0,
        -card.overall.due,
        card.ca,
    )


def _index_row(card: ScorecardPage) -> IndexRow:
    return IndexRow(
        ca=card.ca,
        slug=card.slug,
        counts=card.counts,
        headline=card.headline,
        overall=card.overall,
        rules={r.rule: r for r in card.rules},
        silence_days=card.silence.days if card.silence else None,
        open_needinfos=len(card.needinfos.open) if card.needinfos.known else None,
        change=change(card.trend, card.headline.compliance),
        worst=next((state for state in card.stalled if state.stalled), None),
    )
