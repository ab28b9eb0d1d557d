"""The ``analyzer scorecards`` command: monthly per-CA pages, an index and a JSON file."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable
from pathlib import Path

import click

from analyzer.cli.options import ca_option, data_dir_option, get_env, load_corpus
from analyzer.env import InputError


@click.command("scorecards")
@click.option(
    "--month",
    default=None,
    metavar="YYYY-MM",
    help="The month to judge, as known at its end. Default: the last full month of the data.",
)
@data_dir_option
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("reports"),
    show_default=True,
    help="Pages go to OUT/YYYY-MM/.",
)
@ca_option
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Directory of Jinja2 templates overriding the built-in ones "
    '(which stay reachable as "default:NAME").',
)
def scorecards(
    month: str | None, data_dir: Path, out: Path, ca_name: str | None, templates: Path | None
) -> None:
    """Write per-CA monthly scorecards: how each CA handled its incident bugs.

    For every CA with a judged bug open during the month: OUT/YYYY-MM/<ca>.html and <ca>.md
    (for pasting into an email or a bug), plus index.html ranking all CAs and
    scorecards.json with the same numbers; each CA's history page, up to that month, goes to
    OUT/ca/<ca>.html. Only what was known at the end of the month is used, so a past month
    regenerates the same. With --ca, only that CA's pages are written (index.html and
    scorecards.json are left as they are).

    \b
    Example:
        analyzer scorecards --month 2026-02 --out reports/
        analyzer scorecards --month 2026-02 --ca "Sectigo"
        analyzer scorecards --month 2026-02 --templates my-templates/
    """
    import jinja2

    from analyzer.metrics import frozen
    from analyzer.months import Month
    from analyzer.report.context import cas_shown
    from analyzer.report.history import history_pages, judged_at, write_histories
    from analyzer.report.scorecards import check_month, tables_from_corpus, write_scorecards

    env = get_env()
    began = time.perf_counter()
    chosen = Month.parse(month) if month is not None else None
    if templates is not None and not templates.is_dir():
        raise InputError(f"--templates {templates} is not a directory.")
    corpus = load_corpus(data_dir)
    chosen = chosen or Month.last_complete_before(corpus.observed_at)
    ca_name = corpus.resolve_ca(ca_name) if ca_name is not None else None

    def progress(items: Iterable, label: str) -> Iterable:
        if not env.stderr_isatty:
            return items
        items = list(items)
        return _bar(items, label)

    def _bar(items: list, label: str) -> Iterable:
        with click.progressbar(items, label=f"{label:<10}", file=env.stderr) as bar:
            yield from bar

    # one evaluation serves the pages, the trend and the history pages
    check_month(corpus, chosen)
    for _ in progress([chosen], "metrics"):
        corpus.months(rows_of=[chosen])  # every month's numbers, but only this month's rows
    with frozen():  # the judgement's millions of objects, until let go below
        tables = tables_from_corpus(corpus, chosen)
        # What the history pages read of the judgement at the month's end is taken now, as
        # tables; then every bug's judgement and every other month's rows are let go before any
        # page is built (about 2 GB at 50x the real corpus). Only this month's view is read here.
        judged = judged_at(corpus, chosen)
        months = dataclasses.replace(tables.months, views={chosen: tables.months.view(chosen)})
        tables = dataclasses.replace(tables, months=months)
        corpus.forget_judgements()
        try:
            written = write_scorecards(
                tables, chosen, out, ca=ca_name, templates=templates, progress=progress
            )
            # each page links to its CA's history: OUT/ca/<slug>.html, every month as known at
            # its own end up to the chosen one (a --ca without pages this month writes none)
            shown = {ca_name} if ca_name is not None else cas_shown(tables, chosen)
            pages = history_pages(corpus, shown, through=chosen, judged=judged)
            write_histories(pages, out, templates)
        except jinja2.TemplateError as exc:
            name, line = getattr(exc, "name", None), getattr(exc, "lineno", None)
            where = f" ({name}, line {line})" if name else ""
            raise InputError(f"A template in --templates failed{where}: {exc.message}.") from None
    seconds = time.perf_counter() - began
    target = written.index or (written.pages[0] if written.pages else written.directory)
    print(str(target), file=env.stdout)
    env.note(
        f"Wrote {len(written.pages)} scorecards for {chosen.label} into {written.directory} "
        f"in {seconds:.1f} s."
    )


COMMANDS = [scorecards]
