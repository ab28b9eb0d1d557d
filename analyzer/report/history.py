"""A CA's history page: every month of its record and its open bugs now.

Reviewers judge a pattern across a CA's bugs, not one month: this page puts every month's
headline (bug-time in compliance), bugs open and deadlines missed on one screen, each month
linking to its scorecard, and below them the CA's open bugs as ``analyzer due`` sees them.
Each month is as known at its own end, the month running at the last sync as known then: the
rows of ``corpus.months().ca_months`` (:mod:`analyzer.metrics.months`), the numbers the
month's scorecards show.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analyzer.ahead.due import OpenBugs
from analyzer.atomic import write_if_changed
from analyzer.metrics.rulebook import RULES
from analyzer.months import Month
from analyzer.report.due import DueBugRow, DuePage, due_page_of, scorecard_month
from analyzer.report.labels import NO_CA
from analyzer.report.pages import Patterns, values
from analyzer.report.render import html_environment
from analyzer.report.safety import clean_text, slugs_for


@dataclass
class HistoryMonth:
    label: str
    compliance: float | None
    open_days: float
    breach_days: float
    breach_days_caveated: float
    bugs_open: int
    overdue_at_end: int
    due: int  # deadlines decided in the month (met or missed; never unknown or withdrawn)
    missed: int
    scorecard: str  # ../YYYY-MM/<slug>.html; "" for the month still running (no scorecard)


@dataclass
class HistoryPage:
    """``history.html``: one CA across every month it had a judged bug open."""

    ca: str
    slug: str
    as_of: pd.Timestamp
    months: list[HistoryMonth]  # newest first
    open_days: float
    breach_days: float
    compliance: float | None  # over the whole record
    open_bugs: list[DueBugRow]
    month: dict  # {"as_of"}: what the shared page footer reads
    home: str | None = None  # the site's landing page, when part of a site
    patterns: Patterns | None = None  # what recurs across its bugs (report/layout.py)


@dataclass(frozen=True)
class Judged:
    """What the history pages read of the judgement at one moment (``open_bugs.as_of``):
    each CA-month up to then, each as known at its end; the bugs open then; every bug's
    breach intervals as judged then. Taken as tables before the pages are built, so that a
    command can let go of the judgement itself (``Corpus.forget_judgements``)."""

    ca_months: pd.DataFrame
    open_bugs: OpenBugs
    breaches: pd.DataFrame


def judged_at(corpus, through: Month | None = None) -> Judged:
    """:class:`Judged` at ``through``'s end (default: the last sync, with every month)."""
    from analyzer.ahead.due import open_bugs

    months = corpus.months()
    ca_months = months.ca_months
    as_of = None
    if through is not None:
        as_of = months.view(through).as_of
        ca_months = ca_months[ca_months["month"] <= through.label]
    now = open_bugs(corpus, as_of)
    # every bug's breaches as known then, without the other tables of every bug
    return Judged(ca_months, now, corpus.evaluation(now.as_of).breaches())


