"""Write a month's scorecards: one HTML and one Markdown page per CA, an index, a JSON file.

Everything on a page comes from the context (:mod:`analyzer.report.context`); this module
gathers the tables from a corpus as known at each month's end (metrics and ahead compute them,
the corpus caches them), renders, and writes each file atomically (:mod:`analyzer.atomic`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import pandas as pd
from jinja2 import Template

from analyzer.atomic import write_if_changed
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report import context as report_context
from analyzer.report.context import ScorecardTables
from analyzer.report.pages import MonthScorecards, plain, values
from analyzer.report.render import html_environment, markdown_environment

Progress = Callable[[Iterable, str], Iterable]


def _no_progress(items: Iterable, label: str) -> Iterable:
    return items


@dataclass
class Written:
    """What one run wrote, for the command's summary line and for tests."""

    directory: Path
    pages: list[Path] = field(default_factory=list)
    index: Path | None = None
    json: Path | None = None
    built: MonthScorecards | None = field(default=None, repr=False)


def check_month(corpus, month: Month) -> None:
    """A month the data reaches, or bad input (exit 2)."""
    if corpus.observed_at < month.start:
        raise InputError(
            f"The data ends on {corpus.observed_at:%Y-%m-%d}, before {month.label} began; "
            "choose an earlier --month or sync first."
        )


def tables_from_corpus(
    corpus,
    month: Month,
    progress: Progress = _no_progress,
    reports: pd.DataFrame | None = None,
    promises: pd.DataFrame | None = None,
) -> ScorecardTables:
    """The month's tables: every month as known at its end (``corpus.months()``, one
    evaluation for all of them, :mod:`analyzer.metrics.months`), the promises and report
    completeness of the month. ``reports``: report completeness of the whole corpus, and
    ``promises``: the month's promises (:func:`promises_by_month`), when a caller already has
    them (the site, for every month at once); the pages pick each month's."""
    from analyzer.ahead import report_completeness

    check_month(corpus, month)
    for _ in progress([month], "metrics"):  # one evaluation gives every month
        months = corpus.months()
    if promises is None:
        promises = promises_by_month(corpus, months, [month])[month.label]
    return ScorecardTables(
        bugs=corpus.bugs,
        months=months,
        history_known=bool(corpus.history_known),
        comment_text_note=corpus.meta.get("comment_text"),
        observed_at=corpus.observed_at,
        promises=promises,
        reports=report_completeness(corpus, window=(month.start, month.next_start))
        if reports is None
        else reports,
    )


def promises_by_month(corpus, months, wanted: list[Month]) -> dict[str, pd.DataFrame]:
    """The promises due in each wanted month (the window of its promised day), judged when
    the month is seen (its end), in one pass: what
    ``promises_table(corpus, as_of, window=month)`` gives for each
    (:func:`analyzer.ahead.promises.promises_by_month`)."""
    from analyzer.ahead import promises

    seen = {m.label: months.view(m).as_of for m in wanted}
    return promises.promises_by_month(
        corpus.language.commitments, corpus.comments, corpus.comment_language, corpus.bugs, seen
    )


def write_scorecards(
    tables: ScorecardTables,
    month: Month,
    out: Path,
    ca: str | None = None,
    templates: Path | None = None,
    progress: Progress = _no_progress,
    home: str | None = None,
    html_only: bool = False,
) -> Written:
    """Render and write ``out/YYYY-MM/``; with ``ca``, only that CA's two pages. ``home``: the
    site's landing page, linked from the index; ``html_only``: no Markdown and no JSON (the
    site's pages are for reading in a browser; the JSON of every month would cost a third of
    the site)."""
    built = report_context.build(tables, month)
    built.index.home = home
    cards = built.cas
    if ca is not None:
        cards = [card for card in cards if ca in (card.ca, card.raw_ca)]
        if not cards:
            names = [card.ca for card in built.cas]
            hint = get_close_matches(ca, names, n=3)
            also = f" Did you mean: {', '.join(hint)}?" if hint else ""
            raise InputError(f"No CA named {ca!r} had a bug open in {month.label}.{also}")
    html_env, md_env = html_environment(templates), markdown_environment(templates)
    page, md_page = html_env.get_template("scorecard.html"), md_env.get_template("scorecard.md")
    directory = Path(out) / month.label
    written = Written(directory)
    wants_json = ca is None and not html_only

    try:
        directory.mkdir(parents=True, exist_ok=True)
        with html_env.pinned(), md_env.pinned():
            entries = _write_pages(
                cards, built, page, md_page, directory, progress, html_only, wants_json
            )
            written.pages = [directory / f"{card.slug}.html" for card in cards]
            if ca is None:
                written.index = directory / "index.html"
                index_html = html_env.get_template("index.html").render(values(built.index))
                write_if_changed(written.index, index_html)
            if wants_json:
                written.json = directory / "scorecards.json"
                text = json.dumps(to_json(built, entries), indent=1, ensure_ascii=False) + "\n"
                write_if_changed(written.json, text)
    except OSError as exc:
        raise InputError(f"Cannot write scorecards into {directory}: {exc.strerror}.") from exc
    written.built = built
    return written


def _write_pages(
    cards: list,
    built: MonthScorecards,
    page: Template,
    md_page: Template,
    directory: Path,
    progress: Progress,
    html_only: bool,
    wants_json: bool,
) -> list[dict]:
    """Each CA's pages written; its part of the JSON file, when wanted."""
    entries = []
    for card in progress(cards, "scorecards"):
        card_values = {**values(card), "medians": built.index.medians}
        write_if_changed(directory / f"{card.slug}.html", page.render(card_values))
        if not html_only:
            write_if_changed(directory / f"{card.slug}.md", md_page.render(card_values))
        if wants_json:
            entries.append(_card_json(card))
    return entries


def to_json(built: MonthScorecards, entries: list | None = None) -> dict:
    """The same numbers as the pages, with times as ISO UTC strings. ``entries``: each CA's
    part (:func:`_card_json`) when already made, in ``built.cas`` order."""
    index = built.index
    return {
        "month": index.month.label,
        "as_of": plain(index.month.as_of),
        "limitations": index.limitations,
        "medians": plain(index.medians),
        "cas": [_card_json(card) for card in built.cas] if entries is None else entries,
    }


def _card_json(card) -> dict:  # noqa: ANN001 - a CaScorecard
    return {
        key: plain(value)
        for key, value in values(card).items()
        if key not in ("month", "limitations", "raw_ca")
    }
