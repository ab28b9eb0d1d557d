"""The template context of every page, typed: one dataclass per page and per kind of row.

Why types (as datasette documents its context): the context is the contract between the
numbers and the templates; a field a template uses is a field here, checked by mypy and by
tests/test_report_context.py, and a user's template override sees the same names. Jinja reads
fields as ``card.overall.rate`` (and ``bugs["open"]``, which falls back to the attribute).
Every text field is already cleaned (:func:`analyzer.report.safety.clean_text`) and every link
rebuilt from numbers (:func:`analyzer.bmo.trusted_link`); Jinja escapes the rest.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class MonthInfo:
    label: str  # "2026-02"
    start: pd.Timestamp
    end: pd.Timestamp  # the month's last second
    as_of: pd.Timestamp  # what the page knows: the month's end
    title: str  # "February 2026"


@dataclass
class BugRow:
    bug_id: int
    url: str
    summary: str
    opened: pd.Timestamp
    closed: pd.Timestamp | None
    closed_estimated: bool


@dataclass
class BugLists:
    open: list[BugRow]  # open at any time in the month
    opened: list[BugRow]
    closed: list[BugRow]


@dataclass
class Counts:
    open: int
    opened: int
    closed: int
    open_at_end: int


@dataclass
class DeadlineRow:
    anchor: str  # unique on the page: d-<bug>-<rule>-<start epoch>
    bug_id: int
    bug_url: str
    rule: str
    irg_version: str
    start: pd.Timestamp
    due: pd.Timestamp
    met_at: pd.Timestamp | None
    outcome: str
    overdue_hours: float
    evidence_start: str | None
    evidence_met: str | None
    basis: str
    counted: bool  # due in the month and decided: counts in the rates
    caveat: str
    repeat: int = 0  # 0: a gap's first row; 1, 2, ...: each further week of one silence
    gap_start: pd.Timestamp | None = None  # when the silence began (the evidence_start link)


@dataclass
class DeadlineLine(DeadlineRow):
    """A line of a page's deadline list (``one_per_silence`` in report/layout.py): one
    obligation, or one silence's weekly rows folded into its first."""

    weeks: int = 1  # rows this line stands for
    last_due: pd.Timestamp | None = None  # the last of them
    missed_weeks: int = 0  # of them, missed
    counted_weeks: int = 0  # of them, counted in the month's rates
    met_weeks: int = 0  # of those, met
    anchors: list[str] = field(default_factory=list)  # every folded row's anchor


@dataclass
class BugState:
    """A bug open at the month's end, as the CA page opens: stalled on what, since when."""

    bug_id: int
    bug_url: str
    summary: str
    stalled: bool  # an obligation past due and unmet at the month's end
    rule: str  # the most overdue obligation, or the next one due; "" for none
    label: str  # the rule for people
    short: str  # the rule in a word or two, for the index
    due: pd.Timestamp | None
    overdue_hours: float
    since: pd.Timestamp | None  # when the obligation started (a silence: its first day)
    since_url: str | None  # the comment that started it
    weeks: int  # weekly updates this silence has missed
    others: list[str]  # the other rules overdue on the bug
    anchor: str  # its line on the page


@dataclass
class RuleRate:
    rule: str
    label: str
    anchor: str
    met: int
    missed: int
    due: int
    pending: int
    rate: float | None  # None when nothing fell due (never a fake 0 %)
    median: float | None


@dataclass
class Overall:
    met: int
    missed: int
    due: int
    rate: float | None
    median: float | None


@dataclass
class Silence:
    bug_id: int
    bug_url: str
    summary: str
    start: pd.Timestamp
    start_kind: str  # opened | ca_update
    start_url: str
    end: pd.Timestamp
    end_kind: str  # ca_update | closed | month_end
    end_url: str | None
    days: float


@dataclass
class NeedinfoRow:
    bug_id: int
    bug_url: str
    requestee: str
    set_at: pd.Timestamp
    set_url: str | None
    days_open: float
    answered: bool
    answered_url: str | None
    late: bool


@dataclass
class Needinfos:
    known: bool  # False without bug history: nothing can be shown
    open: list[NeedinfoRow]


@dataclass
class TrendPoint:
    month: str
    met: int
    due: int
    rate: float | None
    median: float | None
    compliance: float | None  # the headline as known at that month's end
    open_days: float
    pooled: float | None  # all CAs' bug-time in compliance that month


