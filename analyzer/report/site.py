"""``analyzer site``: every month's scorecards since the first bug, every CA's history page,
the due page and a landing page, all linked, static and printable.

Layout of ``OUT/``: ``index.html`` (landing), ``YYYY-MM/`` (a month's scorecards, as
``analyzer scorecards`` writes them, HTML only), ``ca/<slug>.html`` (histories),
``due/index.html``.
The tables are computed once: one evaluation gives every month as known at its end
(``corpus.months()``), which the month pages, their trends, the CA histories and this landing
page all read; report completeness is read once. A site written again into the same folder
renders only the months whose inputs changed (:mod:`analyzer.report.incremental`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.atomic import write_if_changed
from analyzer.env import InputError
from analyzer.metrics import frozen
from analyzer.months import Month
from analyzer.report.context import ScorecardTables
from analyzer.report.due import FORMATS, due_page_of
from analyzer.report.history import history_pages, judged_at, write_histories
from analyzer.report.incremental import (
    Manifest,
    MonthEntry,
    MonthInputs,
    finish,
    intact,
    read_manifest,
    salt,
    sha256_of,
)
from analyzer.report.labels import NO_CA
from analyzer.report.pages import values
from analyzer.report.render import html_environment
from analyzer.report.safety import clean_text
from analyzer.report.scorecards import promises_by_month, tables_from_corpus, write_scorecards

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
    rendered: list[str] = field(default_factory=list)  # the months rendered (others unchanged)


def write_site(
    corpus, out: Path, templates: Path | None = None, progress: Progress = _no_progress
) -> SiteWritten:
    """Write the whole site into ``out`` (see the module docstring)."""
    with frozen():  # the corpus, then its month tables (frozen again below)
        return _write_site(corpus, Path(out), templates, progress)


def _write_site(corpus, out: Path, templates: Path | None, progress: Progress) -> SiteWritten:
    from analyzer.ahead import report_completeness

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
    home = "../index.html"
    before = read_manifest(out)
    after = Manifest()
    inputs = MonthInputs(salt(templates, home))
    summaries = []
    promises = promises_by_month(corpus, corpus.months(), months)
    parts = inputs.of_all(
        [
            (
                month,
                tables_from_corpus(corpus, month, reports=reports, promises=promises[month.label]),
            )
            for month in months
        ]
    )
    gc.freeze()  # the month tables, read by every page from here on
    for month, part in progress(list(zip(months, parts, strict=True)), "months"):
        entry = before.months.get(month.label)
        if entry is None or entry.digest != part.digest or not intact(out, entry.files):
            entry = _render_month(part.tables(), month, out, templates, home, part.digest)
            written.rendered.append(month.label)
        after.months[month.label] = entry
        written.months.append(month.label)
        written.pages += len(entry.files)
        if entry.summary is not None:
            summaries.append(SiteMonth(label=month.label, title=_title(month), **entry.summary))
        gc.freeze()  # what lasts past a month (caches of cleaned text and times) is scanned once
    judged = judged_at(corpus)  # the due page and the histories' open bugs: one judgement
    due = due_page_of(corpus, None, None, None, now=judged.open_bugs)
    histories = history_pages(corpus, judged=judged, due=due)
    pages = write_histories(histories, out, templates, home=home)
    (out / "due").mkdir(exist_ok=True)
    write_if_changed(out / "due" / "index.html", FORMATS["html"](due))
    pages.append(out / "due" / "index.html")
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
    pages.append(out / "index.html")
    written.pages += len(pages)
    after.pages = _digests(out, pages)
    finish(out, before, after)
    return written


def _render_month(
    tables: ScorecardTables, month: Month, out: Path, templates: Path | None, home: str, digest: str
) -> MonthEntry:
    """Write the month's pages from ``tables`` (its part of the site's tables, which
    ``digest`` is of) and say what was written."""
    done = write_scorecards(tables, month, out, templates=templates, home=home, html_only=True)
    built = done.built
    summary = None
    if built is not None:
        top = built.index.index[0] if built.index.index else None
        summary = {
            "cas": len(built.cas),
            "pooled": built.index.pooled,
            "open_days": built.index.open_days,
            "worst": top.ca if top else "",
            "worst_slug": top.slug if top else "",
        }
    files = [*done.pages, *([done.index] if done.index is not None else [])]
    return MonthEntry(digest, _digests(out, files), summary)


def _title(month: Month) -> str:
    return f"{month.start:%B %Y}"


def _digests(out: Path, files: list[Path]) -> dict[str, str]:
    """Each file (as written just now) by its path in the site, with its sha256."""
    found = {}
    for path in files:
        sha = sha256_of(path)
        if sha is not None:
            found[path.relative_to(out).as_posix()] = sha
    return found
