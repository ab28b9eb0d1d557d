"""The scorecards' template context: a pure function of the tidy tables and one month.

Why pure: the context is the contract between the numbers and the pages (typed in
:mod:`analyzer.report.pages`, tested on its own in tests/test_report_context.py), and the same
tables give the same pages, so last year's scorecards can be regenerated and come out the same.
Only what was known at the end of the month is used: bugs opened by then, comments posted by
then, metrics computed ``as_of`` then.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from analyzer.bmo import bug_url, comment_url, trusted_link
from analyzer.metrics.months import MonthTables, TrendCell
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
    """What a month's scorecards are shaped from (columns: docs/tables.md, docs/metrics.md).

    ``months``: every month as known at its end and the month-level tables
    (:class:`analyzer.metrics.months.MonthTables`: the views' deadlines, bugs and
    ``ca_months``, the totals, silences, open needinfos, the trend); ``bugs``: the bugs table
    (summaries); ``promises``: the promises due in the month, judged at its end
    (``ahead.promises_table``); ``reports``: report completeness
    (``ahead.report_completeness``); None when not computed.
    """

    bugs: pd.DataFrame
    months: MonthTables
    history_known: bool = True
    comment_text_note: str | None = None
    observed_at: pd.Timestamp | None = None
    promises: pd.DataFrame | None = None
    reports: pd.DataFrame | None = None


# The same summaries, versions and caveats are cleaned on every month's pages of a site.
_clean = lru_cache(maxsize=1 << 16)(clean_text)
_link = lru_cache(maxsize=1 << 16)(trusted_link)


def build(tables: ScorecardTables, month: Month) -> MonthScorecards:
    """The context of every CA's page and of the index, for ``month``; ``cas`` is in index
    order (rank by the headline, worst first)."""
    view = tables.months.view(month)
    every_bug, not_judged = _judged_in(tables, month)
    bugs = [row for row, reason in zip(every_bug, not_judged, strict=True) if reason == ""]
    excluded = _excluded_by_ca(
        [(row, reason) for row, reason in zip(every_bug, not_judged, strict=True) if reason]
    )
    totals = _totals_of(tables.months, month)
    pooled = totals.get("compliance")
    pooled = None if pooled is None or pd.isna(pooled) else float(pooled)
    headlines = _headlines(view.ca_months, pooled)
    open_days = round(float(totals.get("open_days", 0.0) or 0.0), 1)
    deadlines = view.deadlines
    if "gap_start" not in deadlines:  # a hand-made view: from its own rows
        deadlines = deadlines.assign(gap_start=gap_starts(deadlines))  # agrees with its link
    # one pass over each table, not one per CA: a site renders thousands of CA-months
    by_ca_deadlines = _deadline_rows(deadlines)
    by_ca_bugs: dict[str, list] = {}
    for row in bugs:
        by_ca_bugs.setdefault(str(row.ca), []).append(row)
    medians = _medians(totals)
    trend, trend_totals = tables.months.trend(month)
    silences = _silences(tables.months.silences, month, tables.bugs)
    needinfos = _open_needinfos(tables.months.needinfos, month) if tables.history_known else {}
    limitations = _limitations(tables, bugs, month, view.as_of)
    promises = _by_ca(tables.promises, _promise)
    reports = _by_ca_rows(_reports_in(tables.reports, month), _report)

    slugs = _slugs_of(tables.bugs)
    cards = []
    for ca in sorted(by_ca_bugs):
        ca_bugs = by_ca_bugs[ca]
        card = ca_context(
            ca=str(ca),
            ca_bugs=ca_bugs,
            deadlines=by_ca_deadlines.get(ca, ([], [])),
            month=month,
            as_of=view.as_of,
            medians=medians,
            trend=trend.get(str(ca), {}),
            trend_totals=trend_totals,
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
        month=_month_info(month, view.as_of),
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
    deadlines: tuple[list[DeadlineRow], list[DeadlineRow]],
    month: Month,
    as_of: pd.Timestamp,
    medians: Medians,
    trend: Mapping[str, TrendCell],
    trend_totals: Mapping[str, Mapping],
    silence: Silence | None,
    needinfos: list[NeedinfoRow],
    history_known: bool,
    limitations: list[str],
    slug: str,
) -> ScorecardPage:
    """One CA's page: every number here is shown, and each links to the rows behind it."""
    name = _clean(ca, 120) or NO_CA
    bug_rows = [_bug_row(row) for row in ca_bugs]
    opened = [b for b in bug_rows if b.opened >= month.start]
    closed = [b for b in bug_rows if b.closed is not None and b.closed >= month.start]
    open_at_end = [b for b in bug_rows if b.closed is None]
    listed, carried = deadlines
    tally: dict[str, list[int]] = {}  # per rule: [met, counted, pending], one pass
    for d in listed:
        counts = tally.setdefault(d.rule, [0, 0, 0])
        if d.counted:
            counts[0] += d.outcome == "met"
            counts[1] += 1
        counts[2] += d.outcome == "pending"
    rules = []
    for rule in RULES:
        met, due, pending = tally.get(rule, (0, 0, 0))
        rules.append(
            RuleRate(
                rule=rule,
                label=RULE_LABELS.get(rule, rule),
                anchor=f"rule-{rule}",
                met=met,
                missed=due - met,
                due=due,
                pending=pending,
                rate=_rate(met, due),
                median=medians.rules.get(rule),
            )
        )
    met_total = sum(r.met for r in rules)
    due_total = sum(r.due for r in rules)
    return ScorecardPage(
        ca=name,
        slug=slug,
        ca_known=any(bool(getattr(row, "ca_known", False)) for row in ca_bugs),
        month=_month_info(month, as_of),
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
            _trend_point(label, trend.get(label), trend_totals.get(label, {}))
            for label in _last_twelve(month)
        ],  # fmt: skip
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
        summary=_clean(row.summary, 300),
        opened=row.opened,
        closed=closed,
        closed_estimated=bool(getattr(row, "closed_estimated", False)) and closed is not None,
    )