def history_pages(
    corpus,
    names: set[str] | None = None,
    through: Month | None = None,
    judged: Judged | None = None,
    due: DuePage | None = None,
) -> list[HistoryPage]:
    """Every CA's history page (or only ``names``, as the bugs table spells them): each month
    as known at its end, up to ``through`` (default: the month running at the last sync);
    the open bugs as they stood at ``through``'s end. ``judged``: :func:`judged_at` of
    ``through``, when the caller took it; ``due``: the due page of ``judged.open_bugs``, when
    the caller made it (the site: its promise counts and what each bug owes are not shown
    here, and making the page twice cost a tenth of a second-site's CPU)."""
    if judged is None:
        judged = judged_at(corpus, through)
    slugs = slugs_for(corpus.bugs["ca"].fillna("").astype(str))
    now = judged.open_bugs
    if due is None:
        due = due_page_of(corpus, now.as_of, None, None, promises=False, now=now)
    open_by_ca: dict[str, list[DueBugRow]] = {}
    for row in due.bugs:
        open_by_ca.setdefault(row.ca_name, []).append(row)
    ca_months = judged.ca_months
    rows = ca_months.assign(ca=ca_months["ca"].fillna("").astype(str)).reset_index(drop=True)
    # the rows as tuples in one pass (a pass per CA cost a second site 0.2 s)
    records = list(rows.itertuples(index=False))
    complete = scorecard_month(due.as_of)
    patterns = _patterns(corpus, judged.breaches, due.as_of)
    pages = []
    for ca, mine in rows.groupby("ca", sort=True):
        if names is not None and ca not in names:
            continue
        slug = slugs[ca]
        newest_first = sorted((records[i] for i in mine.index), key=_month, reverse=True)
        months = [
            HistoryMonth(
                label=str(r.month),
                compliance=None if pd.isna(r.compliance) else float(r.compliance),
                open_days=round(float(r.open_days), 1),
                breach_days=round(float(r.breach_days), 1),
                breach_days_caveated=round(float(r.breach_days_caveated or 0.0), 1),
                bugs_open=int(r.bugs_open),
                overdue_at_end=int(r.overdue_at_end),
                due=sum(_decided(r, rule) for rule in RULES),
                missed=sum(int(getattr(r, f"{rule}_missed", 0) or 0) for rule in RULES),
                scorecard=f"../{r.month}/{slug}.html" if str(r.month) <= complete else "",
            )
            for r in newest_first
        ]
        open_days = float(mine["open_days"].sum())
        breach_days = float(mine["breach_days"].sum())
        pages.append(
            HistoryPage(
                ca=clean_text(ca, limit=120) or NO_CA,
                slug=slug,
                as_of=due.as_of,
                months=months,
                open_days=round(open_days, 1),
                breach_days=round(breach_days, 1),
                compliance=1 - breach_days / open_days if open_days > 0 else None,
                open_bugs=open_by_ca.get(ca, []),
                month={"as_of": due.as_of},
                patterns=patterns.get(ca),
            )
        )
    return pages


def _patterns(corpus, breaches: pd.DataFrame, as_of: pd.Timestamp) -> dict[str, Patterns]:
    """Each CA's patterns from what was known at ``as_of`` (comments and whiteboard values
    by then, ``breaches``: those judged then)."""
    from analyzer.ahead.patterns import in_breach_together, named_bugs, recurring_kinds
    from analyzer.report.layout import patterns_by_ca

    bugs = corpus.bugs[corpus.bugs["opened"] <= as_of]
    # the comments are read by as_of where they are (a copy of them all, text and all, held
    # a gigabyte at 50x the real corpus)
    comments = corpus.comments
    # a bug's tags say what kind of incident it is: its later tags too (without history,
    # every value is dated at the sync)
    board = corpus.whiteboard
    note = corpus.meta.get("comment_text")
    text_note = (
        f"Comment text: {clean_text(note, limit=200)}; root-cause categories and bugs named "
        "in later comments cannot be seen."
        if note
        else ""
    )
    return patterns_by_ca(
        recurring_kinds(bugs, board, comments, as_of),
        in_breach_together(breaches),
        named_bugs(bugs, comments, as_of),
        corpus.bugs,
        text_note,
    )


def _month(row) -> str:  # noqa: ANN001 - a ca_months row
    return str(row.month)


def _decided(row, rule: str) -> int:  # noqa: ANN001 - a ca_months row
    """Deadlines of ``rule`` met or missed in the month, as its scorecard's rates count them."""
    return sum(int(getattr(row, f"{rule}_{what}", 0) or 0) for what in ("met", "missed"))


def write_histories(
    pages: list[HistoryPage], out: Path, templates: Path | None = None, home: str | None = None
) -> list:
    """``out/ca/<slug>.html`` for each page, written atomically; ``home``: the site's landing
    page (and its due page), linked from each."""
    directory = Path(out) / "ca"
    directory.mkdir(parents=True, exist_ok=True)
    template = html_environment(templates).get_template("history.html")
    written = []
    for page in pages:
        page.home = home
        path = directory / f"{page.slug}.html"
        write_if_changed(path, template.render(values(page)))
        written.append(path)
    return written
