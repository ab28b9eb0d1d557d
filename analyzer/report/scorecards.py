"""Write a month's scorecards: one HTML and one Markdown page per CA, an index, a JSON file.

Everything on a page comes from the context (:mod:`analyzer.report.context`); this module
gathers the tables from a corpus as known at each month's end, renders, and writes each
file atomically (temp file + ``os.replace``) so a reader never sees half a page.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import pandas as pd

from analyzer.atomic import write_text
from analyzer.env import InputError
from analyzer.months import Month
from analyzer.report import context as report_context
from analyzer.report.context import ScorecardTables
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


def tables_from_corpus(corpus, month: Month, progress: Progress = _no_progress) -> ScorecardTables:
    """The month's tables as known at the end of it and of each of the 11 months before it.

    Deadlines are computed once per month-end (``corpus.metrics`` caches per ``as_of``):
    filtering one late run by ``due`` would not give the same outcomes, since a deadline
    pending at one month's end can be missed by the next.
    """
    if corpus.observed_at < month.start:
        raise InputError(
            f"The data ends on {corpus.observed_at:%Y-%m-%d}, before {month.label} began; "
            "choose an earlier --month or sync first."
        )
    deadlines = {}
    for past in progress(month.last_twelve(), "metrics"):
        if past.start > corpus.observed_at:
            continue
        as_of = min(past.end, corpus.observed_at)
        if past == month:
            deadlines[past.label] = corpus.metrics(as_of=as_of).deadlines
        else:
            deadlines[past.label] = trend_deadlines(corpus, past, as_of)
    history_known = bool(corpus.history_known)
    needinfos = corpus.needinfos if history_known else pd.DataFrame()
    return ScorecardTables(
        bugs=corpus.bugs,
        comments=corpus.comments,
        needinfos=needinfos,
        deadlines=deadlines,
        history_known=history_known,
        comment_text_note=corpus.meta.get("comment_text"),
        observed_at=corpus.observed_at,
        extras=_extras(corpus),
    )


# A deadline falls due at most this long after the event that started it (full report: 14 days
# to the end of the day), unless a Next-update date sets it, which is checked on its own.
_LONGEST_WINDOW = pd.Timedelta(days=16)


def trend_deadlines(corpus, month: Month, as_of: pd.Timestamp) -> pd.DataFrame:
    """The deadlines as known at ``as_of``, of only the bugs that can have one due in ``month``.

    Metrics judge each bug on its own rows, so judging a subset of bugs gives those bugs'
    rows unchanged; a trend month then costs a tenth of a full run (tests/test_scorecards_cli.py
    checks the counts against full runs).
    """
    from analyzer.metrics import compute

    bug_ids = bugs_active_in(corpus, month)
    return compute(_only(corpus.tables, bug_ids), _only(corpus.language, bug_ids), as_of).deadlines


def bugs_active_in(corpus, month: Month) -> pd.Index:
    """Every bug that could have a deadline due in ``month``: open near it, or with an event
    (comment, needinfo) shortly before or in it, or a Next-update date in it."""
    early = month.start - _LONGEST_WINDOW
    bugs = corpus.bugs
    near = (bugs["opened"] <= month.end) & (bugs["closed"].isna() | (bugs["closed"] >= early))
    ids = [bugs.loc[near, "bug_id"]]
    comments = corpus.comments
    ids.append(comments.loc[comments["time"].between(early, month.end), "bug_id"])
    needinfos = corpus.needinfos
    if len(needinfos):
        ids.append(needinfos.loc[needinfos["set_at"].between(early, month.end), "bug_id"])
    board = corpus.whiteboard
    if len(board) and "next_update" in board:
        dated = board["next_update"].between(month.start - pd.Timedelta(days=1), month.end)
        ids.append(board.loc[dated, "bug_id"])
    return pd.Index(pd.concat(ids, ignore_index=True).unique())


def _only(tables, bug_ids: pd.Index):
    """A copy of a stage's tables (a dataclass of DataFrames) holding only these bugs' rows."""
    if tables is None:
        return None
    changes = {
        item.name: frame[frame["bug_id"].isin(bug_ids)]
        for item in dataclasses.fields(tables)
        if isinstance(frame := getattr(tables, item.name), pd.DataFrame) and "bug_id" in frame
    }
    return dataclasses.replace(tables, **changes)


def _extras(corpus):
    """Promises and report completeness, when that stage is installed."""
    try:
        from analyzer.ahead import scorecard_extras
    except ImportError:
        return None
    return lambda ca, start, end: scorecard_extras(corpus, ca, start, end)


def write_scorecards(
    tables: ScorecardTables,
    month: Month,
    out: Path,
    ca: str | None = None,
    templates: Path | None = None,
    progress: Progress = _no_progress,
) -> Written:
    """Render and write ``out/YYYY-MM/``; with ``ca``, only that CA's two pages."""
    ctx = report_context.build(tables, month)
    cards = ctx["cas"]
    if ca is not None:
        cards = [card for card in cards if card["ca"] == ca or card.get("_raw_ca") == ca]
        if not cards:
            names = [card["ca"] for card in ctx["cas"]]
            hint = get_close_matches(ca, names, n=3)
            also = f" Did you mean: {', '.join(hint)}?" if hint else ""
            raise InputError(f"No CA named {ca!r} had a bug open in {month.label}.{also}")
    html_env, md_env = html_environment(templates), markdown_environment(templates)
    page, md_page = html_env.get_template("scorecard.html"), md_env.get_template("scorecard.md")
    directory = Path(out) / month.label
    written = Written(directory)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for card in progress(cards, "scorecards"):
            values = {**card, "medians": ctx["medians"]}
            html_path = directory / f"{card['slug']}.html"
            write_text(html_path, page.render(values))
            write_text(directory / f"{card['slug']}.md", md_page.render(values))
            written.pages.append(html_path)
        if ca is None:
            written.index = directory / "index.html"
            index_values = {key: ctx[key] for key in ctx if key != "cas"}
            write_text(written.index, html_env.get_template("index.html").render(index_values))
            written.json = directory / "scorecards.json"
            write_text(written.json, json.dumps(to_json(ctx), indent=1, ensure_ascii=False) + "\n")
    except OSError as exc:
        raise InputError(f"Cannot write scorecards into {directory}: {exc.strerror}.") from exc
    return written


def to_json(ctx: dict) -> dict:
    """The same numbers as the pages, with times as ISO UTC strings."""
    return {
        "month": ctx["month"]["label"],
        "as_of": _plain(ctx["month"]["as_of"]),
        "limitations": ctx["limitations"],
        "medians": _plain(ctx["medians"]),
        "cas": [
            _plain(
                {key: value for key, value in card.items() if key not in ("month", "limitations")}
            )
            for card in ctx["cas"]
        ],
    }


def _plain(value):
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items() if not key.startswith("_")}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, float):
        return round(value, 4)
    return value