def _deadline_rows(
    deadlines: pd.DataFrame,
) -> dict[str, tuple[list[DeadlineRow], list[DeadlineRow]]]:
    """Per CA, the month view's rows in (due, bug, rule, start) order: those that count in
    the month or were pending at its end; and older ones still unmet at its end on a bug still
    open (shown, not counted again). Read a column at a time and sorted here: a site makes
    some 55,000 of these rows, 144 small tables, where pandas' own sort and per-row reads
    cost more than the rows."""
    n = len(deadlines)

    def column(name: str, default: object = "") -> list:
        return _values(deadlines[name]) if name in deadlines else [default] * n

    starts = column("start")
    order = _sorted_positions(
        [_sort_key(deadlines[name]) for name in ("due", "bug_id", "rule", "start")]
    )
    out: dict[str, tuple[list[DeadlineRow], list[DeadlineRow]]] = {}
    anchors_of: dict[str, set[str]] = {}  # unique on each CA's page
    columns = [
        [_ca_name(ca) for ca in column("ca")], column("bug_id"), column("rule"),
        column("irg_version"), starts, column("due"), column("met_at"), column("outcome"),
        column("overdue_hours"), column("evidence_start"), column("evidence_met"),
        column("basis"), column("caveat"), column("repeat", 0),
        _values(deadlines["gap_start"]) if "gap_start" in deadlines else starts,
        column("in_month"),
    ]  # fmt: skip
    for (
        ca, bug_id, rule, irg_version, start, due, met_at, outcome, overdue_hours,
        evidence_start, evidence_met, basis, caveat, repeat, gap_start, in_month,
    ) in zip(*[[values[k] for k in order] for values in columns], strict=True):  # fmt: skip
        in_month = bool(in_month)
        anchors = anchors_of.get(ca)
        if anchors is None:
            anchors = anchors_of[ca] = set()
        anchor = f"d-{int(bug_id)}-{rule}-{_epoch(start)}"
        while anchor in anchors:  # two obligations started at once (needinfo to two accounts)
            anchor += "-b"
        anchors.add(anchor)
        item = DeadlineRow(
            anchor=anchor,
            bug_id=int(bug_id),
            bug_url=bug_url(bug_id),
            rule=str(rule),
            irg_version=_clean(irg_version, 10),
            start=start,
            due=due,
            met_at=None if _missing(met_at) else met_at,
            outcome=str(outcome),
            overdue_hours=0.0 if _missing(overdue_hours) else float(overdue_hours),
            evidence_start=_link(evidence_start),
            evidence_met=_link(evidence_met),
            basis=_clean(basis, 20),
            counted=in_month and outcome in ("met", "missed"),
            caveat=_clean(caveat, 200),
            repeat=0 if _missing(repeat) else int(repeat),
            gap_start=gap_start,
        )
        lists = out.get(ca)
        if lists is None:
            lists = out[ca] = ([], [])
        lists[0 if (in_month or outcome == "pending") else 1].append(item)
    return out