@dataclass
class Headline:
    """The share of judged open bug-time in compliance (ca_months), and what it rests on."""

    compliance: float | None  # None: no judged bug-time in the month
    open_days: float
    breach_days: float
    breach_days_caveated: float  # the part of breach_days that rests on a caveat
    overdue_at_end: int  # obligations past due and unmet at the month's end, carried included
    bugs_open: int
    pooled: float | None  # 1 - all CAs' breach days / all CAs' open days
    rank: int | None  # 1 = the least bug-time in compliance
    ranked: int  # CAs ranked


@dataclass
class ExcludedBug:
    bug_id: int
    url: str
    summary: str
    reason: str  # bugs.excluded: "resolution INVALID", "meta bug", ...


@dataclass
class PromiseRow:
    bug_id: int
    url: str
    text: str
    promised: pd.Timestamp | None
    status: str
    evidence_url: str | None


@dataclass
class ReportRow:
    bug_id: int
    bug_url: str
    url: str | None
    kind: str
    template: str
    missing: list[str]
    stale_template: bool


@dataclass
class Medians:
    rules: dict[str, float | None]
    overall: float | None


@dataclass
class ScorecardPage:
    """One CA's page for one month (``scorecard.html`` and ``scorecard.md``)."""

    ca: str  # cleaned for display; "(no CA prefix)" for none
    slug: str
    ca_known: bool
    month: MonthInfo
    counts: Counts
    bugs: BugLists
    deadlines: list[DeadlineRow]  # due in the month, or pending at its end
    carried: list[DeadlineRow]  # due earlier, still unmet at its end on a bug still open
    headline: Headline
    rules: list[RuleRate]
    overall: Overall
    silence: Silence | None
    needinfos: Needinfos
    trend: list[TrendPoint]
    promises: list[PromiseRow]
    completeness: list[ReportRow]
    excluded: list[ExcludedBug]  # the CA's bugs open in the month that are not judged
    limitations: list[str]
    history: str  # the CA's history page, relative to this page
    raw_ca: str = field(default="", repr=False)  # the bugs table's spelling, for --ca; not shown
    stalled: list[BugState] = field(default_factory=list)  # bugs open at the month's end


@dataclass
class RuleLabel:
    rule: str
    label: str
    short: str


@dataclass
class IndexRow:
    ca: str
    slug: str
    counts: Counts
    headline: Headline
    overall: Overall
    rules: dict[str, RuleRate]
    silence_days: float | None
    open_needinfos: int | None  # None without bug history
    change: float | None = None  # the headline minus last month's (as known then)
    worst: BugState | None = None  # the open bug most overdue at the month's end


@dataclass
class IndexPage:
    """The month's index of every CA (``index.html``), worst first."""

    month: MonthInfo
    limitations: list[str]
    history_known: bool
    medians: Medians
    pooled: float | None
    open_days: float
    index: list[IndexRow]
    rule_labels: list[RuleLabel]
    home: str | None = None  # the site's landing page, when the month is part of a site


@dataclass
class MonthScorecards:
    """What :func:`analyzer.report.context.build` returns: the index and every CA's page."""

    index: IndexPage
    cas: list[ScorecardPage]  # in index order


def values(page: Any) -> dict[str, Any]:
    """A page's top-level fields as the names a template sees (not copied deeper)."""
    return {item.name: getattr(page, item.name) for item in dataclasses.fields(page)}


def plain(value: Any) -> Any:
    """JSON-ready: dataclasses and dicts as objects, times as ISO UTC, floats to 4 places."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {name: plain(item) for name, item in values(value).items()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return round(value, 4)
    return value


@dataclass
class BugLink:
    bug_id: int
    url: str


@dataclass
class PatternKind:
    """An incident kind on two or more of a CA's bugs."""

    kind: str  # a whiteboard tag, or a root-cause category as a report states it
    source: str  # whiteboard | report
    bugs: list[BugLink]


@dataclass
class Together:
    """A stretch when two or more of a CA's bugs were in breach at once."""

    start: pd.Timestamp
    end: pd.Timestamp
    days: float
    most: int  # the most bugs in breach at one moment
    bugs: list[BugLink]


@dataclass
class NamedBug:
    """Another bug a CA's comments name: a related incident its reports point to."""

    bug_id: int
    url: str
    summary: str  # "" when the bug is not in the data
    same_ca: bool
    named_in: list[str]  # links to the comments naming it


@dataclass
class Patterns:
    """What recurs across one CA's bugs (a CA's history page)."""

    kinds: list[PatternKind]
    together: list[Together]  # newest first
    named: list[NamedBug]
    together_days: float  # all the stretches' days
    text_note: str  # what the comment text in the data cannot show, "" when complete
