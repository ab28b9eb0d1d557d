"""``analyzer site``: every month's scorecards since the first bug, every CA's history page,
the due page and a landing page, all linked, static and printable.

Layout of ``OUT/``: ``index.html`` (landing), ``YYYY-MM/`` (a month's scorecards, as
``analyzer scorecards`` writes them, HTML only), ``ca/<slug>.html`` (histories),
``due/index.html``.
The tables are computed once: one evaluation gives every month as known at its end
(``corpus.months()``), which the month pages, their trends, the CA histories and this landing
page all read; report completeness is read once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.atomic import write_if_changed
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report.due import FORMATS, due_page_of
from analyzer.report.history import history_pages, write_histories
from analyzer.report.labels import NO_CA
from analyzer.report.pages import values
from analyzer.report.render import html_environment
from analyzer.report.safety import clean_text
from analyzer.report.scorecards import tables_from_corpus, write_scorecards

Progress = Callable[[Iterable, str], Iterable]


def _no_progress(items: Iterable, label: str) -> Iterable:
    return items


@dataclass
class SiteMonth:
    label: str
    title: str
    cas: int
    pooled: float | None
    open_days: float
    worst: str  # the CA ranked first, cleaned
    worst_slug: str


@dataclass
class SiteCa:
    ca: str
    slug: str
    months: int
    compliance: float | None


@dataclass
class LandingPage:
    """``site.html``: the months newest first, the CAs, the due page."""

    as_of: pd.Timestamp
    months: list[SiteMonth]
    cas: list[SiteCa]
    open_bugs: int
    overdue: int
    month: dict  # {"as_of"}: what the shared page footer reads


@dataclass
class SiteWritten:
    out: Path
    months: list[str] = field(default_factory=list)
    pages: int = 0


def write_site(
    corpus, out: Path, templates: Path | None = None, progress: Progress = _no_progress
) -> SiteWritten:
    """Write the whole site into ``out`` (see the module docstring)."""
    from analyzer.ahead import report_completeness

    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot write the site into {out}: {exc.strerror}.") from exc
    first = corpus.bugs["opened"].min()
    last = Month.last_complete_before(corpus.observed_at)
    if pd.isna(first) or Month.of(first).start > last.start:
        raise InputError("The data holds no complete month to show; sync first.")
    months = Month.span(first, last.start)
    reports = report_completeness(corpus)
    written = SiteWritten(out)
    summaries = []
    for month in progress(months, "months"):
        tables = tables_from_corpus(corpus, month, reports=reports)
        done = write_scorecards(
            tables, month, out, templates=templates, home="../index.html", html_only=True
        )
        written.months.append(month.label)
        written.pages += len(done.pages) + 1
        built = done.built
        if built is None:
            continue
        top = built.index.index[0] if built.index.index else None
        summaries.append(
            SiteMonth(
                label=month.label,
                title=f"{month.start:%B %Y}",
                cas=len(built.cas),
                pooled=built.index.pooled,
                open_days=built.index.open_days,
                worst=top.ca if top else "",
                worst_slug=top.slug if top else "",
            )
        )
    histories = history_pages(corpus)
    written.pages += len(write_histories(histories, out, templates, home="../index.html"))
    due = due_page_of(corpus, None, None, None)
    (out / "due").mkdir(exist_ok=True)
    write_if_changed(out / "due" / "index.html", FORMATS["html"](due))
    landing = LandingPage(
        as_of=corpus.observed_at,
        months=list(reversed(summaries)),
        cas=[
            SiteCa(
                ca=clean_text(page.ca, limit=120) or NO_CA,
                slug=page.slug,
                months=len(page.months),
                compliance=page.compliance,
            )
            for page in histories
        ],
        open_bugs=len(due.bugs),
        overdue=due.overdue,
        month={"as_of": corpus.observed_at},
    )
    page = html_environment(templates).get_template("site.html").render(values(landing))
    write_if_changed(out / "index.html", page)
    written.pages += 2
    return written