def _ca_name(ca: object) -> str:
    """A CA as ``fillna("").astype(str)`` spells it."""
    return "" if _missing(ca) else str(ca)


def _missing(value: object) -> bool:
    """``pd.isna`` of one value, without its dispatch for the common cases."""
    if value is None:
        return True
    kind = type(value)
    if kind is float:
        return value != value
    if kind is str or kind is int or kind is bool or kind is pd.Timestamp:
        return False
    return bool(pd.isna(value))


@lru_cache(maxsize=1 << 16)
def _epoch(start: pd.Timestamp) -> int:
    """The whole seconds of a deadline's start, as its anchor names it."""
    return int(start.timestamp())


def _sort_key(column: pd.Series) -> list:
    """A column's values as a sort key in which missing values come last (as ``sort_values``
    puts them); times as their integers."""
    array = column.array
    if isinstance(array, pd.arrays.DatetimeArray):
        missing = array.isna()
        return [
            (True, 0) if gone else (False, value)
            for gone, value in zip(missing.tolist(), array.asi8.tolist(), strict=True)
        ]
    return [(True, 0) if _missing(value) else (False, value) for value in column.tolist()]


def _sorted_positions(keys: list[list]) -> list[int]:
    """The positions in the order ``sort_values(..., kind="stable")`` gives for these keys
    (each as :func:`_sort_key` makes it): by the first, ties by the next, then as they were."""
    rows = list(zip(*keys, strict=True)) if keys else []
    return sorted(range(len(rows)), key=rows.__getitem__)


def _trend_point(label: str, cell: TrendCell | None, totals: Mapping) -> TrendPoint:
    met, due = (cell.met, cell.due) if cell is not None else (0, 0)
    return TrendPoint(
        month=label,
        met=met,
        due=due,
        rate=_rate(met, due),
        median=_number(totals.get("median_all")),
        compliance=cell.compliance if cell is not None else None,
        open_days=round(cell.open_days, 1) if cell is not None else 0.0,
        pooled=_number(totals.get("compliance")),
    )


def _number(value: object) -> float | None:
    return None if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def _by_ca(frame: pd.DataFrame | None, row_of) -> dict[str, list]:
    """One list of rows per CA, so a run over every CA goes through each table once."""
    if frame is None or frame.empty:
        return {}
    return _by_ca_rows(_rows(frame), row_of)


def _by_ca_rows(rows: list, row_of) -> dict[str, list]:
    """:func:`_by_ca` of rows already read."""
    out: dict[str, list] = {}
    for row in rows:
        out.setdefault(_ca_name(row.ca), []).append(row_of(row))
    return out


def _reports_in(reports: pd.DataFrame | None, month: Month) -> list:
    """Reports posted in the month whose whole text the store holds (others cannot be read),
    as rows (a filter of the rows read, not two comparisons and a mask of a small frame)."""
    if reports is None or reports.empty:
        return []
    complete = reports["text_complete"].astype(bool).tolist()
    start, end = month.start, month.end
    return [
        row
        for row, whole in zip(_rows(reports), complete, strict=True)
        if whole and _within(row.posted, start, end)
    ]


def _within(stamp: object, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    """``start <= stamp <= end`` as a comparison of columns reads it (a missing time: no)."""
    return not _missing(stamp) and bool(start <= stamp <= end)  # type: ignore[operator]


def _promise(row) -> PromiseRow:
    """A promise from the ahead stage, its text cleaned and its links rebuilt from numbers."""
    promised = row.promised
    return PromiseRow(
        bug_id=int(row.bug_id),
        url=trusted_link(row.url) or bug_url(row.bug_id),
        text=_clean(row.text, 300),
        promised=None if promised is None or pd.isna(promised) else pd.Timestamp(promised),
        status=_clean(row.status, 20),
        evidence_url=trusted_link(row.evidence_url),
    )


def _report(row) -> ReportRow:
    missing = row.missing if isinstance(row.missing, list | tuple) else list(row.missing or [])
    return ReportRow(
        bug_id=int(row.bug_id),
        bug_url=bug_url(row.bug_id),
        url=trusted_link(row.url),
        kind=_clean(row.kind, 40),
        template=_clean(row.template, 40),
        missing=[_clean(name, 60) for name in missing],
        stale_template=bool(row.stale_template),
    )


def _headlines(ca_months: pd.DataFrame, pooled: float | None) -> dict[str, Headline]:
    """Per CA, the month's headline from its ``ca_months`` row (rank included: 1 = least in
    compliance, ties ordered as :data:`analyzer.metrics.months.RANK_ORDER` says)."""
    if ca_months is None or ca_months.empty:
        return {}
    rows = ca_months.assign(ca=ca_months["ca"].fillna("").astype(str))
    ranked = int(rows["rank"].notna().sum())
    out = {}
    for row in _rows(rows):
        compliance = None if pd.isna(row.compliance) else float(row.compliance)
        out[row.ca] = Headline(
            compliance=compliance,
            open_days=round(float(row.open_days), 1),
            breach_days=round(float(row.breach_days), 1),
            breach_days_caveated=round(float(row.breach_days_caveated or 0.0), 1),
            overdue_at_end=int(row.overdue_at_end),
            bugs_open=int(row.bugs_open),
            pooled=pooled,
            rank=None if pd.isna(row.rank) else int(row.rank),
            ranked=ranked,
        )
    return out


def _totals_of(months: MonthTables, month: Month) -> dict:
    totals = months.totals
    if "month" not in totals:
        return {}
    labels = totals["month"].tolist()
    return totals.iloc[labels.index(month.label)].to_dict() if month.label in labels else {}


def _no_headline(pooled: float | None, ranked: int) -> Headline:
    return Headline(None, 0.0, 0.0, 0.0, 0, 0, pooled, None, ranked)


def _excluded_by_ca(bugs: list[tuple[Any, str]]) -> dict[str, list[ExcludedBug]]:
    """Per CA, its bugs not judged (each row with why)."""
    out: dict[str, list[ExcludedBug]] = {}
    for row, reason in bugs:
        out.setdefault(str(row.ca), []).append(
            ExcludedBug(
                bug_id=int(row.bug_id),
                url=bug_url(row.bug_id),
                summary=_clean(row.summary, 300),
                reason=_clean(reason, 80),
            )
        )
    return out


# -- across CAs ------------------------------------------------------------------------------


def cas_shown(tables: ScorecardTables, month: Month) -> set[str]:
    """The CAs :func:`build` gives a page (as the bugs table spells them): those with a
    judged bug open in the month."""
    every_bug, not_judged = _judged_in(tables, month)
    return {row.ca for row, reason in zip(every_bug, not_judged, strict=True) if reason == ""}


def _judged_in(tables: ScorecardTables, month: Month) -> tuple[list, list[str]]:
    """The bugs open in the month (as its view knows them at its end, with the bugs table's
    summary), as rows in bug id order, and why each is not judged then ("" when it is).
    Read a column at a time (what ``_rows`` of the view with the bugs table's columns merged
    by id gives: not one merge, sort and filter of a small frame a month)."""
    view = tables.months.view(month).bugs
    columns = {str(name): _values(view[name]) for name in view.columns}
    ids = columns["bug_id"]
    for name in ("summary", "ca_known"):
        if name in tables.bugs:  # a left merge on bug_id: NaN where the bugs table lacks it
            by_id = _by_bug(tables.bugs, name)
            columns[name] = [by_id.get(bug_id, _NAN) for bug_id in ids]
    columns["ca"] = [_ca_name(ca) for ca in columns["ca"]]
    order = _sorted_positions([_sort_key(view["bug_id"])])
    make = _row_type(tuple(columns))._make
    ordered = [[values[k] for k in order] for values in columns.values()]
    rows = [make(row) for row in zip(*ordered, strict=True)]
    reasons = [_ca_name(reason) for reason in columns["excluded"]]
    return rows, [reasons[k] for k in order]


_NAN = float("nan")


def _medians(totals: Mapping) -> Medians:
    """Per rule and overall: the median met rate of all CAs that had such deadlines due
    (the month's totals row)."""
    return Medians(
        rules={rule: _number(totals.get(f"median_{rule}")) for rule in RULES},
        overall=_number(totals.get("median_all")),
    )


def _silences(silences: pd.DataFrame, month: Month, bugs: pd.DataFrame) -> dict[str, Silence]:
    """Per CA, its longest silence overlapping the month (the month's rows of the
    ``silences`` month table), with links rebuilt from numbers."""
    if silences.empty:
        return {}
    rows = [row for row in _rows(silences) if row.month == month.label]
    if not rows:
        return {}
    summaries = _by_bug(bugs, "summary")
    out = {}
    for row in rows:
        bug = int(row.bug_id)
        started = pd.isna(row.start_count)
        out[str(row.ca)] = Silence(
            bug_id=bug,
            bug_url=bug_url(bug),
            summary=_clean(summaries.get(bug, ""), 300),
            start=row.start,
            start_kind="opened" if started else "ca_update",
            start_url=bug_url(bug) if started else comment_url(bug, int(row.start_count)),
            end=row.end,
            end_kind=str(row.end_kind),
            end_url=(
                comment_url(bug, int(row.end_count))
                if row.end_kind == "ca_update"
                else bug_url(bug)
                if row.end_kind == "closed"
                else None
            ),
            days=float(row.days),
        )
    return out


def _open_needinfos(needinfos: pd.DataFrame, month: Month) -> dict[str, list[NeedinfoRow]]:
    """Per CA, needinfo flags on CA-side accounts still open at the month's end."""
    rows = needinfos[needinfos["month"] == month.label] if len(needinfos) else needinfos
    out: dict[str, list[NeedinfoRow]] = {}
    for row in _rows(rows):
        answered = bool(row.answered)
        out.setdefault(str(row.ca), []).append(
            NeedinfoRow(
                bug_id=int(row.bug_id),
                bug_url=bug_url(row.bug_id),
                requestee=_clean(row.requestee, 120) or "(no requestee)",
                set_at=row.set_at,
                set_url=trusted_link(row.set_url),
                days_open=float(row.days_open),
                answered=answered,
                answered_url=trusted_link(row.answered_url) if answered else None,
                late=bool(row.late),
            )
        )
    return out


def _limitations(
    tables: ScorecardTables, bugs: list, month: Month, as_of: pd.Timestamp
) -> list[str]:
    """What this data cannot show, said on every page rather than shown as zeros."""
    notes = []
    if not tables.history_known:
        notes.append(
            "Needinfo requests and whiteboard history are not in this data (no bug history): "
            "open needinfos cannot be shown and needinfo deadlines are missing; only the "
            "current whiteboard is known, so its Next-update date governs the update gap "
            "running at the sync and earlier gaps use the 7-day rule."
        )
    if any(
        not _missing(value) and bool(value)
        for value in (getattr(row, "closed_estimated", None) for row in bugs)
    ):
        notes.append(
            "Closing times are estimated (history unknown): a closed bug's last comment, or the "
            "last before a silence of 90+ days followed only by community comments."
        )
    if tables.comment_text_note:
        notes.append(
            f"Comment text: {_clean(tables.comment_text_note, 200)}. Questions asked and "
            "reports posted after the first comment cannot be recognised, so question "
            "deadlines and full-report detection are incomplete."
        )
    if as_of < month.next_start:
        notes.append(
            f"The data was last synced on {as_of:%Y-%m-%d}, before this month "
            "ended: the month is incomplete."
        )
    return notes


def _slugs_of(bugs: pd.DataFrame) -> dict[str, str]:
    """Every CA's slug (:func:`slugs_for` over the bugs table given)."""
    return slugs_for(bugs["ca"].fillna("").astype(str).tolist())


def _by_bug(bugs: pd.DataFrame, column: str) -> dict:
    """``bugs[column]`` by bug id (ids are unique in the bugs table)."""
    return dict(zip(bugs["bug_id"].tolist(), bugs[column].tolist(), strict=True))


@lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> Any:
    return namedtuple("Row", names, rename=True)  # noqa: PYI024 - fields as the frame names them


def _rows(frame: pd.DataFrame) -> list:
    """What ``frame.itertuples(index=False)`` gives, read a column at a time: the same values
    (text, numbers, times, NaN and NaT alike), but pandas iterates an Arrow-backed text column
    one value at a time, which was a fifth of a site's page context."""
    make = _row_type(tuple(map(str, frame.columns)))._make
    if frame.columns.is_unique:
        columns = [_values(frame[name]) for name in frame.columns]
    else:
        columns = [_values(frame.iloc[:, k]) for k in range(frame.shape[1])]
    return [make(values) for values in zip(*columns, strict=True)] if columns else []


# Each time column's Timestamps, by the column's type and the time's integer: a site's months
# show the same starts and dues month after month, and pandas makes a new Timestamp for every
# value of every ``tolist()`` (3 us each: a tenth of a site's page context).
_STAMPS: dict[str, dict[int, object]] = {}
_STAMPS_KEPT = 1 << 18


def _values(column: pd.Series) -> list:
    """``column.tolist()``: the same values; a time column's Timestamps (and NaT) made once per
    distinct time and type rather than once per row."""
    array = column.array
    if not isinstance(array, pd.arrays.DatetimeArray):
        return column.tolist()
    stamps = _STAMPS.setdefault(str(array.dtype), {})
    ints = array.asi8.tolist()
    missing = [k for k, value in enumerate(ints) if value not in stamps]
    if missing:
        if len(stamps) + len(missing) > _STAMPS_KEPT:
            stamps.clear()
        for k, stamp in zip(missing, array[missing].tolist(), strict=True):
            stamps[ints[k]] = stamp
    return [stamps[value] for value in ints]


@lru_cache(maxsize=256)
def _month_info(month: Month, as_of: pd.Timestamp) -> MonthInfo:
    return MonthInfo(
        label=month.label,
        start=month.start,
        end=month.end,
        as_of=as_of,
        title=f"{month.start:%B %Y}",
    )


@lru_cache(maxsize=256)
def _last_twelve(month: Month) -> tuple[str, ...]:
    return tuple(m.label for m in month.last_twelve())


def _rate(met: int, due: int) -> float | None:
    return met / due if due else None


def _worst_first(card: ScorecardPage) -> tuple:
    """The rank first (the headline: least bug-time in compliance, ties as the metrics stage
    orders them), so the rank shown only ever rises; CAs without bug-time in the month after,
    by the share of deadlines met: a CA silent all month is on top, never hidden behind
    "nothing fell due"."""
    rank = card.headline.rank
    rate = card.overall.rate
    return (
        rank is None,
        rank or 0,
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
